"""The browse index: a lunr index prebuilt at build time, searched the same way everywhere.

The browse page loads it with lunr.js (the copy inside the mkdocs package) and ``kbgen
search`` with the lunr package. Both build the query and order the results by the rules
below, so they give the same results: ``templates/browse-query.js`` mirrors :func:`search`
rule by rule (the tests run it under Node and compare), taking the constants it needs from
the ``rules`` object of :func:`browse_index`'s JSON.

**Index** (built here only). One document per topic, ``ref`` = slug, with fields:

- ``title`` (boost 10), ``aliases`` (boost 6, the aliases joined by spaces), ``summary``
  (boost 1): the text fields. lunr's tokenizer lower-cases and splits on whitespace and
  hyphens; each token is stripped of leading and trailing non-word characters (Unicode
  ``\\W``) and dropped if empty or a lunr stop word; the token is indexed, and so is its
  lunr (Porter) stem when that differs. Indexing both lets a half-typed word
  (``quantiza``) match as a prefix of the whole word, and a whole word (``adapters``)
  match by its stem.
- ``names`` (boost 40) and ``parts`` (boost 15): *name keys*, indexed as they are. A name
  key is a text lower-cased with every character outside ``a-z0-9`` removed
  (``Low-Rank Adaptation`` → ``lowrankadaptation``). ``names`` holds the keys of the title,
  each alias, and for a name ``X (Y)`` also of ``X`` and ``Y``; ``parts`` holds the keys
  of the pieces of a name split at ``/ , & ( )``, such as ``DoRA`` in ``LoRA / DoRA``.

**Query**, from the text typed (JavaScript in brackets):

1. *Terms.* Lower-case the text (``toLowerCase()``), split it on ``/[\\s\\-]+/``, strip each
   word of leading and trailing ``\\W`` characters (``lunr.trimmer``; ASCII ``\\W``), drop
   empty words and stop words (``lunr.stopWordFilter``), stem the rest (``lunr.stemmer``)
   and drop repeated terms, keeping the first.
2. *No terms.* An empty (all-whitespace) text lists every topic, ordered by slug. A text
   with no terms (only stop words or punctuation) finds nothing.
3. *Clauses.* For each term ``t``, in order, two clauses, both with ``usePipeline: false``
   and ``fields: TEXT_FIELDS``: ``{term: t, wildcard: TRAILING, presence: REQUIRED,
   boost: 1}`` (every term must begin a word of the title, aliases or summary), then
   ``{term: t, boost: EXACT_BOOST}`` (a whole-word match counts more). Then, if the text's
   name key ``k`` (``text.toLowerCase().replace(/[^a-z0-9]/g, "")``) is not empty, one
   clause ``{term: k, fields: NAME_FIELDS, boost: 1, usePipeline: false}``, so a query
   that spells a whole name ranks that topic first.
4. *Order.* Run ``index.query`` once with these clauses; sort the hits by
   ``Math.round(score * 1000)`` descending, then by slug ascending (plain string order).
5. *Tags.* Keep the topics that carry every selected tag (applied after ranking).
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import asdict, dataclass
from typing import Any

from lunr.builder import Builder
from lunr.index import Index
from lunr.pipeline import Pipeline
from lunr.query import Query, QueryPresence
from lunr.stemmer import stemmer
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token

from kbgen.exports import TopicRecord

TEXT_FIELDS = {"title": 10, "aliases": 6, "summary": 1}
"""Text fields and their boosts."""
NAME_FIELDS = {"names": 40, "parts": 15}
"""Name-key fields and their boosts."""
EXACT_BOOST = 10
"""Weight of a whole-word match over a prefix match."""

_SPLIT = re.compile(r"[\s\-]+")
_QUERY_TRIM = re.compile(r"^\W+|\W+$", re.ASCII)
_INDEX_TRIM = re.compile(r"^\W+|\W+$")
_NOT_KEY = re.compile(r"[^a-z0-9]+")
_PAREN = re.compile(r"\(([^()]*)\)")
_PIECES = re.compile(r"[/,&()]")


def name_key(text: str) -> str:
    """``text`` lower-cased with every character outside ``a-z0-9`` removed."""
    return _NOT_KEY.sub("", text.lower())


def name_keys(names: list[str]) -> tuple[list[str], list[str]]:
    """The ``names`` and ``parts`` keys of a topic's title and aliases."""
    strong: list[str] = []
    for name in names:
        strong.append(name)
        inner = _PAREN.findall(name)
        if inner and not any("," in i for i in inner):
            strong += [_PAREN.sub(" ", name), *inner]
    pieces = [p for name in names for p in _PIECES.split(name)]
    keys = list(dict.fromkeys(k for k in map(name_key, strong) if k))
    parts = [k for k in dict.fromkeys(map(name_key, pieces)) if k and k not in keys]
    return keys, parts


@functools.cache
def _stem(word: str) -> str:
    """lunr's Porter stem of a word; cached, as the same words recur across topics."""
    return str(stemmer(Token(word)))


def _index_term(token: Token, i: int, tokens: list[Token]) -> list[Token] | None:
    """Index pipeline for the text fields: trim, drop stop words, keep the word and its stem."""
    token.update(lambda s, _=None: _INDEX_TRIM.sub("", s))
    if not str(token) or stop_word_filter(token) is None:
        return None
    word = str(token)
    stem = _stem(word)
    return [token] if stem == word else [token, Token(stem, token.metadata)]


Pipeline.register_function(_index_term, "kbgenIndexTerm")


def build_index(records: list[TopicRecord]) -> Index:
    """Index titles, aliases, summaries and name keys (see the module docstring)."""
    builder = Builder()
    builder.pipeline.add(_index_term)
    builder.pipeline.skip(_index_term, list(NAME_FIELDS))
    builder.ref("id")
    for field, boost in {**TEXT_FIELDS, **NAME_FIELDS}.items():
        builder.field(field, boost=boost)
    for r in sorted(records, key=lambda r: r.slug):
        names, parts = name_keys(r.names)
        builder.add(
            {
                "id": r.slug,
                "title": r.title,
                "aliases": " ".join(r.aliases),
                "summary": r.summary,
                "names": names,
                "parts": parts,
            }
        )
    return builder.build()


def query_terms(text: str) -> list[str]:
    """The terms a query text searches for (rule 1)."""
    terms = []
    for word in _SPLIT.split(text.lower()):
        token = Token(_QUERY_TRIM.sub("", word))
        if str(token) and stop_word_filter(token) is not None:
            terms.append(str(stemmer(token)))
    return list(dict.fromkeys(terms))


def build_query(index: Index, text: str) -> Query | None:
    """The lunr query for a text (rule 3), or None when the text has no terms."""
    terms = query_terms(text)
    if not terms:
        return None
    query = index.create_query()
    fields = list(TEXT_FIELDS)
    for term in terms:
        query.term(
            term,
            fields=fields,
            use_pipeline=False,
            wildcard=Query.WILDCARD_TRAILING,
            presence=QueryPresence.REQUIRED,
        )
        query.term(term, fields=fields, use_pipeline=False, boost=EXACT_BOOST)
    if key := name_key(text):
        query.term(key, fields=list(NAME_FIELDS), use_pipeline=False)
    return query


@dataclass(frozen=True)
class Hit:
    """One search result."""

    record: TopicRecord
    score: float
    """lunr's score rounded to 3 places; 0 when the query is empty."""


def search(
    index: Index, records: list[TopicRecord], text: str, tags: list[str] | tuple[str, ...] = ()
) -> list[Hit]:
    """Topics matching every query term and carrying every tag, best first (rules 2–5)."""
    by_slug = {r.slug: r for r in records}
    query = build_query(index, text)
    if query is not None:
        ranked = sorted(
            ((math.floor(h["score"] * 1000 + 0.5), h["ref"]) for h in index.query(query)),
            key=lambda h: (-h[0], h[1]),
        )
        hits = [Hit(by_slug[ref], score / 1000) for score, ref in ranked]
    elif text.strip():
        hits = []
    else:
        hits = [Hit(by_slug[slug], 0.0) for slug in sorted(by_slug)]
    wanted = set(tags)
    return [h for h in hits if wanted <= set(h.record.tags)]


def browse_index(records: list[TopicRecord], tag_names: dict[str, str]) -> str:
    """The JSON the browse page loads: the index, the topics, tag names and query rules."""
    data: dict[str, Any] = {
        "index": build_index(records).serialize(),
        "topics": [asdict(r) for r in sorted(records, key=lambda r: r.slug)],
        "tags": tag_names,
        "rules": {
            "text_fields": list(TEXT_FIELDS),
            "name_fields": list(NAME_FIELDS),
            "exact_boost": EXACT_BOOST,
        },
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def load_browse_index(text: str) -> tuple[Index, list[TopicRecord], dict[str, str]]:
    """Read what :func:`browse_index` wrote."""
    data = json.loads(text)
    records = [TopicRecord(**t) for t in data["topics"]]
    return Index.load(data["index"]), records, data["tags"]

"""The search index: small static files, of which one search fetches only a few.

One ranking serves the header search, the browse page and ``kbgen search``: the browser
runs ``templates/search-query.js`` and the terminal :mod:`kbgen.search_query` over the very
files written here, by the rules below (the tests run both on the same queries).

**Words.** A text is lower-cased and cut into words: runs of letters and digits (Unicode).
Stop words (:data:`STOP_WORDS`) are dropped; a word of a ``synonyms`` group in
``kbgen.yml`` becomes the group's first word (``quantisation`` → ``quantization``). A
word's *stem* strips a few English endings (:func:`stem`); it is kept small and explicit
so that Python and the browser script compute it identically.

**Files** (under ``assets/kbgen/search/``; ``<k>`` is a key, see :func:`shard_file`):

- ``meta.json``: the rules (weights, stop words, synonyms, shard sizes), the number of
  topics, the tags with their names and Tags-page anchors, and the names of the shards
  that exist (so that a query never asks for one that does not).
- ``tags.json``: for each tag, a bitmap of the topics carrying it (base64), for facets.
- ``t<k>.json``, term shards: every indexed term starting with the key (its first
  :data:`PREFIX` characters, or the whole term when shorter) → postings. A topic's terms
  are the words and stems of its title (weight 100), aliases (60), tag names (30) and
  summary (10); a title or alias of ``n`` words adds ``40 // n`` or ``20 // n``
  (:data:`SHORT_BONUS`); a posting keeps the topic's best weight.
- ``n<k>.json``, name shards: *name keys* → postings. A name key joins a name's words
  (``lowrankadaptation``) or their stems (``lowrankadapt``); names are the title, each
  alias, both sides of ``X (Y)`` and ``X`` with ``Y`` put for the words it abbreviates
  (``Key-Value (KV) Caching`` → ``KV Caching``; see :func:`name_variants`), weight 1000
  from the title, 900 from an alias; pieces of a name split at ``/ , &`` and the
  parts inside and outside its brackets weigh 400.
- ``f<k>.json``, typo shards: each word of a name and its stem (4+ letters), and each
  string made from one by deleting a letter → those words, keyed by the first two letters.
- ``b<k>.json``, body shards: the words of a topic's sections → postings, weighted below
  every field above and capped per word (see :mod:`kbgen.search_body`).
- ``d<n>.json``: topics ``n·CHUNK`` to ``n·CHUNK+CHUNK-1`` (slug, title, summary, tags).

Topics are numbered in slug order; postings map a weight to the delta-encoded numbers of
the topics having it.

**Disambiguation pages** (a name several topics go by, :mod:`kbgen.disambiguation`) are
numbered after the topics, in the order given, from the first multiple of :data:`CHUNK`
at or past ``count`` (which counts topics only), so their ``d<n>.json`` files are their
own: a number under ``count`` is a topic, any other a page. A page has the title ``SAM
(disambiguation)``, the summary ``SAM may mean: …`` naming its topics, and no tags. It is
indexed under its name's keys only, weight :data:`PAGE_WEIGHT`: no terms, body words or
typo entries, so its whole name alone finds it, first, followed by the topics; no other
query, tag filter, facet count or empty query lists it, and no other search reads more.

**Query.** The query's words, stemmed, are its terms. A topic matches a term when one of
its terms equals it (weight × :data:`EXACT`) or starts with it (weight × 1; a term shorter
than :data:`PREFIX` only by equality), or one of its body terms equals it (the body
weight, 1–9); a term's weight is the best of these. A topic must match every term, or have
a name key of the query. Its score is the sum of its best weight per term, plus the best
weight of the query's name keys (its words joined, and its stems joined) in its names.
When nothing matches, each term that matches no topic (body terms included) is replaced by
the name words and stems at most one edit away (insert, delete, substitute, or swap two
neighbours), and the search runs again. Hits are ordered by score, then slug; an empty
query lists every topic by slug; a query of stop words finds nothing; tags filter after
ranking.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kbgen.disambiguation import Disambiguation
from kbgen.exceptions import InputError, Problem
from kbgen.exports import TopicRecord
from kbgen.incremental import Memo

WEIGHTS = {
    "title": 100, "aliases": 60, "tags": 30, "summary": 10,
    "name": 1000, "alias": 900, "part": 400,
}  # fmt: skip
"""Field weights; ``name`` (of the title), ``alias`` and ``part`` weigh name keys."""
PAGE_WEIGHT = 10_000
"""A disambiguation page's name keys' weight: above any topic's score for a query of up to
21 words (a topic scores at most ``name`` plus 3 × 140 per word)."""
SHORT_BONUS = {"title": 40, "aliases": 20}
"""Added to a title's or alias's weight, divided by its number of words: the shorter the
name holding a word, the more the topic is about it."""
EXACT = 3
"""Factor of a whole-term match over a prefix match."""
PREFIX = 3
"""Length of a term shard's key."""
FUZZY_PREFIX = 2
"""Length of a typo shard's key."""
FUZZY_MIN = 4
"""Shortest stem corrected for typos."""
CHUNK = 8
"""Topics per ``d<n>.json`` file."""
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it",
    "its", "of", "on", "or", "the", "to", "with",
})  # fmt: skip
"""Words neither indexed nor searched."""
VERSION = 3
"""Format of the files, in ``meta.json`` (2: body shards; 3: disambiguation pages)."""

_WORD = re.compile(r"[^\W_]+")
_PAREN = re.compile(r"\(([^()]*)\)")
_PIECES = re.compile(r"[/,&]")
_ASCII_KEY = re.compile(r"^[a-z0-9]+$")
_ENDINGS = (("ization", "iz"), ("isation", "is"), ("ing", ""), ("ed", ""))


def words(text: str) -> list[str]:
    """Lower-cased runs of letters and digits (``[\\p{L}\\p{N}]+`` in the browser)."""
    return _WORD.findall(text.lower())


@functools.cache  # the same words recur across topics
def stem(word: str) -> str:
    """A light English stem, applied to words of ASCII letters only.

    In order: ``ies`` → ``y`` (word over 4 letters); else a final ``s`` goes unless the
    word ends in ``ss``, ``us`` or ``is`` or has 3 letters; then the first of ``ization``
    → ``iz``, ``isation`` → ``is``, ``ing``, ``ed`` that leaves 4+ letters; else a final
    ``e`` goes from a word of 5+ letters. ``caching``, ``cached``, ``cache`` → ``cach``.
    """
    if not (word.isascii() and word.isalpha()):
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and len(word) > 3 and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for ending, put in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) + len(put) >= 4:
            return word[: -len(ending)] + put
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


class Vocabulary:
    """Words as the index and the query see them: stop words and synonyms applied."""

    def __init__(self, synonyms: Iterable[Iterable[str]] = ()) -> None:
        self.synonyms = [list(g) for g in synonyms]
        self.canonical: dict[str, str] = {}
        for group in self.synonyms:
            found = [words(w) for w in group]
            if any(len(w) != 1 for w in found):
                message = f"synonyms: each entry must be one word: {group}"
                raise InputError([Problem("kbgen.yml", 1, message)])
            for (word,) in found[1:]:
                self.canonical.setdefault(word, found[0][0])

    def terms(self, text: str) -> list[str]:
        """The words of ``text`` that count, in order, synonyms made canonical."""
        return [self.canonical.get(w, w) for w in words(text) if w not in STOP_WORDS]

    def name_keys(self, name: str) -> set[str]:
        """A name's two keys: its words joined, and its counted words' stems joined."""
        raw = "".join(self.canonical.get(w, w) for w in words(name))
        stemmed = "".join(stem(t) for t in self.terms(name))
        return {k for k in (raw, stemmed) if k}


def _abbreviates(acronym: str, name: str) -> bool:
    """Whether the one word ``acronym`` (a final ``s`` aside) is the initials of ``name``'s
    last words, stop words counted or not (``MoE``, ``Mixture of Experts``)."""
    for letters in {acronym, acronym[:-1] if len(acronym) > 2 and acronym[-1] == "s" else ""}:
        for found in (words(name), [w for w in words(name) if w not in STOP_WORDS]):
            k = len(letters)
            if letters and len(found) >= k and "".join(w[0] for w in found[-k:]) == letters:
                return True
    return False


def name_variants(names: list[str]) -> tuple[list[str], list[str]]:
    """The names (weight ``name``) and pieces (weight ``part``) of a topic's names.

    For ``X (Y)``, ``X`` is a name; so is ``Y`` when it has several words or one of ``X``
    and ``Y`` abbreviates the other (else ``Y`` is a qualifier, as in ``Load Balancing
    (MoE)``, and only a piece); when ``Y`` abbreviates ``X``'s last words, so is ``X``
    with ``Y`` put for them (``Key-Value (KV) Caching`` → ``KV Caching``).
    """
    full: list[str] = []
    for name in names:
        full.append(name)
        inner = _PAREN.findall(name)
        if len(inner) == 1 and "," not in inner[0]:
            before, after = name.split(f"({inner[0]})", 1)
            full.append(f"{before} {after}")
            short, outer = words(inner[0]), words(before)
            if len(short) == 1 and _abbreviates(short[0], before):
                full.append(inner[0])
                k = len(short[0])
                if "".join(w[0] for w in outer[-k:]) == short[0]:
                    full.append(" ".join([*outer[:-k], short[0], after]))
            elif len(short) > 1 or (len(outer) == 1 and _abbreviates(outer[0], inner[0])):
                full.append(inner[0])
    pieces = []
    for piece in (p for name in names for p in _PIECES.split(name)):
        pieces.append(_PAREN.sub(" ", piece))
        pieces += [q for inner in _PAREN.findall(piece) for q in inner.split(",")]
    return list(dict.fromkeys(full)), list(dict.fromkeys(p for p in pieces if words(p)))


def shard_file(kind: str, key: str) -> str:
    """File name of the shard of ``kind`` (``t``, ``n``, ``f``) for ``key``.

    ASCII keys are used as they are (behind the kind letter, so no name is one Windows
    reserves); any other key is written as ``_`` and the hex of its UTF-8 bytes.
    """
    return kind + (key if _ASCII_KEY.match(key) else "_" + key.encode().hex()) + ".json"


def term_key(term: str) -> str:
    """The key of the term shard holding ``term``."""
    return term[:PREFIX]


def deletions(word: str) -> set[str]:
    """``word`` with one letter deleted, every way."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


Postings = dict[str, dict[int, int]]
"""term → topic number → best weight."""


def _add(postings: Postings, term: str, doc: int, weight: int) -> None:
    docs = postings[term]
    if docs.get(doc, 0) < weight:
        docs[doc] = weight


def encode_postings(docs: dict[int, int]) -> dict[str, list[int]]:
    """Weight → delta-encoded topic numbers, heaviest first."""
    by_weight: dict[int, list[int]] = defaultdict(list)
    for doc in sorted(docs):
        by_weight[docs[doc]].append(doc)
    out = {}
    for weight in sorted(by_weight, reverse=True):
        ids = by_weight[weight]
        out[str(weight)] = [ids[0], *(b - a for a, b in itertools.pairwise(ids))]
    return out


def dump_json(data: object) -> bytes:
    """Compact, deterministic JSON."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _shards(kind: str, entries: dict[str, object], key) -> dict[str, bytes]:
    grouped: dict[str, dict[str, object]] = defaultdict(dict)
    for term, value in entries.items():
        grouped[key(term)][term] = value
    return {shard_file(kind, k): dump_json(v) for k, v in grouped.items()}


def search_files(
    records: list[TopicRecord],
    tags: dict[str, tuple[str, str]],
    synonyms: Iterable[Iterable[str]] = (),
    bodies: Mapping[str, str] | None = None,
    pages: Iterable[Disambiguation] = (),
    memo: Memo | None = None,
) -> dict[str, bytes]:
    """Every file of the index, by name; ``tags`` maps a tag to its name and anchor,
    ``bodies`` a topic's slug to its body (Markdown), whose words :mod:`kbgen.search_body`
    indexes (none without it), ``pages`` are the disambiguation pages. ``memo``
    (:mod:`kbgen.incremental`) keeps each topic's terms between calls, by its text; the
    files are the same with or without it."""
    from kbgen.search_body import BODY_PREFIX, index_body  # it builds on this module

    vocab = Vocabulary(synonyms)
    ordered = sorted(records, key=lambda r: r.slug)
    known: list[set[str]] = []
    terms: Postings = defaultdict(dict)
    names: Postings = defaultdict(dict)
    fuzzy: dict[str, set[str]] = defaultdict(set)
    for doc, r in enumerate(ordered):
        shown = tuple(tags.get(t, (t, ""))[0] for t in r.tags)
        if memo is None:
            found = _record_terms(r, shown, vocab)
        else:
            key = (r.title, tuple(r.aliases), shown, r.summary)
            found = memo.get(
                "search-record", key, lambda r=r, shown=shown: _record_terms(r, shown, vocab)
            )
        for term, weight in found.terms:
            _add(terms, term, doc, weight)
        for key, weight in found.names:
            _add(names, key, doc, weight)
        for variant, form in found.fuzzy:
            fuzzy[variant].add(form)
        known.append(found.known)
    rows = [[r.slug, r.title, r.summary, r.tags] for r in ordered]
    first_page = -(-len(rows) // CHUNK) * CHUNK
    titles = {r.slug: r.title for r in ordered}
    page_rows = []
    for page in pages:
        for key in vocab.name_keys(page.name):
            _add(names, key, first_page + len(page_rows), PAGE_WEIGHT)
        page_rows.append([page.slug, page.title, page_summary(page, titles), []])
    files = _shards("t", {t: encode_postings(d) for t, d in terms.items()}, term_key)
    files |= _shards("n", {t: encode_postings(d) for t, d in names.items()}, term_key)
    files |= _shards("f", {v: sorted(s) for v, s in fuzzy.items()}, lambda v: v[:FUZZY_PREFIX])
    bodies = bodies or {}
    count = None if memo is None else _memo_counts(memo, vocab)
    files |= index_body((bodies.get(r.slug, "") for r in ordered), known, vocab, count)
    for offset, chunked in ((0, rows), (first_page, page_rows)):
        for start in range(0, len(chunked), CHUNK):
            files[f"d{(offset + start) // CHUNK}.json"] = dump_json(chunked[start : start + CHUNK])
    files["tags.json"] = dump_json({t: _bitmap(ordered, t) for t in tags})
    files["meta.json"] = dump_json(
        {
            "version": VERSION,
            "count": len(ordered),
            "chunk": CHUNK,
            "prefix": PREFIX,
            "body_prefix": BODY_PREFIX,
            "fuzzy_prefix": FUZZY_PREFIX,
            "fuzzy_min": FUZZY_MIN,
            "weights": WEIGHTS,
            "exact": EXACT,
            "stop_words": sorted(STOP_WORDS),
            "synonyms": vocab.synonyms,
            "tags": [[t, name, anchor] for t, (name, anchor) in tags.items()],
            "shards": " ".join(sorted(f.removesuffix(".json") for f in files if f[0] in "tnfb")),
        }
    )
    return files


@dataclass(frozen=True)
class _RecordTerms:
    """What one topic's names, tags and summary put in the index, whatever its number."""

    terms: tuple[tuple[str, int], ...]
    names: tuple[tuple[str, int], ...]
    fuzzy: tuple[tuple[str, str], ...]
    known: frozenset[str]


def _record_terms(r: TopicRecord, tag_names: tuple[str, ...], vocab: Vocabulary) -> _RecordTerms:
    terms: list[tuple[str, int]] = []
    fields = [
        ("title", r.title),
        *(("aliases", a) for a in r.aliases),
        *(("tags", name) for name in tag_names),
        ("summary", r.summary),
    ]
    for field, text in fields:
        found = vocab.terms(text)
        weight = WEIGHTS[field] + SHORT_BONUS.get(field, 0) // max(1, len(found))
        for word in found:
            terms.extend((term, weight) for term in {word, stem(word)})
    names: list[tuple[str, int]] = []
    for weight, group in (
        (WEIGHTS["name"], name_variants([r.title])[0]),
        (WEIGHTS["alias"], name_variants(r.aliases)[0]),
        (WEIGHTS["part"], name_variants(r.names)[1]),
    ):
        for name in group:
            names.extend((key, weight) for key in vocab.name_keys(name))
    fuzzy: list[tuple[str, str]] = []
    for word in vocab.terms(" ".join(r.names)):
        for form in {word, stem(word)}:
            if len(form) >= FUZZY_MIN:
                fuzzy.extend((variant, form) for variant in {form} | deletions(form))
    return _RecordTerms(tuple(terms), tuple(names), tuple(fuzzy), frozenset(t for t, _ in terms))


def _memo_counts(memo: Memo, vocab: Vocabulary):
    from kbgen.search_body import body_counts

    return lambda body: memo.get("search-body", body, lambda: body_counts(body, vocab))


def page_summary(page: Disambiguation, titles: Mapping[str, str]) -> str:
    """``SAM may mean: A or B.``, ``A, B or C`` naming the page's topics by title."""
    named = [titles.get(slug, slug) for slug in page.topics]
    listed = " or ".join([", ".join(named[:-1]), named[-1]] if len(named) > 1 else named)
    return f"{page.name} may mean: {listed}."


def _bitmap(ordered: list[TopicRecord], tag: str) -> str:
    """Base64 of a bitmap: bit ``i % 8`` of byte ``i // 8`` is set when topic ``i`` has ``tag``."""
    bits = bytearray((len(ordered) + 7) // 8)
    for i, r in enumerate(ordered):
        if tag in r.tags:
            bits[i // 8] |= 1 << (i % 8)
    return base64.b64encode(bytes(bits)).decode()

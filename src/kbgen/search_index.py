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
- ``tag-bitmaps.json``: for each tag, the topics carrying it, as a bitmap or as the gaps
  between their numbers, whichever is shorter (:mod:`kbgen.search_tags`), for facets (a
  name no shard can have: ``tags.json`` would be the term shard of ``ags``).
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
- ``p<first>.json``, packs: in a built site, runs of small shards joined in one file,
  listed in ``meta.json`` under ``packs`` by their first and last shard
  (:func:`kbgen.search_shards.packed`).

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

import functools
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kbgen import search_tags
from kbgen.disambiguation import Disambiguation
from kbgen.exceptions import InputError, Problem
from kbgen.exports import TopicRecord
from kbgen.incremental import Memo, Same
from kbgen.search_shards import Given, best_weights, dump_json, shard_files

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
VERSION = 5
"""Format of the files, in ``meta.json`` (2: body shards; 3: disambiguation pages; 4: packs;
5: tag sets as bitmaps or gaps)."""

_WORD = re.compile(r"[^\W_]+")
_PAREN = re.compile(r"\(([^()]*)\)")
_PIECES = re.compile(r"[/,&]")
_ASCII_KEY = re.compile(r"^[a-z0-9]+$")
_SHARD_NAME = re.compile(r"^[tnfb](?:[a-z0-9]+|_[0-9a-f]+)\.json$")
TAG_FILE = "tag-bitmaps.json"
"""The file of the tags' bitmaps."""
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


def is_shard(name: str) -> bool:
    """True when ``name`` is the file of a shard (:func:`shard_file`)."""
    return _SHARD_NAME.match(name) is not None


def term_key(term: str) -> str:
    """The key of the term shard holding ``term``."""
    return term[:PREFIX]


def deletions(word: str) -> set[str]:
    """``word`` with one letter deleted, every way."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


Postings = dict[str, dict[int, int]]
"""term → topic number → best weight."""


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
    from kbgen.search_body import BODY_PREFIX, body_weights, index_body  # builds on this

    vocab = Vocabulary(synonyms)
    ordered = sorted(records, key=lambda r: r.slug)
    shown = [tuple(tags.get(t, (t, ""))[0] for t in r.tags) for r in ordered]
    memo = memo or Memo()
    named, known = _name_files(ordered, shown, tags, vocab, pages, memo)
    files = dict(named)
    bodies = bodies or {}
    count = _memo_counts(memo, vocab)

    def weigh(found, average, known_terms):
        key = (Same(found), average, known_terms)
        return memo.get("search-weights", key, lambda: body_weights(found, average, known_terms))

    texts = (bodies.get(r.slug, "") for r in ordered)
    files |= index_body(texts, known, vocab, count, weigh, memo)
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
            "shards": " ".join(sorted(f.removesuffix(".json") for f in files if is_shard(f))),
        }
    )
    return files


def _name_files(
    ordered: list[TopicRecord],
    shown: list[tuple[str, ...]],
    tags: dict[str, tuple[str, str]],
    vocab: Vocabulary,
    pages: Iterable[Disambiguation],
    memo: Memo,
) -> tuple[dict[str, bytes], list[frozenset[str]]]:
    """The index files of the topics' names, tags and summaries (all but the body shards
    and ``meta.json``), and each topic's terms from them."""
    found = [
        memo.get("search-record", (r.title, tuple(r.aliases), names, r.summary),
                 lambda r=r, s=names: _record_terms(r, s, vocab))
        for r, names in zip(ordered, shown, strict=True)
    ]  # fmt: skip
    first_page = -(-len(ordered) // CHUNK) * CHUNK
    titles = {r.slug: r.title for r in ordered}
    page_names = [
        (first_page + i, tuple((key, PAGE_WEIGHT) for key in vocab.name_keys(page.name)))
        for i, page in enumerate(pages)
    ]
    files = shard_files("t", enumerate(f.terms for f in found), term_key, _postings_file, memo)
    names = [*enumerate(f.names for f in found), *page_names]
    files |= shard_files("n", names, term_key, _postings_file, memo)
    files |= shard_files("f", enumerate(f.fuzzy for f in found), _fuzzy_key, _fuzzy_file, memo)
    rows = [[r.slug, r.title, r.summary, r.tags] for r in ordered]
    page_rows = [[p.slug, p.title, page_summary(p, titles), []] for p in pages]
    for offset, chunked in ((0, rows), (first_page, page_rows)):
        for start in range(0, len(chunked), CHUNK):
            files[f"d{(offset + start) // CHUNK}.json"] = dump_json(chunked[start : start + CHUNK])
    files[TAG_FILE] = dump_json(search_tags.tag_sets([r.tags for r in ordered], tags))
    known = [f.known for f in found]
    return files, known


def _postings_file(kind: str, key: str, parts: Given) -> dict[str, bytes]:
    """A term or name shard: each term's topics by weight."""
    postings = best_weights(parts)
    return {shard_file(kind, key): dump_json({t: encode_postings(d) for t, d in postings.items()})}


def _fuzzy_key(variant: str) -> str:
    return variant[:FUZZY_PREFIX]


def _fuzzy_file(kind: str, key: str, parts: Given) -> dict[str, bytes]:
    """A typo shard: each variant's forms."""
    forms: dict[str, set[str]] = defaultdict(set)
    for _, entries in parts:
        for variant, form in entries:
            forms[variant].add(form)  # type: ignore[arg-type]
    return {shard_file(kind, key): dump_json({v: sorted(f) for v, f in forms.items()})}


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

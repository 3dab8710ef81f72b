"""Body words in the search index: the words of a topic's sections, weighted and capped.

A topic's *body terms* are the stems of the counted words (:class:`~kbgen.search_index.
Vocabulary`) of its page text below the title: the preamble and every section, as plain
text, headings left out. A term the topic already has from its names, tags or summary is
left out (those weigh more). Each body term weighs 1 to :data:`BODY_MAX`, BM25's saturation
of its count in the topic (``k1`` = :data:`K1`, ``b`` = :data:`B`, against the average
length): below every other field, so a topic found by a name or its summary ranks before
one found only by its body. A body term keeps only its :data:`BODY_CAP` heaviest topics
(ties: slug order), so that a word in thousands of topics costs what a rare one costs.
Body terms match whole, never as prefixes.

**Files** ``b<k>.json``: body term → postings (as in ``t<k>.json``), keyed by the term's
first :data:`BODY_PREFIX` characters (the whole term when shorter). A shard
over :data:`BODY_SHARD_BYTES` is split by one more character, again and again; a term as
long as the key stays in it. A query term is looked up in the shard with the longest key
that begins it, of at least ``min(len(term), BODY_PREFIX)`` characters, among the shards that
``meta.json`` lists (:func:`body_shard`): so one body word reads one shard, at most
:data:`BODY_SHARD_BYTES` unless it holds one term only, and then at most ``BODY_CAP``
topics.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from kbgen.incremental import Memo
from kbgen.search_index import Vocabulary, dump_json, encode_postings, shard_file, stem
from kbgen.search_shards import Given, shard_files
from kbgen.store import parse_body
from kbgen.summary import plain_text

BODY_PREFIX = 2
"""Length of a body shard's key before any split."""
BODY_MAX = 9
"""Heaviest body weight: under a summary word's 10."""
BODY_CAP = 100
"""Topics kept per body term."""
BODY_SHARD_BYTES = 16_000
"""Size over which a body shard is split."""
MAX_BODY_TERM = 32
"""Longer body words are not indexed: no reader types them, and each would split shards."""
K1 = 1.2
B = 0.75


def body_text(markdown: str) -> str:
    """A topic body's text as plain text, section headings left out."""
    preamble, sections = parse_body(markdown)
    parts = [preamble, *(part.text for s in sections for part in s.parts)]
    return "\n".join(plain_text(p) for p in parts if p.strip())


def body_counts(body: str, vocab: Vocabulary) -> Counter[str]:
    """How often each body term occurs in a topic's body (Markdown)."""
    return Counter(stem(w) for w in vocab.terms(body_text(body)))


def rounded_average(lengths: list[int]) -> float:
    """The average body length, to two significant digits: an edit of one body seldom
    changes it, so the other bodies' weights stay as they were."""
    if not any(lengths):
        return 1.0
    average = sum(lengths) / len(lengths)
    return float(f"{average:.2g}")


def body_weights(
    found: Counter[str], average: float, known: frozenset[str]
) -> tuple[tuple[str, int], ...]:
    """A body's (term, weight) pairs: BM25's saturation of each term's count (``found``) at the
    body's length against ``average``, without the ``known`` terms of other fields."""
    norm = K1 * (1 - B + B * sum(found.values()) / average)
    weights = []
    for term, tf in found.items():
        if term not in known and len(term) <= MAX_BODY_TERM:
            saturation = tf * (K1 + 1) / (tf + norm) / (K1 + 1)
            weights.append((term, max(1, min(BODY_MAX, int(BODY_MAX * saturation + 0.5)))))
    return tuple(weights)


Weigh = Callable[[Counter[str], float, frozenset[str]], tuple[tuple[str, int], ...]]


def body_key(term: str) -> str:
    """The key of the body shard a term starts in (before any split)."""
    return term[:BODY_PREFIX]


def _body_file(kind: str, key: str, parts: Given) -> dict[str, bytes]:
    """The files of the body shard ``key``: its terms' postings, each cut to its
    ``BODY_CAP`` best topics, split by one more character until small enough."""
    postings: dict[str, dict[int, int]] = defaultdict(dict)
    for doc, entries in parts:
        for term, weight in entries:
            postings[term][doc] = weight  # type: ignore[assignment]
    entries_of: dict[str, object] = {}
    for term, docs in postings.items():
        if len(docs) > BODY_CAP:
            best = sorted(docs, key=lambda d: (-docs[d], d))[:BODY_CAP]
            docs = {d: docs[d] for d in best}
        entries_of[term] = encode_postings(docs)
    files: dict[str, bytes] = {}
    todo = [(key, entries_of)]
    while todo:
        key, entries = todo.pop()
        data = dump_json(entries)
        longer = {t: e for t, e in entries.items() if len(t) > len(key)}
        if len(data) <= BODY_SHARD_BYTES or not longer:
            files[shard_file(kind, key)] = data
            continue
        if key in entries:
            files[shard_file(kind, key)] = dump_json({key: entries[key]})
        children: dict[str, dict[str, object]] = defaultdict(dict)
        for term, encoded in longer.items():
            children[term[: len(key) + 1]][term] = encoded
        todo.extend(children.items())
    return files


def body_files(postings: dict[str, dict[int, int]]) -> dict[str, bytes]:
    """The ``b<k>.json`` shards of body postings (term → topic number → weight)."""
    by_doc: dict[int, list[tuple[str, object]]] = defaultdict(list)
    for term, docs in postings.items():
        for doc, weight in docs.items():
            by_doc[doc].append((term, weight))
    given = [(doc, tuple(entries)) for doc, entries in sorted(by_doc.items())]
    return shard_files("b", given, body_key, _body_file)


def body_shard(term: str, exists: Callable[[str], bool], prefix: int = BODY_PREFIX) -> str | None:
    """The file of the body shard that would hold ``term``, given which shards exist
    (``exists`` takes a file name without ``.json``), or None."""
    for n in range(len(term), min(len(term), prefix) - 1, -1):
        name = shard_file("b", term[:n])
        if exists(name.removesuffix(".json")):
            return name
    return None


def index_body(
    bodies: Iterable[str],
    known: list[frozenset[str]],
    vocab: Vocabulary,
    count: Callable[[str], Counter[str]] | None = None,
    weigh: Weigh = body_weights,
    memo: Memo | None = None,
) -> dict[str, bytes]:
    """The body shards of the topics' bodies, in topic order, and the terms each topic
    already has from other fields. ``count`` (default :func:`body_counts`) counts a
    body's terms and ``weigh`` (default :func:`body_weights`) weighs them: either may keep
    its results, as ``memo`` keeps the shards (:mod:`kbgen.search_shards`)."""
    count = count or (lambda body: body_counts(body, vocab))
    counts = [count(b) for b in bodies]
    average = rounded_average([sum(c.values()) for c in counts])
    given = [(doc, weigh(found, average, known[doc])) for doc, found in enumerate(counts)]
    return shard_files("b", given, body_key, _body_file, memo)

"""Searching the index of :mod:`kbgen.search_index`, as ``templates/search-query.js`` does.

:class:`Searcher` reads the index through a ``load(name)`` callable (a file of the index
by name, parsed, or None when there is no such file), so it runs on the files of a built
site as well as on :func:`~kbgen.search_index.search_files` output held in memory. Every
step mirrors the browser script, which the tests run on the same queries.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kbgen import search_tags
from kbgen.search_body import body_shard
from kbgen.search_index import (
    TAG_FILE,
    Vocabulary,
    deletions,
    search_files,
    shard_file,
    stem,
    term_key,
)
from kbgen.search_shards import pack_of, read_packs

Loader = Callable[[str], Any]
"""A file of the index by name, parsed from JSON, or None when it does not exist."""

MAX_COMBINATIONS = 16
"""Most corrected spellings of a whole query tried as name keys."""


def osa_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap neighbours) from ``a`` to ``b``."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _decode(postings: dict[str, list[int]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for weight, deltas in postings.items():
        doc = 0
        for delta in deltas:
            doc += delta
            out[doc] = int(weight)
    return out


@dataclass(frozen=True)
class Topic:
    """One topic (or disambiguation page) as the index's ``d<n>.json`` files give it."""

    number: int
    """Its place in slug order; disambiguation pages come after every topic."""
    slug: str
    title: str
    summary: str
    tags: list[str]
    kind: str = "topic"
    """``topic``, or ``disambiguation`` for a page listing a shared name's topics."""

    @property
    def url(self) -> str:
        """Relative to the site root."""
        return f"topics/{self.slug}/"


class Searcher:
    """Queries one index; files are loaded once, when a query first needs them."""

    def __init__(self, load: Loader) -> None:
        self._load = load
        self._cache: dict[str, Any] = {}
        self._bitmaps: dict[str, bytes] = {}
        self.meta = self.file("meta.json")
        self.vocab = Vocabulary(self.meta["synonyms"])
        self.shards = set(self.meta["shards"].split())
        self.packs = read_packs(self.meta.get("packs", ""))

    def file(self, name: str) -> Any:
        """A file of the index, parsed; None when it does not exist."""
        if name not in self._cache:
            self._cache[name] = self._load(name)
        return self._cache[name]

    def _shard_file(self, name: str) -> dict:
        """A listed shard, from its pack or its own file."""
        stem_ = name.removesuffix(".json")
        pack = pack_of(stem_, self.packs)
        return (self.file(pack) or {}).get(stem_, {}) if pack else self.file(name)

    def _shard(self, kind: str, key: str) -> dict:
        name = shard_file(kind, key)
        return self._shard_file(name) if name.removesuffix(".json") in self.shards else {}

    def _term(self, term: str) -> dict[int, int]:
        """Topic → best weight for one query term (exact × EXACT, or as a prefix)."""
        shard = self._shard("t", term_key(term))
        exact, found = self.meta["exact"], {}
        for indexed, postings in shard.items():
            if indexed == term:
                factor = exact
            elif len(term) >= self.meta["prefix"] and indexed.startswith(term):
                factor = 1
            else:
                continue
            for doc, weight in _decode(postings).items():
                found[doc] = max(found.get(doc, 0), weight * factor)
        return found

    def _body(self, term: str) -> dict[int, int]:
        """Topic → weight for one query term among the topics' body terms (whole terms)."""
        name = body_shard(term, self.shards.__contains__, self.meta["body_prefix"])
        return _decode(self._shard_file(name).get(term, {})) if name else {}

    def _matches(self, term: str) -> dict[int, int]:
        """Topic → best weight for one query term, in any field or the body."""
        found = self._body(term)
        for doc, weight in self._term(term).items():
            found[doc] = max(found.get(doc, 0), weight)
        return found

    def _names(self, keys: set[str]) -> dict[int, int]:
        found: dict[int, int] = {}
        for key in sorted(keys):
            shard = self._shard("n", term_key(key))
            for doc, weight in _decode(shard.get(key, {})).items():
                found[doc] = max(found.get(doc, 0), weight)
        return found

    def corrections(self, term: str) -> list[str]:
        """Name words and stems at most one edit from ``term``, in order."""
        if len(term) < self.meta["fuzzy_min"]:
            return []
        found: set[str] = set()
        prefix = self.meta["fuzzy_prefix"]
        for variant in sorted({term} | deletions(term)):
            shard = self._shard("f", variant[:prefix])
            found.update(shard.get(variant, []))
        return sorted(s for s in found if s != term and osa_distance(term, s) <= 1)

    def _score(self, options: list[list[str]], query: str) -> list[tuple[int, int]]:
        """(score, topic) of the topics matching one of the spellings of every term."""
        per_term = []
        for spellings in options:
            best: dict[int, int] = {}
            for term in spellings:
                for doc, weight in self._matches(term).items():
                    best[doc] = max(best.get(doc, 0), weight)
            per_term.append(best)
        combos = itertools.islice(itertools.product(*options), MAX_COMBINATIONS)
        keys = self.vocab.name_keys(query) | {"".join(c) for c in combos}
        named = self._names(keys)
        docs = set.intersection(*(set(b) for b in per_term)) | set(named)
        total = {d: named.get(d, 0) + sum(b.get(d, 0) for b in per_term) for d in docs}
        return sorted(((s, d) for d, s in total.items()), key=lambda h: (-h[0], h[1]))

    def rank(self, text: str) -> list[tuple[int, int]]:
        """(score, topic number) of the topics matching ``text``, best first."""
        terms = list(dict.fromkeys(stem(w) for w in self.vocab.terms(text)))
        if not terms:
            return [] if text.strip() else [(0, i) for i in range(self.meta["count"])]
        hits = self._score([[t] for t in terms], text)
        if hits:
            return hits
        options, fixed_any = [], False
        for term in terms:
            fixed = [] if self._matches(term) else self.corrections(term)
            options.append(fixed or [term])
            fixed_any = fixed_any or bool(fixed)
        return self._score(options, text) if fixed_any else []

    def _bitmap(self, tag: str) -> bytes:
        """The bitmap of the topics carrying ``tag``, decoded once."""
        if tag not in self._bitmaps:
            encoded = (self.file(TAG_FILE) or {}).get(tag)
            self._bitmaps[tag] = search_tags.decode(encoded) if encoded else b""
        return self._bitmaps[tag]

    def has_tags(self, doc: int, tags: list[str] | tuple[str, ...]) -> bool:
        """Whether topic ``doc`` carries every tag of ``tags``."""
        for tag in tags:
            bits = self._bitmap(tag)
            if doc // 8 >= len(bits) or not bits[doc // 8] >> (doc % 8) & 1:
                return False
        return True

    def topic(self, doc: int) -> Topic:
        """Topic number ``doc``."""
        chunk = self.meta["chunk"]
        slug, title, summary, tags = self.file(f"d{doc // chunk}.json")[doc % chunk]
        kind = "topic" if doc < self.meta["count"] else "disambiguation"
        return Topic(doc, slug, title, summary, tags, kind)

    def search(self, text: str, tags: list[str] | tuple[str, ...] = ()) -> list[tuple[int, Topic]]:
        """(score, topic) of the topics matching ``text`` and carrying every tag, best first."""
        return [(s, self.topic(d)) for s, d in self.rank(text) if self.has_tags(d, tags)]


def memory_loader(files: dict[str, bytes]) -> Loader:
    """Read :func:`search_files` output held in memory."""
    return lambda name: json.loads(files[name]) if name in files else None


def directory_loader(folder: Path) -> Loader:
    """Read an index written to ``folder`` (a built site's ``assets/kbgen/search``)."""

    def load(name: str) -> Any:
        path = folder / name
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    return load


__all__ = ["Searcher", "Topic", "directory_loader", "memory_loader", "osa_distance", "search_files"]

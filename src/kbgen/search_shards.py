"""The search index's shard files, each made again only when what it holds changes.

Each topic (by its number) gives *entries*, ``(term, value)`` pairs, to the shards a key of
each term chooses; a shard's files are a function of the entries the topics give it, in
topic order. With a memo kept between builds (:mod:`kbgen.incremental`), :func:`shard_files`
keeps every shard and what each topic gave it, and makes again only the shards of the
topics whose entries changed: an edit of one topic makes again the few shards of its own
terms, and looks at every other topic's entries only to see they are the very same.
Without a memo, everything is made, with the same result.

A small knowledge base would still have thousands of tiny shards, each a file to write and
copy; :func:`packed` joins runs of them into *pack* files of at most :data:`PACK_BYTES`, so
that a search fetches at most that much for one small shard.
"""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from kbgen.incremental import Memo

Entries = tuple[tuple[str, object], ...]
"""A topic's ``(term, value)`` pairs for the shards."""
Given = list[tuple[int, Entries]]
"""What a shard holds: each topic's number and its entries for the shard."""


def _group(entries: Entries, key: Callable[[str], str]) -> tuple[tuple[str, Entries], ...]:
    groups: dict[str, list[tuple[str, object]]] = defaultdict(list)
    for entry in entries:
        groups[key(entry[0])].append(entry)
    return tuple((k, tuple(v)) for k, v in groups.items())


class _Shards:
    """One kind's shards as the last call left them."""

    def __init__(self) -> None:
        self.entries: dict[int, Entries] = {}
        self.groups: dict[int, tuple[tuple[str, Entries], ...]] = {}
        self.held: dict[str, dict[int, Entries]] = defaultdict(dict)
        self.names: dict[str, tuple[str, ...]] = {}
        self.files: dict[str, bytes] = {}

    def drop(self, doc: int, dirty: set[str]) -> None:
        for k, _ in self.groups.pop(doc, ()):
            self.held[k].pop(doc, None)
            dirty.add(k)
        self.entries.pop(doc, None)


def shard_files(
    kind: str,
    given: Iterable[tuple[int, Entries]],
    key: Callable[[str], str],
    make: Callable[[str, str, Given], dict[str, bytes]],
    memo: Memo | None = None,
) -> dict[str, bytes]:
    """The files of every shard of ``kind``: ``given`` holds each topic's number and
    entries, ``key`` gives a term's shard and ``make`` a shard's files (by name) from
    ``kind``, its key and what it holds; both are the same for every call with this
    ``kind``. With ``memo``, only the shards of the topics whose entries are not the same
    as in the last call are made again (the same object, or equal ones)."""
    shards = memo.get(f"{kind}-shards", "kept", _Shards) if memo else _Shards()
    dirty: set[str] = set()
    seen: set[int] = set()
    for doc, entries in given:
        seen.add(doc)
        old = shards.entries.get(doc)
        if old is entries or (old is not None and old == entries):
            shards.entries[doc] = entries
            continue
        groups = _group(entries, key)
        before = dict(shards.groups.get(doc, ()))
        for k, part in groups:
            if before.pop(k, None) != part:  # a shard this topic gives the same stays
                dirty.add(k)
            shards.held[k][doc] = part
        for k in before:
            del shards.held[k][doc]
            dirty.add(k)
        shards.entries[doc], shards.groups[doc] = entries, groups
    for doc in [d for d in shards.entries if d not in seen]:
        shards.drop(doc, dirty)
    for k in dirty:
        for name in shards.names.pop(k, ()):
            del shards.files[name]
        parts = shards.held.get(k)
        if not parts:
            shards.held.pop(k, None)
            continue
        made = make(kind, k, sorted(parts.items()))
        shards.names[k] = tuple(made)
        shards.files.update(made)
    return dict(shards.files)


def best_weights(parts: Given) -> dict[str, dict[int, int]]:
    """Term → topic number → the topic's heaviest weight for it, from a shard's entries."""
    postings: dict[str, dict[int, int]] = defaultdict(dict)
    for doc, entries in parts:
        for term, weight in entries:
            docs = postings[term]
            if docs.get(doc, 0) < weight:  # type: ignore[operator]
                docs[doc] = weight  # type: ignore[assignment]
    return postings


def dump_json(data: object) -> bytes:
    """Compact, deterministic JSON."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


PACK_BYTES = 8192
"""A pack holds shards of at most this many bytes in all."""

Packs = list[tuple[str, str]]
"""The packs, by the names of their first and last shards, in order."""


def packed(files: Mapping[str, bytes], limit: int = PACK_BYTES) -> dict[str, bytes]:
    """The index ``files`` with runs of small shards joined into packs.

    In the order of their names, shards are joined while they hold at most ``limit``
    bytes in all; a run of several is the pack ``p<first>.json``, an object of each shard's
    name (without ``.json``) and content; ``meta.json`` lists the runs as ``first:last``
    under ``packs``. A run never spans two kinds; it spans two first letters of a key
    only while the kind's shards hold at most ``limit`` in all (so an edit moves the ends
    of the runs of one letter, not of a whole kind).
    """
    meta = json.loads(files["meta.json"])
    listed = set(meta["shards"].split())
    shards = {n.removesuffix(".json"): d for n, d in files.items() if n[:-5] in listed}
    out = {n: d for n, d in files.items() if n[:-5] not in shards}
    groups: dict[str, list[str]] = defaultdict(list)
    for name in sorted(shards):
        groups[name[:1]].append(name)
    for kind in list(groups):
        if sum(len(shards[n]) for n in groups[kind]) > limit:
            for name in groups.pop(kind):
                groups[name[:2]].append(name)
    runs: Packs = []

    def close(run: list[str]) -> None:
        if len(run) == 1:
            out[f"{run[0]}.json"] = shards[run[0]]
        elif run:
            runs.append((run[0], run[-1]))
            joined = b",".join(b'"%s":%s' % (n.encode(), shards[n]) for n in run)
            out[f"p{run[0]}.json"] = b"{" + joined + b"}"

    for names in groups.values():
        run: list[str] = []
        size = 0
        for name in names:
            if size + len(shards[name]) > limit:
                close(run)
                run, size = [], 0
            run.append(name)
            size += len(shards[name])
        close(run)
    meta["packs"] = " ".join(f"{a}:{b}" for a, b in sorted(runs))
    out["meta.json"] = dump_json(meta)
    return out


def read_packs(listed: str) -> Packs:
    """The packs of ``meta.json``'s ``packs``."""
    return [(a, b) for a, _, b in (p.partition(":") for p in listed.split())]


def pack_of(name: str, packs: Packs) -> str | None:
    """The pack file holding the shard ``name`` (without ``.json``), or None when the
    shard is a file of its own."""
    i = bisect.bisect_right(packs, (name, "\uffff")) - 1
    return f"p{packs[i][0]}.json" if i >= 0 and packs[i][0] <= name <= packs[i][1] else None


__all__ = [
    "PACK_BYTES",
    "Entries",
    "Given",
    "Packs",
    "best_weights",
    "dump_json",
    "pack_of",
    "packed",
    "read_packs",
    "shard_files",
]

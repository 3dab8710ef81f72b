"""The search index's shards kept between builds equal shards made from scratch."""

from __future__ import annotations

import itertools
import json

import hypothesis
import hypothesis.strategies as st

from kbgen.incremental import Memo
from kbgen.search_shards import (
    PACK_BYTES,
    best_weights,
    pack_of,
    packed,
    read_packs,
    shard_files,
)


def _make(kind: str, key: str, parts) -> dict[str, bytes]:
    postings = best_weights(parts)
    return {f"{kind}{key}.json": json.dumps(postings, sort_keys=True).encode()}


def _key(term: str) -> str:
    return term[:1]


_ENTRIES = st.lists(st.tuples(st.sampled_from(["ab", "ac", "b", "bd", "c"]), st.integers(1, 9)))
_TOPICS = st.dictionaries(st.integers(0, 6), _ENTRIES.map(tuple), max_size=6)


@hypothesis.given(st.lists(_TOPICS, min_size=1, max_size=5))
def test_shards_kept_between_calls_equal_shards_made_afresh(rounds):
    memo = Memo()
    kept: dict[int, tuple] = {}
    for topics in rounds:
        # An unchanged topic gives the very same tuple again, as the memo's results do.
        given = {doc: kept.get(doc) if kept.get(doc) == e else e for doc, e in topics.items()}
        kept = given
        memo.start("scope")
        files = shard_files("t", sorted(given.items()), _key, _make, memo)
        memo.finish()
        assert files == shard_files("t", sorted(given.items()), _key, _make)


def test_an_edit_makes_again_only_the_shards_of_its_terms():
    made: list[str] = []

    def make(kind, key, parts):
        made.append(key)
        return _make(kind, key, parts)

    memo = Memo()
    topics = {0: (("ab", 1), ("b", 2)), 1: (("c", 3),), 2: (("bd", 1),)}
    for _ in range(2):
        memo.start("scope")
        shard_files("t", sorted(topics.items()), _key, make, memo)
        memo.finish()
    assert sorted(made) == ["a", "b", "c"]  # the second call made nothing
    topics[1] = (("c", 4),)
    memo.start("scope")
    shard_files("t", sorted(topics.items()), _key, make, memo)
    assert sorted(made) == ["a", "b", "c", "c"]


# --- packs ---------------------------------------------------------------------------------

_NAMES = st.from_regex(r"[tnfb](?:[a-c0-1]{1,4}|_[0-9a-f]{2,4})", fullmatch=True)


def _index(shards: dict[str, bytes]) -> dict[str, bytes]:
    meta = {"version": 4, "shards": " ".join(sorted(shards))}
    files = {f"{name}.json": data for name, data in shards.items()}
    return {**files, "meta.json": json.dumps(meta).encode(), "d0.json": b"[]"}


@hypothesis.given(
    st.dictionaries(_NAMES, st.integers(0, 3000), max_size=60), st.sampled_from([0, 500, 8192])
)
def test_every_shard_is_read_back_from_its_pack_or_its_own_file(sizes, limit):
    shards = {n: json.dumps({"x": "y" * s}).encode() for n, s in sizes.items()}
    files = packed(_index(shards), limit)
    meta = json.loads(files["meta.json"])
    packs = read_packs(meta["packs"])
    assert packs == sorted(packs) and all(a < b for a, b in packs)
    assert all(b1 < a2 for (_, b1), (a2, _) in itertools.pairwise(packs))  # runs apart
    for name, data in shards.items():
        pack = pack_of(name, packs)
        assert (pack is None) == (f"{name}.json" in files)
        held = json.loads(files[pack])[name] if pack else json.loads(files[f"{name}.json"])
        assert held == json.loads(data)
    joined = 0
    for first, last in packs:
        members = json.loads(files[f"p{first}.json"])
        assert len(members) > 1 and min(members) == first and max(members) == last
        assert len({m[0] for m in members}) == 1  # one kind
        assert sum(len(shards[m]) for m in members) <= limit
        joined += len(members)
    assert files["d0.json"] == b"[]" and meta["shards"] == " ".join(sorted(shards))
    assert len(files) == len(shards) - joined + len(packs) + 2


def test_a_small_index_is_a_few_packs_and_a_large_shard_keeps_its_file():
    shards = {f"t{a}{b}": b'{"a":1}' for a in "abc" for b in "xyz"}
    files = packed(_index(shards))
    assert json.loads(files["meta.json"])["packs"] == "tax:tcz"  # a kind in one pack
    shards["tbig"] = json.dumps({"x": "y" * PACK_BYTES}).encode()
    files = packed(_index(shards))
    # Too much for one pack: a pack per first letter, and the large shard its own file.
    assert json.loads(files["meta.json"])["packs"] == "tax:taz tbx:tbz tcx:tcz"
    assert "tbig.json" in files and "ptax.json" in files and len(files) == 4 + 2
    assert packed(_index(shards), 0) == {
        **_index(shards),
        "meta.json": files["meta.json"].replace(b"tax:taz tbx:tbz tcx:tcz", b""),
    }


def test_an_edit_moves_the_packs_of_one_first_letter_only():
    shards = {f"t{a}{b}": json.dumps({"x": "y" * 900}).encode() for a in "abc" for b in "uvwxyz"}
    before = packed(_index(shards))
    shards["tbw"] = json.dumps({"x": "y" * 3000}).encode()
    after = packed(_index(shards))
    changed = {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}
    assert changed and all(n.startswith("ptb") or n == "meta.json" for n in changed)

"""The search index's shards kept between builds equal shards made from scratch."""

from __future__ import annotations

import json

import hypothesis
import hypothesis.strategies as st

from kbgen.incremental import Memo
from kbgen.search_shards import best_weights, shard_files


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

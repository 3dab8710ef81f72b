"""The tags' topic sets of the search index: bitmaps or gaps, the same in both engines,
and a file that stays small when a knowledge base has many tags."""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kbgen
from kbgen.search_tags import decode, encode, tag_sets

ENGINE_JS = Path(kbgen.__file__).parent / "templates" / "search-query.js"


def members(bitmap: bytes) -> set[int]:
    return {i for i in range(len(bitmap) * 8) if bitmap[i // 8] >> (i % 8) & 1}


def bitmap_length(count: int) -> int:
    """Characters of the plain bitmap's base64 (the only encoding before the gaps)."""
    return len(base64.b64encode(bytes((count + 7) // 8)))


@st.composite
def sets(draw) -> tuple[set[int], int]:
    count = draw(st.integers(1, 100_000))
    docs = draw(st.sets(st.integers(0, count - 1), max_size=300))
    if draw(st.booleans()):  # a dense run as well: the bitmap is then the shorter
        start = draw(st.integers(0, count - 1))
        docs |= set(range(start, min(count, start + draw(st.integers(0, 2000)))))
    return docs, count


@settings(max_examples=300, deadline=None)
@given(sets())
def test_decoding_gives_back_exactly_the_topics_in_the_shorter_encoding(case) -> None:
    docs, count = case
    value = encode(docs, count)
    ((kind, text),) = value.items()
    assert members(decode(value)) == docs
    assert len(text) <= bitmap_length(count)
    if kind == "bits":
        assert len(decode(value)) == (count + 7) // 8


def test_few_topics_among_many_are_gaps_and_many_are_a_bitmap() -> None:
    assert list(encode([5, 130, 20_000, 2_000_000], 3_000_000)) == ["gaps"]
    assert members(decode(encode([5, 130, 20_000, 2_000_000], 3_000_000))) == {
        5, 130, 20_000, 2_000_000
    }  # fmt: skip
    assert list(encode(range(0, 1000, 2), 1000)) == ["bits"]
    assert encode([], 10) == {"gaps": ""} and decode(encode([], 10)) == b""
    with pytest.raises(ValueError, match=r"0\.\.9"):
        encode([10], 10)


def test_the_file_stays_small_with_many_tags() -> None:
    """200 tags over 10,000 topics, each topic with one to three: the bitmaps alone are
    330 KB, more than a whole search may fetch; the shorter encodings a tenth of that."""
    rng = random.Random(7)
    count, tags = 10_000, [f"tag-{i}" for i in range(200)]
    carrying: dict[str, list[int]] = {t: [] for t in tags}
    for doc in range(count):
        for tag in rng.sample(tags, rng.randint(1, 3)):
            carrying[tag].append(doc)
    size = len(json.dumps({t: encode(docs, count) for t, docs in carrying.items()}))
    assert len(tags) * bitmap_length(count) > 300_000
    assert size < 40_000, size


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_the_browser_decodes_every_set_as_python_does(tmp_path) -> None:
    rng = random.Random(11)
    cases = [([], 1), ([0], 1), ([0, 127, 128, 16_383, 16_384, 2_097_152], 3_000_000)]
    for _ in range(200):
        count = rng.choice([8, 100, 5_000, 300_000])
        docs = rng.sample(range(count), rng.randint(0, min(count, rng.choice([3, 50, 4_000]))))
        cases.append((docs, count))
    encoded = [encode(docs, count) for docs, count in cases]
    assert {k for value in encoded for k in value} == {"bits", "gaps"}
    (tmp_path / "sets.json").write_text(json.dumps(encoded), encoding="utf-8")
    script = Path(__file__).parent / "js" / "run_tag_sets.js"
    done = subprocess.run(
        ["node", str(script), str(ENGINE_JS), str(tmp_path / "sets.json")],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    in_node = [bytes(b) for b in json.loads(done.stdout)]
    assert in_node == [decode(value) for value in encoded]
    assert [members(b) for b in in_node] == [set(docs) for docs, _ in cases]


def test_tag_sets_hold_each_tags_topics_and_every_tag_asked_for() -> None:
    sets = tag_sets([["a"], ["a", "b"], [], ["b", "other"]], ["a", "b", "c"])
    assert {t: members(decode(v)) for t, v in sets.items()} == {
        "a": {0, 1},
        "b": {1, 3},
        "c": set(),
    }

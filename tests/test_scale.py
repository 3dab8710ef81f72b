"""The linear-time algorithms give the results of the quadratic ones they replaced."""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict

import pytest

import kbgen.neighbours as neighbours
import kbgen.similarity as similarity
from kbgen.config import load_config
from kbgen.merge import _Sets
from kbgen.related import MIN_RELATED, similar_topics
from kbgen.sources import read_sources
from kbgen.store import load_topics
from tests.helpers import ROOT

CONFIG = load_config(ROOT)


@pytest.fixture(scope="module")
def real_topics():
    loaded, _ = load_topics(CONFIG.topics_dir)
    return [t.topic for t in loaded]


@pytest.fixture(scope="module")
def real_groups():
    """The bundled sources' entries, each a topic of its own."""
    entries, _ = read_sources(CONFIG.sources_dir)
    return [[e] for e in entries if not e.advice]


def _every_other(self, words, own):
    """The quadratic candidates: every topic but ``own``."""
    return [t for t in range(self.size) if t != own]


def test_merge_candidates_from_word_pairs_give_the_pairs_of_all_pairs(real_groups, monkeypatch):
    fast = similarity.name_pairs(real_groups)
    assert any(p.verdict.same for p in fast) and any(not p.verdict.same for p in fast)
    real_init = similarity._Holding.__init__

    def init(self, names):
        real_init(self, names)
        self.size = len(names)

    monkeypatch.setattr(similarity._Holding, "__init__", init)
    monkeypatch.setattr(similarity._Holding, "candidates", _every_other)
    assert similarity.name_pairs(real_groups) == fast


def test_holding_finds_exactly_the_topics_with_a_name_holding_all_the_words(real_groups):
    acronyms, _ = similarity._acronyms([e for g in real_groups for e in g])
    names = [[n for e in g for n in similarity.entry_names(e, acronyms)] for g in real_groups]
    holding = similarity._Holding(names)
    checked = 0
    for t, own in enumerate(names[:150]):
        for name in own:
            words = set(name.words)
            expected = [
                o
                for o, theirs in enumerate(names)
                if o != t and any(words <= set(n.words) for n in theirs)
            ]
            found = holding.candidates(name.words, t)
            # A superset (a pair in one name, another pair in another) that holds them all.
            assert set(expected) <= set(found) and found == sorted(found)
            assert all(all(any(w in n.words for n in names[o]) for w in words) for o in found)
            checked += 1
    assert checked > 100


def test_owned_but_is_the_set_it_replaces(real_groups):
    acronyms, _ = similarity._acronyms([e for g in real_groups for e in g])
    owners: dict[frozenset[str], set[int]] = defaultdict(set)
    for t, entries in enumerate(real_groups):
        for e in entries:
            for n in similarity.entry_names(e, acronyms):
                if n.kind == "name":
                    owners[frozenset(n.words)].add(t)
    solo = next(t for ts in owners.values() if len(ts) == 1 for t in ts)
    for t, o in [(0, 1), (solo, 2), (3, solo), (solo, solo)]:
        old = {k for k, ts in owners.items() if ts - {t, o}}
        view = similarity._OwnedBut(owners, (t, o))
        assert set(view) == old
        assert all(k in view for k in owners if k in old)
        assert not any(k in view for k in owners if k not in old)
        assert frozenset({"no-such-word"}) not in view
    assert len(set(similarity._OwnedBut(owners, (solo,)))) == len(owners) - 1


def test_keep_apart_refuses_a_union_through_any_member():
    sets = _Sets(6, [{0, 5}])
    assert sets.union(0, 1) and sets.union(2, 5) and sets.union(3, 4)
    assert not sets.union(1, 2)  # 1's set holds 0, 2's holds 5
    assert sets.union(1, 3) and not sets.union(4, 5)
    assert sets.find(0) == sets.find(4) != sets.find(5)


def _exact_and_blocked(topics, k, unlike, monkeypatch, common=None):
    docs = [f"{t.title}\n{' '.join(t.aliases)}\n{t.body}" for t in topics]
    scores = neighbours.similarities(docs)
    every = list(range(len(topics)))
    exact = scores.nearest(every, every, k, unlike=unlike)
    if common is not None:
        monkeypatch.setattr(neighbours, "COMMON", common)
    blocked = scores.nearest(every, every, k, unlike=unlike, exact_pairs=0)
    return exact, blocked


@pytest.mark.parametrize("unlike", [True, False])
def test_blocked_nearest_is_exact_when_no_word_is_common(real_topics, unlike, monkeypatch):
    # No word is too common to propose: every text may use it.
    common = len(real_topics) + 1
    exact, blocked = _exact_and_blocked(real_topics, MIN_RELATED + 3, unlike, monkeypatch, common)
    assert [[j for j, _ in row] for row in blocked] == [[j for j, _ in row] for row in exact]
    for e, b in zip(exact, blocked, strict=True):
        assert [s for _, s in b] == pytest.approx([s for _, s in e])


def test_blocked_nearest_keeps_most_neighbours_when_common_words_propose_none(
    real_topics, monkeypatch
):
    k = MIN_RELATED + 3
    exact, blocked = _exact_and_blocked(real_topics, k, True, monkeypatch, common=25)
    assert all(len(row) == k for row in blocked)
    kept = sum(
        len({j for j, _ in e} & {j for j, _ in b}) for e, b in zip(exact, blocked, strict=True)
    )
    assert kept / (k * len(exact)) > 0.75
    # Each neighbour's score is its exact score, whichever words proposed it.
    docs = [f"{t.title}\n{' '.join(t.aliases)}\n{t.body}" for t in real_topics]
    scores = neighbours.similarities(docs)
    for i, row in enumerate(blocked[:50]):
        assert [s for _, s in row] == pytest.approx([scores[i, j] for j, _ in row])
        assert [s for _, s in row] == sorted((s for _, s in row), reverse=True)


def test_blocked_nearest_compares_rows_with_other_texts_and_skips_itself():
    docs = ["alpha beta", "beta gamma", "gamma delta", "alpha beta gamma", "zeta"]
    scores = neighbours.similarities(docs)
    exact = scores.nearest([0, 4], [0, 1, 3], 2)
    assert scores.nearest([0, 4], [0, 1, 3], 2, exact_pairs=0) == exact
    assert [j for j, _ in exact[0]] == [3, 1] and exact[1] == []
    padded = scores.nearest([4], [0, 1, 3, 4], 2, unlike=True, exact_pairs=0)
    assert [j for j, _ in padded[0]] == [0, 1]


def test_similar_topics_only_for_the_topics_asked(real_topics):
    every = similar_topics(real_topics, 4)
    some = {t.slug for t in real_topics[::7]}
    assert similar_topics(real_topics, 4, some) == {s: every[s] for s in some}
    assert similar_topics(real_topics, 4, set()) == {}


@pytest.mark.slow
def test_bench_scale_imports_and_builds_a_small_knowledge_base(tmp_path, capsys):
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_scale

    out = tmp_path / "scale.json"
    assert bench_scale.main(["--sizes", "200", "--json", str(out)]) == 0
    (row,) = json.loads(out.read_text())
    assert row["entries"] == 200 and 0 < row["topics"] <= 200
    assert row["import_"]["peak_mib"] > 0 and row["build"]["seconds"] > row["generate_s"] > 0
    assert row["search_shards"] > 0 and row["per_topic"]["site_kb"] > 0
    assert row["plain"]["peak_mib"] > 0 and row["plain_search_mb"] > 0
    wall = row["build"]["seconds"] / row["plain"]["seconds"]
    printed = capsys.readouterr().out
    assert "| 200 |" in printed and f"{wall:.2f}, " in printed
    assert re.search(r"^- kbgen build ≤ 1\.05 × plain MkDocs, wall time: (yes|NO) ", printed, re.M)


def test_synthetic_titles_reach_100000_entries():
    sys.path.insert(0, str(ROOT / "scripts"))
    import random

    import bench_import

    small = bench_import.synthetic_titles(500, random.Random(1))
    assert small == bench_import.synthetic_titles(500, random.Random(1))
    big = bench_import.synthetic_titles(90_000, random.Random(2))
    assert len(set(big)) == 90_000


def test_synthetic_titles_name_distinct_concepts():
    """No two titles have the same words in any order or form, nor does one hold another's:
    kbgen would merge them, and a generator of such titles measures catch-all topics."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import random
    from itertools import combinations

    import bench_import

    words = [
        frozenset(similarity._stems(t))
        for t in bench_import.synthetic_titles(20_000, random.Random(3))
    ]
    assert len(set(words)) == len(words)
    known = set(words)
    assert not [
        w
        for w in words
        for n in range(1, len(w))
        for sub in combinations(sorted(w), n)
        if frozenset(sub) in known
    ]


def _canonical_scanning(words, acronyms):
    """The definition :func:`kbgen.name_words._canonical` keeps: try every acronym at
    every word."""
    out, i = [], 0
    while i < len(words):
        for long, short in acronyms.items():
            if words[i : i + len(long)] == long:
                out.append(short)
                i += len(long)
                break
        else:
            out.append(words[i])
            i += 1
    return tuple(dict.fromkeys(out))


def test_acronyms_found_by_first_word_replace_as_trying_every_one():
    import random

    from kbgen.name_words import _canonical, acronym_index

    rng = random.Random(5)
    vocabulary = ["key", "valu", "cach", "low", "rank", "adapt", "mix", "expert", "rout"]
    for _ in range(300):
        acronyms = {
            tuple(rng.choices(vocabulary, k=rng.randint(2, 3))): rng.choice(["kv", "lora", "moe"])
            for _ in range(rng.randint(0, 6))
        }
        words = tuple(rng.choices(vocabulary, k=rng.randint(0, 7)))
        expected = _canonical_scanning(words, acronyms)
        assert _canonical(words, acronym_index(acronyms)) == expected


def test_names_of_titles_do_not_walk_every_acronym(real_groups):
    """With 20,000 acronyms, the names of each title cost the same as with none: the
    acronyms are indexed once, not hashed, copied or tried for each title."""
    from kbgen.name_words import acronym_index

    class Counted(dict):
        walks = 0

        def items(self):
            Counted.walks += 1
            return super().items()

        def __iter__(self):
            Counted.walks += 1
            return super().__iter__()

    acronyms, _ = similarity._acronyms([e for g in real_groups for e in g])
    many = Counted(acronyms.mapping)
    many.update({(f"w{i}", f"v{i}"): f"wv{i}" for i in range(20_000)})
    index = acronym_index(many)
    walks = Counted.walks
    names = [[n for e in g for n in similarity.entry_names(e, index)] for g in real_groups]
    assert Counted.walks == walks and len(names) == len(real_groups)
    plain = [[n for e in g for n in similarity.entry_names(e, acronyms)] for g in real_groups]
    assert names == plain  # the made-up acronyms spell out no word of the titles

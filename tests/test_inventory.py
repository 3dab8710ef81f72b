"""objects.inv and the names in it: derived spellings, shared names, labels, no junk."""

from __future__ import annotations

import copy
import random
import re
from dataclasses import asdict
from pathlib import Path

import pytest
import sphobjinv as soi
from hypothesis import given
from hypothesis import strategies as st

from kbgen.disambiguation import shared_names
from kbgen.exports import topic_records
from kbgen.importer import run_import
from kbgen.inventory import inventory
from kbgen.names import parse_names
from kbgen.records import Topic
from kbgen.resolve import fold
from kbgen.store import load_topics
from kbgen.terms import Term, is_term_name, name_variants, term_table
from tests.helpers import make_project

FIXTURES = Path(__file__).parent / "fixtures" / "exports" / "topics"


def fixture_topics() -> list[Topic]:
    loaded, problems = load_topics(FIXTURES)
    assert problems == []
    return [t.topic for t in loaded]


@pytest.fixture(scope="module")
def real_topics(tmp_path_factory: pytest.TempPathFactory) -> list[Topic]:
    config = make_project(tmp_path_factory.mktemp("real"))
    run_import(config)
    loaded, _ = load_topics(config.topics_dir)
    return [t.topic for t in loaded]


def read(data: bytes) -> dict[tuple[str, str], soi.DataObjStr]:
    inv = soi.Inventory(soi.decompress(data))
    assert {(o.domain, o.priority) for o in inv.objects} == {("std", "-1")}
    return {(o.name, o.role): o for o in inv.objects}


def terms(data: bytes) -> dict[str, str]:
    return {name: o.uri for (name, role), o in read(data).items() if role == "term"}


# --- name variants --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected", "absent"),
    [
        ("Mixture of Experts (MoE)", ["Mixture of Experts", "MoE"], []),
        ("Large Language Models (LLMs)", ["LLMs", "LLM", "Large Language Model"], []),
        ("LoRA (Low-Rank Adaptation)", ["LoRA", "Low-Rank Adaptation", "Low Rank Adaptation"], []),
        ("SGD (Stochastic Gradient Descent)", ["SGD", "Stochastic Gradient Descent"], []),
        ("k-NN (k-Nearest Neighbors)", ["k-NN", "k-Nearest Neighbors"], ["k NN"]),
        ("CLIP (Contrastive Language-Image Pre-training)", ["CLIP"], []),
        ("Key-Value (KV) Caching", ["KV Caching", "Key-Value Caching"], ["KV"]),
        ("Chain-of-Thought (CoT) Prompting", ["CoT Prompting", "Chain of Thought Prompting"], []),
        ("KV-Cache", ["KV Cache"], []),
        ("RLVR: RL from Verifiable Rewards", ["RLVR"], []),
        # A qualifier in parentheses is no name of the topic.
        ("Load Balancing (MoE)", [], ["MoE", "Load Balancing"]),
        ("Auxiliary Load-Balancing Loss (MoE)", [], ["MoE"]),
        ("Mamba (State Space Models)", [], ["Mamba", "State Space Models"]),
        ("LLM Watermarking (Kirchenbauer et al.)", [], ["Kirchenbauer et al."]),
    ],
)
def test_name_variants(name: str, expected: list[str], absent: list[str]) -> None:
    variants = name_variants(name)
    assert [v for v in expected if v not in variants] == []
    assert [v for v in absent if v in variants] == []
    assert name not in variants and len(variants) == len(set(variants))


@pytest.mark.parametrize(
    "name",
    [
        "H2O, SnapKV",
        "Kirchenbauer et al.",
        "Add adversarial/data quality checks; track contamination; deduplicate.",
        "What is a jailbreak in the context of LLMs?",
        "one two three four five six seven eight nine ten eleven twelve thirteen",
        " ",
    ],
)
def test_what_is_not_a_name_is_no_term(name: str) -> None:
    assert not is_term_name(name)
    assert term_table([("t", [name])], {"t": "topics/t/"}) == []


def test_a_tail_acronym_names_the_topic_bearing_its_expansion() -> None:
    topics = [
        ("mixture-of-experts", ["Mixture of Experts"]),
        ("sparse-moe", ["Sparsely-Gated Mixture of Experts (MoE)"]),
        ("load-balancing", ["Load Balancing (MoE)"]),
    ]
    table = term_table(topics, {slug: f"topics/{slug}/" for slug, _ in topics})
    assert Term("MoE", "mixture-of-experts", "topics/mixture-of-experts/") in table
    # Without a topic bearing the expansion, the acronym names nothing.
    table = term_table(topics[1:], {slug: f"topics/{slug}/" for slug, _ in topics})
    assert [t for t in table if t.name == "MoE"] == []


def test_a_shared_name_leads_to_its_disambiguation_page_or_nowhere() -> None:
    topics = [
        ("sam", ["SAM (Segment Anything Model)"]),
        ("sharpness-aware-minimization", ["Sharpness-Aware Minimization (SAM)"]),
    ]
    urls = {slug: f"topics/{slug}/" for slug, _ in topics}
    assert [t for t in term_table(topics, urls) if fold(t.name) == "sam"] == []
    table = term_table(topics, urls, {"sam": "topics/sam-disambiguation/"})
    assert [t for t in table if fold(t.name) == "sam"] == [
        Term("SAM", "", "topics/sam-disambiguation/")
    ]
    # Each topic keeps its unshared names.
    assert Term("Segment Anything Model", "sam", "topics/sam/") in table


def test_a_title_outranks_an_alias_and_an_alias_a_derived_spelling() -> None:
    topics = [
        ("kv-cache", ["KV Cache"]),
        ("paged", ["PagedAttention", "KV-Cache"]),
        ("key-value-caching", ["Key-Value (KV) Caching", "KV Cache Reuse"]),
    ]
    table = term_table(topics, {slug: slug for slug, _ in topics})
    owners = {t.name: t.slug for t in table}
    assert owners["KV Cache"] == "kv-cache"  # title; the alias's spaced spelling loses
    assert owners["KV-Cache"] == "paged"
    assert owners["KV Caching"] == "key-value-caching"


# --- objects.inv ------------------------------------------------------------------------------


def test_inventory_spells_each_name_as_written_and_in_lower_case() -> None:
    objects = read(inventory(fixture_topics(), "ML KB"))
    lora = objects[("LoRA", "term")]
    assert (lora.uri, lora.dispname) == ("topics/low-rank-adaptation/", "-")
    assert objects[("lora", "term")].uri == "topics/low-rank-adaptation/"
    assert objects[("Nucleus Sampling", "term")].uri == "topics/top-p-sampling/"
    assert objects[("nucleus sampling", "term")].dispname == "-"
    # `Adapters` is an alias of two topics: it leads to the page that lists both.
    assert {o.uri for (n, _), o in objects.items() if fold(n) == "adapters"} == {"topics/adapters/"}
    assert not read(inventory(fixture_topics(), "ML KB", disambiguation={})).keys() & {
        ("Adapters", "term"),
        ("adapters", "term"),
    }  # without a page, left out rather than pointing at either
    names = {fold(n) for t in fixture_topics() for n in t.names} - {"adapters"}
    assert names <= {fold(n) for n, role in objects if role == "term"}


def test_inventory_labels_every_section_under_every_name() -> None:
    objects = read(inventory(fixture_topics(), "ML KB"))
    pitfalls = objects[("lora-pitfalls", "label")]
    assert (pitfalls.uri, pitfalls.dispname) == (
        "topics/low-rank-adaptation/#pitfalls",
        "Low-Rank Adaptation (LoRA): Pitfalls",
    )
    for key in ("low-rank-adaptation", "low-rank-adaptation-lora", "lora"):
        assert objects[(f"{key}-use-when", "label")].uri == "topics/low-rank-adaptation/#use-when"
        assert objects[(key, "label")].uri == "topics/low-rank-adaptation/"
    assert objects[("adapter-layers-notes_1", "label")].uri == "topics/adapter-layers/#notes_1"
    assert "adapters" not in {n for n, role in objects if role == "label"}
    assert objects[("topics/qlora", "doc")].dispname == "QLoRA (Quantized LoRA)"


def test_inventory_is_sorted_and_deterministic() -> None:
    topics = fixture_topics()
    shuffled = copy.deepcopy(topics)
    random.Random(4).shuffle(shuffled)
    data = inventory(topics, "KB")
    assert data == inventory(shuffled, "KB")
    names = [(o.name, o.role) for o in soi.Inventory(soi.decompress(data)).objects]
    assert names == sorted(names)


# --- the real topics ----------------------------------------------------------------------------


def test_real_inventory_resolves_the_names_people_type(real_topics: list[Topic]) -> None:
    found = terms(inventory(real_topics, "KB"))
    by_name = {fold(n): t.slug for t in real_topics for n in t.names}
    for name, bearer in [
        ("MoE", "mixture of experts"),
        ("LLM", "large language models"),
        ("Mixture of Experts", "mixture of experts"),
        ("Low-Rank Adaptation", "low-rank adaptation"),
        ("LoRA", "lora"),
        ("kv cache", "kv-cache"),
        ("KV Cache", "kv-cache"),
    ]:
        assert found[name] == f"topics/{by_name[bearer]}/", name


def test_real_inventory_has_no_junk_names(real_topics: list[Topic]) -> None:
    found = terms(inventory(real_topics, "KB"))
    junk = [
        n
        for n in found
        if "," in n or ";" in n or re.search(r"[.?!:]$", n) or " et al" in n or len(n.split()) > 12
    ]
    assert junk == []
    # The sources do give such names; they are what the filter leaves out.
    raw = {n for t in real_topics for n in t.names}
    assert any("," in n for n in raw)
    made_up = Topic("x", "Real Name", aliases=["A sentence that ends.", "Smith et al"])
    assert set(terms(inventory([made_up], "KB"))) <= {"Real Name", "real name"}


def test_real_inventory_points_each_name_at_a_topic_bearing_it(real_topics: list[Topic]) -> None:
    found = terms(inventory(real_topics, "KB"))
    spellings = {
        f"topics/{t.slug}/": {fold(v) for n in t.names for v in [n, *name_variants(n)]}
        for t in real_topics
    }
    records = [asdict(r) for r in topic_records(real_topics)]
    for d in shared_names(records):  # a shared name leads to its disambiguation page
        spellings[d.url] = {fold(v) for v in [d.name, *name_variants(d.name)]}
    acronym_targets = 0
    for name, uri in found.items():
        if fold(name) not in spellings[uri]:
            acronym_targets += 1  # an acronym of another topic's name, spelled by this one
            assert re.fullmatch(r"\S+", name), name
    assert acronym_targets < 20
    names = {n for t in real_topics for n in t.names if is_term_name(n)}
    assert len({fold(n) for n in names} & {fold(n) for n in found}) >= 0.95 * len(
        {fold(n) for n in names}
    )


def test_no_two_spellings_of_a_name_lead_to_different_pages(real_topics: list[Topic]) -> None:
    """What Sphinx's case-insensitive lookup needs to find one target, never several."""
    urls: dict[str, set[str]] = {}
    for name, uri in terms(inventory(real_topics, "KB")).items():
        urls.setdefault(name.lower(), set()).add(uri)
    assert {name: u for name, u in urls.items() if len(u) > 1} == {}


def test_every_parenthesised_acronym_is_a_term_unless_shared(real_topics: list[Topic]) -> None:
    found = terms(inventory(real_topics, "KB"))
    bearers: dict[str, set[str]] = {}
    for topic in real_topics:
        for name in topic.names:
            # An acronym the import takes for a name of the concept, not a qualifier
            # (``Load Balancing (MoE)``, ``Radix Attention (SGLang)``).
            named = parse_names(name).expansions
            m = re.fullmatch(r"(.+?) \(([A-Za-z][a-z]*[A-Z][\w-]*)\)", name)
            if m and m[2] in named:
                bearers.setdefault(m[2], set()).add(topic.slug)
            m = re.fullmatch(r"([A-Za-z][a-z]*[A-Z][\w-]*) \((.+)\)", name)
            if m and m[1] in named:
                bearers.setdefault(m[1], set()).add(topic.slug)
    assert len(bearers) > 50
    shared = {a for a, slugs in bearers.items() if len(slugs) > 1}
    missing = sorted(a for a in bearers if a not in found and a not in shared)
    assert missing == []


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d"]),
            st.lists(
                st.text(alphabet="AbCk -()MoEx,.", min_size=1, max_size=30), min_size=1, max_size=3
            ),
        ),
        max_size=6,
    )
)
def test_term_table_gives_each_name_one_target(topics) -> None:
    urls = {slug: f"topics/{slug}/" for slug, _ in topics}
    targets: dict[str, set[str]] = {}
    for term in term_table(topics, urls):
        assert is_term_name(term.name) and term.url == urls[term.slug]
        targets.setdefault(fold(term.name), set()).add(term.url)
    assert all(len(u) == 1 for u in targets.values())


def test_a_line_break_in_a_name_cannot_add_an_entry() -> None:
    topic = Topic("x", "Two\nwords", aliases=["A B std:term -1 evil/ -"], body="## What\n\nX.\n")
    objects = read(inventory([topic], "KB\n# Version: 9"))
    assert {o.uri for o in objects.values()} <= {"topics/x/", "topics/x/#what"}
    assert ("Two words", "term") in objects
    data = inventory([topic], "KB\n# Version: 9")
    assert data.split(b"\n")[1:3] == [b"# Project: KB # Version: 9", b"# Version: "]

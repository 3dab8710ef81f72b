from pathlib import Path

import pytest

from kbgen.config import Config
from kbgen.merge import group_entries, is_acronym, name_key, parse_names
from kbgen.records import Entry, Section, SourceRef

CONFIG = Config(Path("."), Path("s"), Path("t"), Path("d"), Path("site"))


def entry(title: str, file: str = "a.txt", line: int = 1, text: str = "", **kw) -> Entry:
    # Each entry's own words: texts that repeat the titles would all look alike.
    text = text or (
        title if kw.get("advice") else f"Notes{line}x{len(title)} {file.replace('.', '')}."
    )
    return Entry(title, SourceRef(file, line), (Section("What", text),), **kw)


def grouped(titles: list[str], config: Config = CONFIG) -> list[set[str]]:
    entries = [entry(t, f"f{i}.md", i + 1) for i, t in enumerate(titles)]
    groups, _ = group_entries(entries, config)
    return sorted(({e.title for e in g.entries} for g in groups), key=sorted)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Tree of Thought", "Tree-of-Thoughts"),
        ("Retrieval‑Augmented Generation", "Retrieval-Augmented Generation"),
        ("Mixed Precision Training", "mixed-precision training"),
    ],
)
def test_name_key_ignores_case_hyphens_and_plurals(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("RAG", True),
        ("LoRA", True),
        ("vLLM", True),
        ("DINOv2", True),
        ("IA³", True),
        ("Dropout", False),
        ("Structured/Unstructured", False),
        ("low rank", False),
        ("1-3", False),
    ],
)
def test_is_acronym(name: str, expected: bool) -> None:
    assert is_acronym(name) is expected


def test_parse_names_reads_acronym_on_either_side() -> None:
    a = parse_names("Low-Rank Adaptation (LoRA)")
    b = parse_names("LoRA (Low-Rank Adaptation)")
    assert a.longs & b.longs and a.acronyms == b.acronyms == {"LoRA"}


@pytest.mark.parametrize(
    "titles",
    [
        ["Low-Rank Adaptation (LoRA)", "LoRA (Low-Rank Adaptation)"],
        ["Retrieval‑Augmented Generation (RAG)", "Retrieval-Augmented Generation (RAG)", "RAG"],
        ["DP‑SGD / Differential Privacy", "Differential Privacy & DP-SGD"],
        ["Tree of Thought", "Tree-of-Thoughts (ToT)", "Tree-of-Thought (ToT)"],
        ["Direct Preference Optimization (DPO)", "DPO (Direct Preference Optimization)", "DPO"],
    ],
)
def test_one_topic_per_concept(titles: list[str]) -> None:
    assert grouped(titles) == [set(titles)]


@pytest.mark.parametrize(
    "titles",
    [
        ["SAM (Segment Anything Model)", "Sharpness-Aware Minimization (SAM)"],
        ["Identity Preference Optimization (IPO)", "IPO (Iterative Preference Optimization)"],
        ["Adam", "AdamW"],
        ["Direct Preference Optimization (DPO)", "Iterative DPO"],
        ["Pruning", "Structured Pruning"],
        ["Chain-of-Thought (CoT)", "Chain-of-Thought Monitorability"],
        ["Vision Transformer (ViT)", "Vision Transformer (ViT) Variants"],
    ],
)
def test_look_alikes_stay_apart(titles: list[str]) -> None:
    assert len(grouped(titles)) == len(titles)


def test_bare_ambiguous_acronym_is_left_apart_and_reported() -> None:
    titles = ["SAM (Segment Anything Model)", "Sharpness-Aware Minimization (SAM)", "SAM"]
    entries = [entry(t, "f.md", i + 1) for i, t in enumerate(titles)]
    groups, decisions = group_entries(entries, CONFIG)
    assert len(groups) == 3
    assert any(d.kind == "ambiguous" and "SAM" in d.reason for d in decisions)


def test_near_duplicates_are_reported() -> None:
    _, decisions = group_entries([entry("Adam", line=1), entry("AdamW", line=2)], CONFIG)
    assert [d.titles for d in decisions if d.kind == "near duplicate"] == [("Adam", "AdamW")]


def test_config_forces_and_forbids_merges() -> None:
    forced = Config(**{**CONFIG.__dict__, "merge": (("Chain-of-Thought (CoT)", "CoT Prompting"),)})
    assert len(grouped(["Chain-of-Thought (CoT)", "CoT Prompting"], forced)) == 1
    apart = Config(**{**CONFIG.__dict__, "keep_apart": (("Tree of Thought", "Tree-of-Thoughts"),)})
    entries = [entry("Tree of Thought", line=1), entry("Tree-of-Thoughts", line=2)]
    groups, decisions = group_entries(entries, apart)
    assert len(groups) == 2
    assert any(d.kind == "kept apart" for d in decisions)


def test_combined_entry_is_related_to_each_named_topic() -> None:
    entries = [
        entry("LoRA / DoRA", "n.md", 1, names=("LoRA", "DoRA")),
        entry("Low-Rank Adaptation (LoRA)", "g.txt", 2),
    ]
    groups, _ = group_entries(entries, CONFIG)
    combined = next(g for g in groups if g.entries[0].title == "LoRA / DoRA")
    lora = next(g for g in groups if g.entries[0].title.startswith("Low-Rank"))
    assert groups.index(lora) in combined.related
    assert groups.index(combined) in lora.related
    assert combined.part_names == ["DoRA"]


def test_advice_is_attached_to_exactly_one_named_topic() -> None:
    entries = [
        entry("Retrieval-Augmented Generation (RAG)", "g.txt", 1),
        entry("Fine-tuning", "g.txt", 2),
        entry("Use RAG before heavy finetuning.", "n.md", 9, advice=True),
        entry("Sleep well.", "n.md", 10, advice=True),
    ]
    groups, _ = group_entries(entries, CONFIG)
    holders = [g for g in groups if any(n.ref.line == 9 for n in g.notes)]
    assert len(holders) == 1 and holders[0].entries[0].title.startswith("Retrieval")
    # Advice that names no topic is not lost, nor a topic: it goes to the most similar text.
    assert not any(g.entries[0].title == "Sleep well." for g in groups)
    assert sum(any(n.ref.line == 10 for n in g.notes) for g in groups) == 1


def test_advice_naming_no_topic_goes_to_the_topic_its_words_are_about() -> None:
    entries = [
        entry("Deduplication", "g.txt", 1, text="Remove near-duplicate documents by MinHash."),
        entry("Dropout", "g.txt", 2, text="Randomly zero activations while training."),
        entry("Hash the corpus and drop duplicate documents.", "n.md", 9, advice=True),
    ]
    groups, decisions = group_entries(entries, CONFIG)
    [holder] = [g for g in groups if g.notes]
    assert holder.entries[0].title == "Deduplication" and len(groups) == 2
    assert any("most similar" in d.reason for d in decisions if d.kind == "note")


def test_name_keys_keep_the_symbols_that_make_a_name() -> None:
    assert len({name_key(n) for n in ["C", "C++", "C#"]}) == 3
    assert name_key("Constitutional Classifiers++") != name_key("Constitutional Classifiers")


@pytest.mark.parametrize(
    "titles",
    [
        ["Vision Transformer (ViT)", "Original ViT (Vision Transformer)"],
        ["Mamba (State Space Models)", "State-Space Models (Mamba/RWKV)"],
        ["FlashAttention", "Flash Attention"],
        ["Adam Optimizer", "Adam (Adaptive Moment Estimation)", "Adam"],
        ["AdamW Optimizer", "AdamW (Adam Weight Decay)"],
    ],
)
def test_spellings_of_one_name_merge(titles: list[str]) -> None:
    assert grouped(titles) == [set(titles)]


@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        # A parenthetical after a name of several words qualifies it.
        (["Distributed Computing (ML Training)", "Memory Optimization (ML Training)"], 2),
        (["Mechanistic Interpretability", "Sparse Autoencoder (Mechanistic Interpretability)"], 2),
        # A generic head word is ignored only for a name spelled out somewhere.
        (
            [
                "Adam Optimizer",
                "Adam (Adaptive Moment Estimation)",
                "AdamW Optimizer",
                "AdamW (Adam Weight Decay)",
            ],
            2,
        ),
        (["Alpha Method", "Alpha"], 2),
        (
            [
                "IPO (Identity Preference Optimization)",
                "IPO (Iterative Preference Optimization)",
                "IPO Method",
            ],
            3,
        ),
    ],
)
def test_qualifiers_and_head_words_do_not_merge_different_concepts(
    titles: list[str], expected: int
) -> None:
    assert len(grouped(titles)) == expected


def test_only_acronyms_made_of_words_are_long_names() -> None:
    assert parse_names("FlashAttention").longs == {"flashattention"}
    assert parse_names("DeepSpeed").longs == {"deepspeed"}
    for short in ("SAM", "IPO", "LoRA", "DoRA", "vLLM", "DINOv2"):
        assert parse_names(short).longs == set(), short


def test_a_qualifier_is_no_name_of_the_topic() -> None:
    names = parse_names("Distributed Computing (ML Training)")
    assert names.longs == {"distributedcomputing"}
    assert names.expansions == ("Distributed Computing",)


@pytest.mark.parametrize(
    ("title", "names"),
    [
        ("Mixture of Experts (MoE)", ["Mixture of Experts", "MoE"]),
        ("Large Language Models (LLMs)", ["Large Language Models", "LLMs", "LLM"]),
        ("Chain-of-Thought (CoT)", ["Chain-of-Thought", "CoT"]),
        ("Original ViT (Vision Transformer)", ["Original ViT"]),
        ("Vision Transformer (ViT)", ["Vision Transformer", "ViT"]),
        ("k-Nearest Neighbors (k-NN)", ["k-Nearest Neighbors", "k-NN"]),
        (
            "AWQ (Activation-aware Weight Quantization)",
            ["AWQ", "Activation-aware Weight Quantization"],
        ),
        (
            "Graph Neural Networks (GNNs) for Learning",
            ["Graph Neural Networks for Learning", "GNNs", "GNN"],
        ),
        ("Top-p Sampling (Nucleus Sampling)", ["Top-p Sampling", "Nucleus Sampling"]),
        ("Key-Value Caching (KV Cache)", ["Key-Value Caching", "KV Cache"]),
        (
            "Belief Propagation (Sum-Product Algorithm)",
            ["Belief Propagation", "Sum-Product Algorithm"],
        ),
        # Descriptions, contexts, lists, authors and qualifiers are not names.
        ("Superposition (Neural Networks)", []),  # a word, narrowed to one sense
        ("Sampling (in Language Models)", []),
        ("Supervised Learning (Labeled Data)", ["Supervised Learning"]),
        ("Fine-Tuning (Unfreeze Top Layers)", []),
        ("Feature Extraction (Frozen Weights)", ["Feature Extraction"]),
        ("LLM Watermarking (Kirchenbauer et al.)", ["LLM Watermarking"]),
        ("Adversarial Robustness (Modern Attacks)", ["Adversarial Robustness"]),
        ("Load Balancing (MoE)", ["Load Balancing"]),
        ("Role-Playing (LLMs)", ["Role-Playing"]),
        ("Chain-of-Thought (CoT) Distillation", ["Chain-of-Thought Distillation"]),
        ("Agent Benchmarks (SWE-bench, GAIA, WebArena)", ["Agent Benchmarks"]),
        ("GPT-5 (Rumored)", ["GPT-5"]),
        ("Codex (OpenAI)", ["Codex"]),
        ("Key-Value (KV) Caching", ["Key-Value Caching"]),
    ],
)
def test_a_parenthesis_is_a_name_only_when_it_abbreviates_or_spells_out(
    title: str, names: list[str]
) -> None:
    assert list(parse_names(title).expansions) == names


def test_a_name_extending_several_names_merges_with_none_so_merges_cannot_chain() -> None:
    # Each longer name adds words after a shorter one's, and the texts are alike: merged
    # pairwise, the four would chain into one topic though the first two are two concepts.
    text = "Experts route tokens: a router sends each token to the experts of the mixture."
    titles = [
        "Mixture of Experts",
        "Mixture Routing",
        "Mixture of Experts Routing",
        "Mixture Experts Routing Cache",
    ]
    entries = [entry(t, f"f{i}.md", i + 1, text) for i, t in enumerate(titles)]
    groups, decisions = group_entries(entries, CONFIG)
    assert sorted(sorted(e.title for e in g.entries) for g in groups) == [
        ["Mixture Experts Routing Cache", "Mixture of Experts Routing"],
        ["Mixture Routing"],
        ["Mixture of Experts"],
    ]
    near = {d.titles for d in decisions if d.kind == "near duplicate"}
    assert ("Mixture of Experts", "Mixture of Experts Routing") in near
    assert ("Mixture Routing", "Mixture of Experts Routing") in near


def test_longer_names_of_one_name_all_merge_with_it() -> None:
    text = "Experts route tokens: a router sends each token to the experts of the mixture."
    titles = ["Mixture of Experts", "Mixture of Experts Layers", "Mixture of Experts Modules"]
    entries = [entry(t, f"f{i}.md", i + 1, text) for i, t in enumerate(titles)]
    groups, _ = group_entries(entries, CONFIG)
    assert [sorted(e.title for e in g.entries) for g in groups] == [sorted(titles)]

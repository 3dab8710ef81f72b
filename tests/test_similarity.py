"""One topic per concept: word forms, acronyms, names inside names, similar texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbgen.config import load_config
from kbgen.merge import group_entries
from kbgen.records import Entry, Section, SourceRef
from kbgen.similarity import entry_names, name_pairs, stem
from kbgen.sources import read_sources

ROOT = Path(__file__).parent.parent


def entry(title: str, text: str, line: int = 1) -> Entry:
    return Entry(title, SourceRef(f"f{line}.md", line), (Section("What", text),))


@pytest.mark.parametrize(
    ("a", "b"), [("tuning", "tune"), ("voting", "voter"), ("caching", "cache"), ("models", "model")]
)
def test_word_forms_share_a_stem(a: str, b: str) -> None:
    assert stem(a) == stem(b)


def test_names_of_a_title() -> None:
    acronyms = {("key", "valu"): "kv"}
    words = [n.words for n in entry_names(entry("Key-Value (KV) Caching", ""), acronyms)]
    assert words == [("kv", "cach")]
    # A one-word lower-case qualifier is part of the name.
    assert [n.words for n in entry_names(entry("Fine-tuning (full)", ""), {})] == [
        ("full", "fin", "tun")
    ]
    # Two spellings of one name; a part inside another; a library name kept whole.
    assert [n.kind for n in entry_names(entry("RetNet / Retention Networks", ""), {})] == ["name"]
    assert [n.kind for n in entry_names(entry("Replay / Experience Replay", ""), {})] == ["name"]
    assert entry_names(entry("DeepSpeed ZeRO-Infinity", ""), {})[0].words == (
        "deepspe",
        "zero-infinity",
    )


SHARED = "Shard optimizer states gradients parameters across data parallel ranks memory."
OTHER = "Unrelated words about images pixels convolution kernels."
DRAFT = "A small model drafts tokens; the large model checks and verify them in one pass."


@pytest.mark.parametrize(
    ("short", "long", "texts", "same"),
    [
        ("Full Fine-Tuning", "Full Fine-Tune", (SHARED, OTHER), True),
        ("ZeRO", "DeepSpeed ZeRO", (SHARED, SHARED), True),
        ("Quantization", "Model Quantization", (SHARED, SHARED), True),
        ("Quantization", "Model Quantization", (SHARED, OTHER), False),  # generic, unlike texts
        ("Pruning", "Structured Pruning", (SHARED, SHARED), False),  # a kind of it
        ("Transformer", "Decision Transformer", (SHARED, SHARED), False),
        ("DPO", "Iterative DPO", (SHARED, SHARED), False),
        ("FlashAttention", "FlashAttention-2", (SHARED, SHARED), False),  # a version
        ("Learning Rate", "Learning Rate Schedule", (SHARED, OTHER), False),
        # The other part of a combined title must be said in the text: a draft that is verified.
        ("Speculative Decoding", "Speculative Decoding / Draft-and-Verify", (DRAFT, DRAFT), False),
        (
            "Speculative Decoding",
            "Speculative Decoding / Draft-and-Verify",
            (SHARED, SHARED),
            False,
        ),
        ("LoRA", "LoRA / DoRA", (SHARED, OTHER), False),  # a combined entry
    ],
)
def test_pairs(short: str, long: str, texts: tuple[str, str], same: bool) -> None:
    pairs = name_pairs([[entry(short, texts[0], 1)], [entry(long, texts[1], 2)]])
    assert any(p.verdict.same for p in pairs) is same
    if same:  # the report says why
        assert "score" in pairs[0].verdict.reason


def test_a_word_that_is_a_topic_is_a_kind_not_a_library() -> None:
    topics = [
        [entry("Adapters", SHARED, 1)],
        [entry("LoRA Adapter", SHARED, 2)],
        [entry("LoRA", OTHER, 3)],
    ]
    assert [p.verdict.same for p in name_pairs(topics) if (p.a, p.b) == (0, 1)] == [False]


@pytest.fixture(scope="module")
def real_groups() -> list[set[str]]:
    config = load_config(ROOT)
    entries, _ = read_sources(config.sources_dir)
    groups, _ = group_entries(entries, config)
    return [{e.title.replace("\u2011", "-") for e in g.entries} for g in groups]


def together(groups: list[set[str]], *titles: str) -> bool:
    return any(set(titles) <= g for g in groups)


@pytest.mark.parametrize(
    "titles",
    [
        ("GPTQ Quantization", "GPTQ (GPT Quantization)"),
        ("ZeRO (Zero Redundancy Optimizer)", "DeepSpeed ZeRO"),
        ("Full Fine-Tune", "Full Fine-Tuning", "Fine-tuning (full)"),
        ("Self-Consistency Voting", "Self-Consistency"),
        ("State Space Models / Mamba", "Mamba (State Space Models)"),
        ("Key-Value (KV) Caching", "Caching & KV-Cache"),
        ("Adapters", "Adapter Modules", "Adapter Layers (Houlsby-style)"),
        ("Speculative Decoding", "Speculative Decoding / Draft-and-Verify"),
        ("Quantization", "Model Quantization"),
        ("RetNet / Retention Networks", "Retentive Networks"),
        ("LLaVA: Visual Instruction Tuning", "LLaVA (Large Language and Vision Assistant)"),
        ("Chain-of-Thought (CoT)", "Chain-of-Thought (CoT) Prompting"),
        ("Prefix-/Prompt-Tuning", "Prefix-Tuning and Prompt-Tuning"),
    ],
)
def test_real_duplicates_are_one_topic(
    real_groups: list[set[str]], titles: tuple[str, ...]
) -> None:
    assert together(real_groups, *titles), titles


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SAM (Segment Anything Model)", "Sharpness-Aware Minimization (SAM)"),
        ("IPO (Identity Preference Optimization)", "IPO (Iterative Preference Optimization)"),
        ("Adam Optimizer", "AdamW Optimizer"),
        ("Direct Preference Optimization (DPO)", "Iterative DPO"),
        ("Pruning", "Structured Pruning"),
        ("Transformer", "Decision Transformers"),
        ("Finetuning", "Fine-tuning (full)"),
        ("Prefix Tuning", "Prompt Tuning"),
        ("Chain-of-Thought (CoT)", "Chain-of-Thought (CoT) Distillation"),
        ("DeepSpeed ZeRO", "DeepSpeed ZeRO-Infinity / Offloading"),
        ("Low-Rank Adaptation (LoRA)", "LoRA / DoRA"),
        ("Reinforcement Learning (RL)", "Reinforcement Learning from Human Feedback (RLHF)"),
    ],
)
def test_real_look_alikes_stay_apart(real_groups: list[set[str]], a: str, b: str) -> None:
    assert not together(real_groups, a, b)
    assert any(a in g for g in real_groups) and any(b in g for g in real_groups)

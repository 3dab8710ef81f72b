"""The long-form guide reader, on small golden fixtures and on the two real guides.

Refresh the golden files deliberately, then review the diff:
``KBGEN_UPDATE_GOLDEN=1 python -m pytest tests/test_guide.py``.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbgen.records import Entry
from kbgen.sources.guide import PAGE_TAG, GuideReader, clean_title, section_name
from tests.helpers import SOURCES

FIXTURES = Path(__file__).parent / "fixtures" / "guide"
MODERN = "modern-ml-techniques-2024-2025.md"
REFERENCE = "llm-learning-techniques-reference.md"
READER = GuideReader()


def _read(name: str) -> tuple[list[Entry], list[str]]:
    entries, problems = READER.parse((SOURCES / name).read_text(encoding="utf-8"), name)
    return entries, [str(p) for p in problems]


def _headings_outside_fences(text: str) -> list[str]:
    """Lines of ``text`` that Markdown would render as ATX headings."""
    found, fence = [], ""
    for line in text.split("\n"):
        m = re.match(r"\s*(`{3,}|~{3,})(.*)", line)
        marker, info = (m.group(1), m.group(2)) if m else ("", "")
        if fence:
            if marker[:1] == fence[0] and len(marker) >= len(fence) and not info.strip():
                fence = ""
        elif marker:
            fence = marker
        elif re.match(r" {0,3}#{1,6}(\s|$)", line):
            found.append(line)
    return found


def _check_invariants(entries: list[Entry]) -> None:
    for entry in entries:
        assert entry.title.strip(), entry
        assert entry.section("What").strip(), entry.title
        assert entry.tags in ((), (PAGE_TAG,))  # a cross-technique page is tagged so
        for section in entry.sections:
            assert section.body.strip(), (entry.title, section.name)
            assert _headings_outside_fences(section.body) == [], (entry.title, section.name)


# Golden fixtures


def _as_json(entries: list[Entry], problems: list[str]) -> dict[str, object]:
    return {
        "entries": [
            {
                "title": e.title,
                "line": e.ref.line,
                "sections": [[s.name, s.body] for s in e.sections],
            }
            for e in entries
        ],
        "problems": problems,
    }


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.md")))
def test_fixture_matches_golden(name: str) -> None:
    entries, problems = READER.parse((FIXTURES / name).read_text(encoding="utf-8"), name)
    actual = _as_json(entries, [str(p) for p in problems])
    golden = FIXTURES / f"{Path(name).stem}.json"
    if os.environ.get("KBGEN_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert actual == json.loads(golden.read_text(encoding="utf-8"))
    _check_invariants(entries)


def test_fixture_reference_reads_labelled_blocks() -> None:
    entries, _ = READER.parse((FIXTURES / "reference.md").read_text(encoding="utf-8"), "r.md")
    pages = [e.title for e in entries if e.tags == (PAGE_TAG,)]
    assert pages == [
        "Executive Summary",
        "Fine-Tuning Comparison Table",
        "Training Paradigm Comparison",
        "When to Use Each Technique",
        "Terminology Quick Reference",
    ]
    entries = [e for e in entries if e.title not in pages]
    sft = entries[0]
    assert [s.name for s in sft.sections] == [
        "What",
        "How",
        "Use When",
        "Strengths",
        "Pitfalls",
        "Comparison",
    ]
    # A trailing double space at the end of a paragraph goes; nothing else changes.
    assert sft.section("Strengths") == "- Simple"
    assert [e.title for e in entries] == [
        "Supervised Fine-Tuning (SFT)",
        "Supervised Learning (Labeled Data)",
        "Unsupervised Learning (Unlabeled Data)",
        "Parameter-Efficient Fine-Tuning (PEFT)",
        "LoRA (Low-Rank Adaptation)",
        "BitFit",
        "Dropout",
    ]
    lora = entries[4]
    assert lora.section("References").split("\n\n") == [
        "*LoRA* - Hu et al. (2021)",
        "*QLoRA* - Dettmers et al. (2023)",
    ]


def test_fixture_broken_input_is_reported_not_raised() -> None:
    entries, problems = READER.parse((FIXTURES / "broken.md").read_text(encoding="utf-8"), "b.md")
    assert [str(p) for p in problems] == [
        "b.md:9: warning: heading without a title ignored",
        "b.md:13: warning: `Gamma` has no text; its What is its title",
        "b.md:20: warning: code fence is never closed; it runs to the end of the file",
    ]
    epsilon = entries[-1]
    assert epsilon.title == "Epsilon"
    assert epsilon.section("What") == "```python\n# inside an unclosed fence\n## Zeta\n```"


def test_fixture_entries_record_their_top_level_area() -> None:
    def areas(name: str) -> dict[str, str]:
        entries, _ = READER.parse((FIXTURES / name).read_text(encoding="utf-8"), name)
        return {e.title: e.area for e in entries}

    # Emoji go; a `##` technique is its own area; `Part N:` is dropped.
    guide = areas("guide.md")
    assert guide["Large Language Models (LLMs)"] == "Large Language Models (LLMs)"
    assert guide["Chain-of-Thought (CoT) Prompting"] == "Large Language Models (LLMs)"
    assert guide["HyDE (Hypothetical Document Embeddings)"].startswith("Retrieval-Augmented")
    reference = areas("reference.md")
    assert reference["Supervised Fine-Tuning (SFT)"] == "Core Paradigms"
    assert reference["LoRA (Low-Rank Adaptation)"] == "Fine-Tuning"


PATH_GUIDE = """# Reference

## Part 2: Extras

### 2.1 Regularization Techniques

#### 2.1.1 Dropout

**What It Is**: Zeroes random activations.

### 2.2 Continual Learning

**What It Is**: Learning tasks in sequence.

#### 2.2.1 Elastic Weight Consolidation (EWC)

**What It Is**: Penalises moving important weights.

### 2.3 Focal Loss

**What It Is**: Down-weights easy examples.

## 🤖 Large Language Models (LLMs)

Models trained on text.

### Key Models

#### **Nova 2** (OpenAI)

A model.
"""


def test_entries_record_every_grouping_heading_above_them() -> None:
    entries, _ = READER.parse(PATH_GUIDE, "p.md")
    paths = {e.title: (e.area, e.groups, e.heading_path) for e in entries}
    assert paths == {
        # A pure grouping and an enclosing technique are groups; the entry's own heading not.
        "Dropout": (
            "Extras",
            ("Regularization Techniques",),
            ("Extras", "Regularization Techniques"),
        ),
        "Continual Learning": ("Extras", (), ("Extras",)),
        "Elastic Weight Consolidation (EWC)": (
            "Extras",
            ("Continual Learning",),
            ("Extras", "Continual Learning"),
        ),
        "Focal Loss": ("Extras", (), ("Extras",)),
        # A `##` technique is its own area, once; generic groupings count too.
        "Large Language Models (LLMs)": (
            "Large Language Models (LLMs)",
            (),
            ("Large Language Models (LLMs)",),
        ),
        "Nova 2": (
            "Large Language Models (LLMs)",
            ("Key Models",),
            ("Large Language Models (LLMs)", "Key Models"),
        ),
    }


# Titles and section names


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("3.2.1 LoRA (Low-Rank Adaptation)", "LoRA (Low-Rank Adaptation)"),
        ("**3. Parameter-Efficient Fine-Tuning (PEFT)**", "Parameter-Efficient Fine-Tuning (PEFT)"),
        ("**GPT-4 and GPT-4 Turbo** (OpenAI)", "GPT-4 and GPT-4 Turbo"),
        ("**Gemini Ultra/Pro/Nano** (Google DeepMind)", "Gemini Ultra/Pro/Nano"),
        ("**Mixtral 8x7B** (Mistral AI)", "Mixtral 8x7B"),
        ("**GPT-4** (Rumored)", "GPT-4"),
        ("**LoRA** (Low-Rank Adaptation)", "LoRA (Low-Rank Adaptation)"),
        ("**Original ViT (Vision Transformer)**", "Original ViT (Vision Transformer)"),
        ("**GPT-4V (Vision)**", "GPT-4V (Vision)"),
        ("Llama 3 (Meta)", "Llama 3"),
        ("Sora (OpenAI, 2024)", "Sora"),
        ("Key Models (2024-2025)", "Key Models"),
        ("🔍 Retrieval-Augmented Generation (RAG)", "Retrieval-Augmented Generation (RAG)"),
        ("👁️ Vision Transformers", "Vision Transformers"),
        ("🤖 Large Language Models (LLMs)", "Large Language Models (LLMs)"),
        ("Mixture of Experts (MoE)", "Mixture of Experts (MoE)"),
        ("Mixup / CutMix (Images)", "Mixup / CutMix (Images)"),
        ("**Three-Stage Process:**", "Three-Stage Process"),
        ("1. Flash Attention", "Flash Attention"),
        ("3D Gaussian Splatting", "3D Gaussian Splatting"),
        ("[Linked](#anchor) `code` Title", "Linked code Title"),
    ],
)
def test_clean_title(raw: str, title: str) -> None:
    assert clean_title(raw) == title


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("What It Is", "What"),
        ("Characteristics", "What"),
        ("Key Insight", "What"),
        ("Use Cases in LLMs", "Use When"),
        ("Applications", "Use When"),
        ("When to Use Each Method", "Use When"),
        ("How It Works", "How"),
        ("Formula", "How"),
        ("Mathematical Foundation", "How"),
        ("Implementation Pipeline", "How"),
        ("Three-Stage Process", "How"),
        ("Weaknesses", "Pitfalls"),
        ("Training Challenges", "Pitfalls"),
        ("Advantages", "Strengths"),
        ("Why It Helps", "Strengths"),
        ("Example in LLMs", "Example"),
        ("Constitution Example", "Example"),
        ("Reference", "References"),
        ("Comparison to Full Fine-Tuning", "Comparison"),
        ("How It Differs from DPO", "Comparison"),
        ("vs Standard Distillation", "Comparison"),
        ("Common RL Algorithms", "Common RL Algorithms"),
        ("Best Practices", "Best Practices"),
        ("Direct optimization", "Direct Optimization"),
    ],
)
def test_section_name(label: str, name: str) -> None:
    assert section_name(label) == name


# The real guides


def test_detect_accepts_guides_only() -> None:
    for name in (MODERN, REFERENCE):
        assert READER.detect((SOURCES / name).read_text(encoding="utf-8")), name
    for path in [SOURCES / "ai-ml-tldr-practitioner-notes.md", *SOURCES.glob("glossary-*.txt")]:
        assert not READER.detect(path.read_text(encoding="utf-8")), path.name


def test_real_guides_read_without_problems() -> None:
    counts = {}
    for name in (MODERN, REFERENCE):
        entries, problems = _read(name)
        assert problems == []
        _check_invariants(entries)
        counts[name] = len(entries)
    print(counts)
    # Pinned to notice changes in which headings count as techniques.
    assert counts == {MODERN: 58, REFERENCE: 120}


def test_real_guides_titles() -> None:
    modern = {e.title: e for e in _read(MODERN)[0]}
    reference = {e.title: e for e in _read(REFERENCE)[0]}
    for title in (
        "SAM (Segment Anything Model)",
        "DINOv2 (Self-Supervised Vision)",
        "GPT-4 and GPT-4 Turbo",
        "Claude 3 (Opus, Sonnet, Haiku)",
        "Chinchilla Scaling Laws",
        "Retrieval-Augmented Generation (RAG)",
        "Original ViT (Vision Transformer)",
        "Mixture of Experts (MoE)",
        "Model Quantization",
        "Flash Attention",
    ):
        assert title in modern, title
    for title in (
        "QLoRA (Quantized LoRA)",
        "Retrieval-Augmented Generation (RAG)",
        "Supervised Learning (Labeled Data)",
        "Parameter-Efficient Fine-Tuning (PEFT)",
        "Dropout",
    ):
        assert title in reference, title
    assert reference["LoRA (Low-Rank Adaptation)"].ref.line == 295
    assert reference["Tree-of-Thought (ToT)"].ref.line == 1378
    for title in [*modern, *reference]:
        assert "**" not in title
        assert not re.match(r"\d", title), title
        assert not any(unicodedata.category(c) == "So" for c in title), title
        assert not re.search(r"\((OpenAI|Meta|Anthropic|Google.*|Rumored|Mistral AI)\)", title)


@pytest.mark.parametrize(
    "title",
    [
        "Table of Contents",
        "Executive Summary",
        "Interview Questions",
        "Key Papers Reference",
        "Practical Tools & Frameworks",
        "Next Steps",
        "Further Learning",
        "LLMs",
        "RAG",
        "Decision Tree",
        "Quick Reference Table",
        "Fine-Tuning Comparison Table",
        "Training Paradigm Comparison",
        "The Learning Hierarchy",
        "Terminology Quick Reference",
        "Common Pitfalls and Solutions",
        "Complete Summary Tree",
        "Quick Decision Guide",
        "References & Further Learning",
        "Overview",
        "Architecture",
        "Key Models",
        "Implementation Pipeline",
        "Document Processing",
        "Supervised vs. Unsupervised Learning",
        "Example instruction format",
    ],
)
def test_real_guides_read_no_technique_from_non_topics(title: str) -> None:
    # Cross-technique material is a page of its own (tagged so), never a technique.
    entries = [e for name in (MODERN, REFERENCE) for e in _read(name)[0]]
    named = [e for e in entries if e.title == title or e.title.startswith(f"{title} ")]
    assert all(e.tags == (PAGE_TAG,) for e in named), title


def test_real_lora_entry_keeps_labelled_blocks_and_fence() -> None:
    lora = next(e for e in _read(REFERENCE)[0] if e.title == "LoRA (Low-Rank Adaptation)")
    names = [s.name for s in lora.sections]
    assert names[:5] == ["What", "How", "Use When", "Strengths", "Pitfalls"]
    assert names[5:] == ["Comparison"]
    assert lora.section("What").startswith("Instead of updating weight matrix W directly")
    # Characteristics describe what LoRA is, so they follow What It Is.
    assert "- Updates only ~1-2% of parameters" in lora.section("What")
    source = (SOURCES / REFERENCE).read_text(encoding="utf-8").split("\n")
    formula = "\n".join(source[299:309])  # lines 300-309
    assert formula.startswith("```\nStandard: W_new")
    assert formula.endswith("(1.6% of original)\n```")
    assert lora.section("How") == formula
    assert lora.section("Pitfalls").startswith("- Slightly lower accuracy")


def test_real_fenced_comment_is_not_a_heading() -> None:
    tuning = next(e for e in _read(MODERN)[0] if e.title == "Instruction Tuning")
    assert tuning.ref.line == 77
    assert tuning.section("How").startswith("```python\n# Example instruction format\n{")
    assert tuning.section("References").startswith("*Scaling Instruction-Finetuned")


def test_real_area_heading_collects_generic_subheadings() -> None:
    entries = {e.title: e for e in _read(MODERN)[0]}
    rag = entries["Retrieval-Augmented Generation (RAG)"]
    assert rag.ref.line == 410
    assert rag.section("What").startswith("Combine LLMs with external knowledge retrieval")
    assert "**1. Document Processing**" in rag.section("How")
    assert [s.name for s in rag.sections] == ["What", "How", "Best Practices"]
    moe = entries["Mixture of Experts (MoE)"]
    assert {"Strengths", "Pitfalls"} <= {s.name for s in moe.sections}
    quantization = entries["Model Quantization"]
    assert quantization.section("Use When").startswith("| Method | Use Case |")
    # Named models under "Key Models" are entries of their own.
    assert entries["GPT-4 and GPT-4 Turbo"].ref.line == 32
    assert entries["Stable Diffusion"].section("How").startswith("```python")


def test_real_bold_technique_labels_are_entries_of_their_own() -> None:
    entries = {e.title: e for e in _read(MODERN)[0]}
    peft = entries["Parameter-Efficient Fine-Tuning (PEFT)"]
    assert [s.name for s in peft.sections] == ["What", "References"]
    # Its text is all parts: its What lists them; the shared references stay its own.
    assert peft.section("What") == "- LoRA (Low-Rank Adaptation)\n- QLoRA (Quantized LoRA)"
    assert peft.section("References").count("*") == 4
    lora, qlora = entries["LoRA (Low-Rank Adaptation)"], entries["QLoRA (Quantized LoRA)"]
    assert (lora.ref.line, qlora.ref.line) == (98, 127)  # the labels' lines
    assert lora.section("What").startswith("Instead of updating all weights")
    assert "W = W₀ + BA" in lora.section("How") and lora.section("Memory Savings")
    assert qlora.section("What").startswith("Combines LoRA with 4-bit quantization")
    assert lora.groups[-1] == "Parameter-Efficient Fine-Tuning (PEFT)"
    reference = {e.title: e for e in _read(REFERENCE)[0]}
    norm = reference["Layer Normalization & Batch Normalization as Learning Techniques"]
    assert norm.section("What") == "- Batch Normalization (BN)\n- Layer Normalization (LN)"
    assert reference["Batch Normalization (BN)"].ref.line == 1886
    # A label that only describes (`Forward Process (Adding Noise)`) stays a section.
    assert "Forward Process (Adding Noise)" not in entries


def test_a_bold_technique_label_ends_at_a_known_sections_label() -> None:
    text = """# Guide

## Part 1: Methods

### Adapters

**LoRA (Low-Rank Adaptation):**
Low-rank updates.

**Rank:** small.

**Use Cases:**
- Many tasks.
"""
    entries = {e.title: e for e in GuideReader().parse(text, "g.md")[0]}
    assert entries["LoRA (Low-Rank Adaptation)"].section("What") == "Low-rank updates."
    assert entries["LoRA (Low-Rank Adaptation)"].section("Rank") == "small."
    assert entries["Adapters"].section("Use When") == "- Many tasks."


# Any input


_MARKDOWN = st.lists(
    st.sampled_from(
        [
            "# Title",
            "## 🤖 Area (LLMs)",
            "### 1.2 Thing (OpenAI)",
            "#### **Bold** (Meta)",
            "### Overview",
            "### Key Models",
            "## Interview Questions",
            "## Part 2: Stuff",
            "#",
            "##  ",
            "**What It Is**: text",
            "**Weaknesses**:",
            "**Reference:** # x",
            "**Bold line**",
            "- item",
            "| a | b |",
            "```python",
            "```",
            "~~~",
            "    indented # code",
            "---",
            "===",
            "plain text  ",
            "",
        ]
    )
    | st.text(alphabet="#*`~-=|()[]: \n\tab1😀", max_size=12),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_MARKDOWN)
def test_any_markdown_parses_without_raising(lines: list[str]) -> None:
    text = "\n".join(lines)
    READER.detect(text)
    entries, problems = READER.parse(text, "f.md")
    _check_invariants(entries)
    count = text.count("\n") + 2
    assert all(1 <= e.ref.line <= count for e in entries)
    assert all(p.path == "f.md" and 0 <= p.line <= count for p in problems)


def test_real_guides_record_their_part_and_groupings() -> None:
    modern = {e.area for e in _read(MODERN)[0] if PAGE_TAG not in e.tags}
    assert modern == {
        "Large Language Models (LLMs)",
        "Diffusion Models",
        "Vision Transformers",
        "Retrieval-Augmented Generation (RAG)",
        "Mixture of Experts (MoE)",
        "Constitutional AI and RLHF",
        "Model Quantization",
        "Multimodal Models",
        "Efficient Training Techniques",
        "Emerging Architectures",
    }
    reference = {e.title: e.heading_path for e in _read(REFERENCE)[0]}
    assert reference["LoRA (Low-Rank Adaptation)"] == (
        "Fine-Tuning Techniques",
        "Parameter-Efficient Fine-Tuning (PEFT)",
    )
    assert reference["Lookahead Optimizer"] == ("Additional Niche & Specialized Techniques",)
    assert reference["SGD (Stochastic Gradient Descent)"] == (
        "Additional Advanced Techniques",
        "Optimization & Scheduler Techniques",
    )
    assert reference["Elastic Weight Consolidation (EWC)"][1:] == (
        "Continual Learning / Lifelong Learning",
    )

import errno
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

import kbgen.atomic as store
import kbgen.importer as importer
from kbgen.check import run_check
from kbgen.cli import main
from kbgen.config import load_config
from kbgen.importer import format_report, run_import
from kbgen.sources import read_sources
from kbgen.store import load_topics, parse_body
from tests.helpers import ROOT, make_project, snapshot
from tests.test_hostile_sources import CASES as HOSTILE

NOTES = """## Area One
- Alpha Method — first summary.
  [What] Alpha does things.
  [Use When] Often.
  [How] Carefully.
  [Pitfalls] Rarely.
- Beta Trick (BT) — second summary.
  [What] Beta does other things.
  [Pitfalls] Sometimes.
"""
GUIDE_LIKE = """## Area Two
- BT — the acronym again.
  [What] Another view of beta.
"""


AREA_GUIDE = """# Guide

## ⚡ Part 1: Model Quantization

### 1.1 GPTQ (GPT Quantization)

**What It Is**: Post-training 4-bit quantization.

## Odd Corner

### LoRA (Low-Rank Adaptation)

**What It Is**: Low-rank updates.
"""
AREA_NOTES = """## Parameter-Efficient Fine-Tuning
- LoRA / DoRA — low-rank updates.
  [What] Factorized updates.
"""
AREA_CONFIG = """tags:
  inference-efficiency:
    name: Inference & Efficiency
    areas: [Quantization]
  parameter-efficient-fine-tuning:
    name: Parameter-Efficient Fine-Tuning
"""

PATH_GUIDE = """# Guide

## Part 1: Model Quantization

### 1.1 Serving Tricks

#### 1.1.1 GPTQ (GPT Quantization)

**What It Is**: Post-training 4-bit quantization.

## Part 2: Odd Corner

### 2.1 Regularization Techniques

#### 2.1.1 Dropout

**What It Is**: Zeroes random activations.

### 2.2 Loss Functions

#### 2.2.1 Focal Loss

**What It Is**: Down-weights easy examples.
"""
PATH_CONFIG = """tags:
  inference-efficiency:
    name: Inference & Efficiency
    areas: [Quantization]
  serving:
    name: Serving
    areas: [Serving Tricks]
  training-optimization:
    name: Training & Optimization
    areas: [Regularization]
"""


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory):
    """The real seeds imported once into a scratch project configured as this one."""
    config_text = (ROOT / "kbgen.yml").read_text(encoding="utf-8")
    config = make_project(tmp_path_factory.mktemp("real"), config=config_text)
    return config, run_import(config)


def by_name(config) -> dict:
    """Every topic under each of its names."""
    return {name: t for t in topics_by_slug(config).values() for name in t.names}


def topics_by_slug(config) -> dict:
    loaded, problems = load_topics(config.topics_dir)
    assert problems == []
    return {t.topic.slug: t.topic for t in loaded}


def test_every_source_entry_lands_in_exactly_one_topic(real) -> None:
    config, _ = real
    entries, _ = read_sources(config.sources_dir)
    refs = Counter(ref for t in topics_by_slug(config).values() for ref in t.sources)
    assert refs == Counter(e.ref for e in entries)
    assert max(refs.values()) == 1


def test_real_store_passes_check(real) -> None:
    config, _ = real
    count, problems = run_check(config)
    assert [str(p) for p in problems] == []
    assert count == len(topics_by_slug(config))


def test_real_lora_topic_merges_every_source(real) -> None:
    config, _ = real
    topics = topics_by_slug(config)
    lora = next(t for t in topics.values() if "LoRA (Low-Rank Adaptation)" in t.names)
    assert "LoRA" in lora.names
    files = {s.file for s in lora.sources}
    assert {"glossary-implementation.txt", "llm-learning-techniques-reference.md"} <= files
    _, sections = parse_body(lora.body)
    assert sections[0].name == "What" and len(sections[0].parts) >= 2


def test_real_shared_list_entries_carry_both_tags(real) -> None:
    config, _ = real
    both = [
        t for t in topics_by_slug(config).values() if {"implementation", "advanced"} <= set(t.tags)
    ]
    assert len(both) >= 59


def test_real_acronym_collisions_stay_apart(real) -> None:
    config, _ = real
    titles = [t.title for t in topics_by_slug(config).values()]
    assert sum("SAM" in t for t in titles) >= 2


def test_real_merges_of_spellings_and_qualifiers(real) -> None:
    config, _ = real
    topics = by_name(config)

    def same(a: str, b: str) -> bool:
        return topics[a].slug == topics[b].slug

    assert same("Flash Attention", "FlashAttention")
    assert same("Adam Optimizer", "Adam (Adaptive Moment Estimation)")
    assert same("AdamW Optimizer", "AdamW (Adam Weight Decay)")
    assert same("Original ViT (Vision Transformer)", "Vision Transformer (ViT)")
    assert not same("Adam Optimizer", "AdamW Optimizer")
    assert not same("Distributed Computing (ML Training)", "Memory Optimization (ML Training)")
    sparse = "Sparse Autoencoder (Mechanistic Interpretability)"
    assert not same(sparse, "Mechanistic Interpretability")


def test_real_areas_tag_the_guides_and_the_topics_combined_entries_name(real) -> None:
    config, result = real
    topics = by_name(config)
    assert "parameter-efficient-fine-tuning" in topics["LoRA"].tags
    assert "inference-efficiency" in topics["GPTQ (GPT Quantization)"].tags
    # PagedAttention has no area of its own: `KV‑Cache / PagedAttention / Flash‑Decoding` does.
    assert "inference-efficiency" in topics["PagedAttention"].tags
    assert "systems-parallelism" in topics["Fully Sharded Data Parallel (FSDP)"].tags
    # Grouping headings between a part and its techniques map too.
    assert "training-optimization" in topics["SGD (Stochastic Gradient Descent)"].tags
    assert "inference-efficiency" in topics["Quantization at Inference"].tags
    assert "reasoning-alignment" in topics["Self-Consistency"].tags
    untagged = [t for t in topics_by_slug(config).values() if not t.tags]
    # 114 before guide areas were mapped, 77 with `##` parts only; 39 measured
    assert len(untagged) <= 42
    assert "- modern-ml-techniques-2024-2025.md: Large Language Models (LLMs)" in format_report(
        result
    )


def test_areas_map_to_configured_tags_and_lend_them_to_named_topics(tmp_path: Path) -> None:
    sources = {"guide.md": AREA_GUIDE, "notes.md": AREA_NOTES}
    config = make_project(tmp_path, sources, AREA_CONFIG)
    result = run_import(config)
    tags = {t.title: t.tags for t in topics_by_slug(config).values()}
    assert tags == {
        "GPTQ (GPT Quantization)": ["inference-efficiency"],
        # No tag from its own area; the one of `LoRA / DoRA`, which names it.
        "LoRA (Low-Rank Adaptation)": ["parameter-efficient-fine-tuning"],
        "LoRA / DoRA": ["parameter-efficient-fine-tuning"],
    }
    assert run_check(config)[1] == []
    assert result.unmapped_areas == ["guide.md: Odd Corner"]
    assert "## Unmapped areas (1)" in format_report(result)


def test_every_heading_of_an_entrys_path_lends_its_tags(tmp_path: Path) -> None:
    config = make_project(tmp_path, {"guide.md": PATH_GUIDE}, PATH_CONFIG)
    result = run_import(config)
    tags = {t.title: t.tags for t in topics_by_slug(config).values()}
    assert tags == {
        "GPTQ (GPT Quantization)": ["inference-efficiency", "serving"],
        "Dropout": ["training-optimization"],
        "Focal Loss": [],
    }
    assert result.unmapped_areas == ["guide.md: Odd Corner", "guide.md: Loss Functions"]


def test_without_configured_tags_areas_add_no_tag(tmp_path: Path) -> None:
    config = make_project(tmp_path, {"guide.md": AREA_GUIDE})
    run_import(config)
    assert all(t.tags == [] for t in topics_by_slug(config).values())


def test_report_accounts_for_every_entry(real) -> None:
    _, result = real
    report = format_report(result)
    assert report.count("\n- ") >= len(result.entries)
    for entry in result.entries:
        assert f"- {entry.ref} → " in report


def test_import_twice_changes_nothing(tmp_path: Path) -> None:
    config = make_project(tmp_path, {"notes.md": NOTES})
    run_import(config)
    before = snapshot(config.topics_dir)
    result = run_import(config)
    assert result.written == []
    assert snapshot(config.topics_dir) == before


def test_editor_edit_survives_and_upstream_change_flows_in(tmp_path: Path) -> None:
    config = make_project(tmp_path, {"notes.md": NOTES})
    run_import(config)
    alpha = config.topics_dir / "alpha-method.md"
    alpha.write_text(alpha.read_text().replace("Carefully.", "Carefully, with a checklist."))
    notes = config.sources_dir / "notes.md"
    upstream = notes.read_text().replace("Rarely.", "Rarely, but badly.")
    notes.write_text(upstream.replace("Often.", "Daily."))
    result = run_import(config)
    text = alpha.read_text()
    assert "Carefully, with a checklist." in text  # the editor's How
    assert "Rarely, but badly." in text and "Daily." in text  # upstream Pitfalls and Use When
    assert result.conflicts == []


def test_conflicting_change_keeps_the_editors_version_and_reports_it(tmp_path: Path) -> None:
    config = make_project(tmp_path, {"notes.md": NOTES})
    run_import(config)
    alpha = config.topics_dir / "alpha-method.md"
    alpha.write_text(alpha.read_text().replace("Carefully.", "Editor's way."))
    notes = config.sources_dir / "notes.md"
    notes.write_text(notes.read_text().replace("Carefully.", "Upstream way."))
    result = run_import(config)
    assert "Editor's way." in alpha.read_text()
    assert "Upstream way." not in alpha.read_text()
    assert result.conflicts == ["alpha-method: section `How`"]


def test_edited_title_keeps_the_slug(tmp_path: Path) -> None:
    config = make_project(tmp_path, {"notes.md": NOTES})
    run_import(config)
    alpha = config.topics_dir / "alpha-method.md"
    alpha.write_text(alpha.read_text().replace("title: Alpha Method", "title: The Alpha Method"))
    run_import(config)
    assert "title: The Alpha Method" in alpha.read_text()
    names = sorted(p.name for p in config.topics_dir.glob("*.md"))
    assert names == ["alpha-method.md", "beta-trick.md"]


def test_slugs_are_stable_when_entries_are_added_and_merges_leave_redirects(tmp_path: Path) -> None:
    config = make_project(tmp_path, {"notes.md": NOTES})
    run_import(config)
    (config.sources_dir / "more.md").write_text(
        "## Area Three\n- Alpha — an unrelated newcomer.\n  [What] Gamma.\n"
    )
    run_import(config)
    names = sorted(p.name for p in config.topics_dir.glob("*.md"))
    assert names == ["alpha-method.md", "alpha.md", "beta-trick.md"]
    (config.sources_dir / "more.md").write_text(GUIDE_LIKE)
    result = run_import(config)
    # The new entry on Alpha's old line joins Beta Trick, which keeps its slug; Alpha's
    # untouched file goes, with no redirect, as its entry is gone rather than merged.
    assert "BT" in (config.topics_dir / "beta-trick.md").read_text()
    assert result.redirects == {}
    names = sorted(p.name for p in config.topics_dir.glob("*.md"))
    assert names == ["alpha-method.md", "beta-trick.md"]


def test_a_topic_merged_into_another_leaves_a_redirect(tmp_path: Path) -> None:
    config = make_project(tmp_path, {"notes.md": NOTES})
    run_import(config)
    (tmp_path / "kbgen.yml").write_text("merge: [[Alpha Method, Beta Trick (BT)]]\n")
    result = run_import(load_config(tmp_path))
    assert sorted(p.name for p in config.topics_dir.glob("*.md")) == ["alpha-method.md"]
    assert result.redirects == {"beta-trick": "alpha-method"}
    (tmp_path / "kbgen.yml").write_text("")
    result = run_import(load_config(tmp_path))
    assert sorted(p.name for p in config.topics_dir.glob("*.md")) == [
        "alpha-method.md",
        "beta-trick.md",
    ]
    assert result.redirects == {}


def test_an_edited_topic_whose_entries_are_gone_is_kept_and_reported(tmp_path: Path) -> None:
    config = make_project(tmp_path, {"notes.md": NOTES})
    run_import(config)
    beta = config.topics_dir / "beta-trick.md"
    beta.write_text(beta.read_text().replace("Sometimes.", "Often, in fact."))
    (config.sources_dir / "notes.md").write_text(NOTES.split("- Beta")[0])
    result = run_import(config)
    assert "Often, in fact." in beta.read_text()
    assert result.conflicts == ["beta-trick: whole file (no source entry is left in it)"]
    assert run_import(config).written == []


def test_failure_half_way_leaves_the_previous_store(tmp_path: Path, monkeypatch) -> None:
    config = make_project(tmp_path, {"notes.md": NOTES})
    run_import(config)
    before = snapshot(config.topics_dir)
    (config.sources_dir / "notes.md").write_text(NOTES.replace("Alpha", "Delta"))
    calls = []

    def failing_dump(topic):
        calls.append(topic)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_dump(topic)

    real_dump = importer.dump_topic
    monkeypatch.setattr(importer, "dump_topic", failing_dump)
    with pytest.raises(OSError):
        run_import(config)
    assert snapshot(config.topics_dir) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kbgen.yml", "sources", "topics"]


def _failing_on_call(n: int, real: Callable[..., object]) -> Callable[..., object]:
    """``real``, except that its ``n``-th call raises "No space left on device"."""
    calls = iter(range(1, 1_000_000))

    def call(*args: object, **kwargs: object) -> object:
        if next(calls) == n:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    return call


@pytest.mark.parametrize(
    ("target", "name", "n", "exchange"),
    [
        (Path, "write_bytes", 2, True),
        (store, "_exchange", 1, True),
        (store.os, "replace", 2, False),
    ],
    ids=["a write half-way", "the atomic swap", "the swap by two renames"],
)
def test_a_write_failing_leaves_topics_byte_for_byte(
    tmp_path: Path, monkeypatch, capsys, target: object, name: str, n: int, exchange: bool
) -> None:
    config = make_project(tmp_path, {"notes.md": NOTES, "more.md": GUIDE_LIKE})
    run_import(config)
    before = snapshot(config.topics_dir)
    (config.sources_dir / "notes.md").write_text(NOTES.replace("summary", "abstract"))
    if not exchange:
        monkeypatch.setattr(store, "_exchange", lambda a, b: False)
    monkeypatch.setattr(target, name, _failing_on_call(n, getattr(target, name)))
    assert main(["--project", str(tmp_path), "import"]) == 1
    err = capsys.readouterr().err
    assert f"{config.topics_dir}" in err and "No space left on device" in err
    assert f"{config.topics_dir} is unchanged" in err
    monkeypatch.undo()
    assert snapshot(config.topics_dir) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kbgen.yml", "sources", "topics"]
    assert sorted(run_import(config).written) == ["alpha-method", "beta-trick"]  # goes through


def test_import_is_byte_identical_whatever_the_listing_order(tmp_path: Path, monkeypatch) -> None:
    hostile = Path(__file__).parent / "fixtures" / "hostile" / "sources"
    names = [c.name for c in HOSTILE if c.outcome == "fallback" and (hostile / c.name).exists()]
    sources = {n: (hostile / n).read_text(encoding="utf-8", errors="replace") for n in names}
    real_rglob = Path.rglob
    stores = []
    for seed in (1, 2):
        config = make_project(tmp_path / str(seed), {**sources, "notes.md": NOTES})

        def shuffled(self: Path, pattern: str, seed: int = seed) -> list[Path]:
            found = list(real_rglob(self, pattern))
            random.Random(seed).shuffle(found)
            return found

        monkeypatch.setattr(Path, "rglob", shuffled)
        run_import(config)
        monkeypatch.undo()
        stores.append(snapshot(config.topics_dir))
    assert stores[0] == stores[1]


def test_import_is_byte_identical_whatever_the_hash_seed(tmp_path: Path) -> None:
    stores = []
    for seed in ("1", "2"):
        make_project(tmp_path / seed)
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-m", "kbgen", "--project", str(tmp_path / seed), "import"]
        subprocess.run(command, env=env, check=True, capture_output=True)
        stores.append(snapshot(tmp_path / seed / "topics"))
    assert stores[0] == stores[1]

"""Every non-blank line of the sources lands in a topic, or in a part the report lists."""

from __future__ import annotations

from kbgen.importer import format_report, run_import
from kbgen.sources import READERS, decode, source_accounts
from kbgen.sources.guide import PAGE_TAG, GuideReader
from kbgen.sources.tagged import TaggedListReader
from tests.helpers import SOURCES, make_project

GUIDE = """# Team Guide

Version 2, maintained by the platform team.

## Table of Contents
1. Methods
2. Comparison

## Part 1: Methods

Methods we use, in the order we adopted them.

### 1.1 Direct Preference Optimization (DPO)

**What It Is**: Preference tuning without a reward model.

### 1.2 RLHF (Reinforcement Learning from Human Feedback)

**What It Is**: A reward model, then PPO.

### 1.3 Comparison: RLHF vs. DPO

| Aspect | RLHF | DPO |
|---|---|---|
| Reward model | yes | no |

## Part 2: Common Pitfalls

- Too high a learning rate.
"""


def test_a_guides_cross_technique_parts_are_pages_and_the_rest_is_accounted_for() -> None:
    entries, problems, account = GuideReader().read(GUIDE, "g.md")
    titles = {e.title: e for e in entries}
    table = titles["Comparison: RLHF vs. DPO"]
    assert table.tags == (PAGE_TAG,) and table.section("What").startswith("| Aspect |")
    assert titles["Common Pitfalls"].section("What") == "- Too high a learning rate."
    assert titles["Direct Preference Optimization (DPO)"].tags == ()
    assert account.pages == [(21, "Comparison: RLHF vs. DPO"), (27, "Common Pitfalls")]
    assert account.dropped == [
        (3, 3, "front matter of `Team Guide`"),
        (6, 7, "`Table of Contents`: navigation, dropped"),
        (11, 11, "introduction of `Part 1: Methods`, dropped"),
    ]
    assert account.lost(GUIDE) == [] and problems == []


def test_the_report_lists_every_part_that_is_no_topic(tmp_path) -> None:
    config = make_project(tmp_path, {"guide.md": GUIDE})
    report = format_report(run_import(config))
    assert "- guide.md:6-7: `Table of Contents`: navigation, dropped" in report
    assert "- guide.md:21: `Comparison: RLHF vs. DPO`, cross-technique material → " in report
    assert "comparison-rlhf-vs-dpo" in report
    # The comparison page links the techniques it names, so each lists it as a backlink.
    text = (config.topics_dir / "comparison-rlhf-vs-dpo.md").read_text()
    assert "| Reward model | yes | no |" in text


def test_every_line_of_the_real_sources_lands_in_a_topic_or_a_reported_part() -> None:
    accounts = {a.file: a for a in source_accounts(SOURCES)}
    for path in sorted(SOURCES.iterdir()):
        source, _ = decode(path.read_bytes(), path.name)
        reader = next(r for r in READERS if r.detect(source.text))
        if isinstance(reader, TaggedListReader):
            # The `Tag:` line and the count are the list's header; every other line an entry.
            entries, _ = reader.parse(source.text, path.name)
            lines = {e.ref.line for e in entries} | {1, 2}
            text = source.text.splitlines()
            assert [n for n, t in enumerate(text, 1) if t.strip() and n not in lines] == []
            continue
        assert accounts[path.name].lost(source.text) == [], path.name
    reference = accounts["llm-learning-techniques-reference.md"]
    pages = dict((title, line) for line, title in reference.pages)
    assert pages["Comparison: RLHF vs. DPO vs. IPO"] == 724
    assert {"Common Pitfalls and Solutions", "Terminology Quick Reference"} <= set(pages)
    assert "Key Papers Reference" in {
        t for _, t in accounts["modern-ml-techniques-2024-2025.md"].pages
    }

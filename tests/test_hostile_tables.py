"""Hostile CSV/TSV tables and definition lists, run through the harness of
:mod:`tests.test_hostile_sources`: a clear ``file:line: message`` or a documented safe
fallback (README, *Sources*), and no entry dropped."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kbgen.sources import read_sources
from tests.test_hostile_sources import (
    Case,
    by_title,
    check_outcome,
    project,
    sections,
    sections_are,
    tagged,
    time_limit,  # noqa: F401  (the autouse alarm of the harness)
    titles_are,
    topics,
)

FIXTURES = Path(__file__).parent / "fixtures" / "hostile" / "tables"
UNCLOSED = "unreadable row: a quoted cell is not closed where it should be"


def markup_verbatim(config) -> None:
    script = by_title(topics(config))["<script>alert(1)</script>"]
    body = script.topic.body
    assert "<img src=x onerror=alert(2)> and {{ config.site_name }}" in body
    assert "\\## Not a section" in body and "\\<!-- source: fake.txt:1 -->" in body
    assert body.rstrip().endswith("```"), "the open fence is closed in its part"
    assert sections(script) == ["What", "How"]


def variants_read(config) -> None:
    alpha = by_title(topics(config))["Alpha Method"]
    assert sections(alpha) == ["What", "Use When"]
    assert alpha.topic.aliases == ["AM", "Alpha"]


def both_notes_kept(config) -> None:
    body = by_title(topics(config))["Alpha Method"].topic.body
    assert "first note\n\nsecond note" in body


def fence_closed_next_kept(config) -> None:
    found = by_title(topics(config))
    assert sorted(found) == ["Fenced Method", "Heading Method", "Next Method"]
    assert "\\## Foo in a definition" in found["Heading Method"].topic.body
    assert "\\# Top heading" in found["Heading Method"].topic.body
    assert "```python\nnever closed\n```" in found["Fenced Method"].topic.body


CASES = [
    Case("unclosed-quote.csv", "structure", "error", 2, UNCLOSED),
    Case("junk-after-quote.csv", "structure", "error", 3, UNCLOSED),
    Case(
        "extra-cells.csv",
        "structure",
        "fallback",
        3,
        "5 cells, the header names 3; extra cells kept",
        tagged("left", "right"),
    ),
    Case(
        "missing-parts.tsv",
        "structure",
        "fallback",
        2,
        "no term: named by its line",
        titles_are("Untitled entry at line 2", "Beta Trick"),
    ),
    Case("duplicate-columns.csv", "structure", "fallback", expect=both_notes_kept),
    Case("semicolons-bom-crlf.csv", "encoding", "fallback", expect=variants_read),
    Case("markup.csv", "markup", "fallback", expect=markup_verbatim),
    Case(
        "deflist-orphans.md",
        "structure",
        "fallback",
        1,
        "definition with no term before it: named by its line",
        sections_are("Beta Trick", "What", "Use When"),
    ),
    Case(
        "deflist-stray.md",
        "structure",
        "fallback",
        4,
        "ignored: not a term or definition (indent it to continue one)",
        titles_are("Alpha Method", "Beta Trick"),
    ),
    Case("deflist-markdown.md", "markdown", "fallback", expect=fence_closed_next_kept),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_table_or_definition_list(case: Case, tmp_path: Path) -> None:
    config = project(tmp_path, {case.name: (FIXTURES / case.name).read_bytes()})
    check_outcome(case, case.name, config, tmp_path)


def test_every_fixture_is_a_case() -> None:
    assert {p.name for p in FIXTURES.iterdir()} == {c.name for c in CASES}
    assert Counter(c.outcome for c in CASES)["error"] >= 2


def test_a_large_table_is_read_whole(tmp_path: Path) -> None:
    rows = [f'Term {i},"Definition {i}, with a comma.",tag{i % 7}' for i in range(20_000)]
    text = "term,definition,tags\n" + "\n".join(rows) + "\n"
    config = project(tmp_path, {"big.csv": text.encode()})
    entries, problems = read_sources(config.sources_dir)
    assert (len(entries), problems) == (20_000, [])
    assert entries[-1].ref.line == 20_001

"""The CSV/TSV reader: header variants, detection, cells over several lines, fallbacks."""

from __future__ import annotations

import csv
import io

import pytest

from kbgen.sources import READERS, SourceFile, read_source
from kbgen.sources.table import TableReader, header_key
from tests.helpers import SOURCES

READER = TableReader()


@pytest.mark.parametrize(
    "header",
    [
        "term,definition",
        "Term,What,Use When,How,Pitfalls,Tags,Aliases",
        "TERM\tDEFINITION\tUSE_WHEN\tHOW\tPITFALLS\tTAGS\tALIASES",
        "name;description;use-when;how it works;caveats;category;synonyms",
        "Word,Meaning,When to use,Method,Gotchas,Labels,Also known as",
        "Concept,Summary,Usage,Approach,Risks,Tag,AKA",
    ],
)
def test_header_variants_fill_the_same_fields(header: str) -> None:
    delimiter = "\t" if "\t" in header else ";" if ";" in header else ","
    cells = ["Write-Ahead Log", "A log written first.", "Durability.", "Append, then apply."]
    cells += ["Grows without checkpoints.", "storage, recovery", "WAL"]
    n = len(header.split(delimiter))
    row = io.StringIO()
    csv.writer(row, delimiter=delimiter).writerow(cells[:n])
    text = f"{header}\n{row.getvalue()}"
    assert READER.detect(text)
    [entry], problems = READER.parse(text, "t.csv")
    assert problems == []
    assert entry.title == "Write-Ahead Log"
    assert entry.section("What") == "A log written first."
    if n == 7:
        assert [s.name for s in entry.sections] == ["What", "Use When", "How", "Pitfalls"]
        assert entry.tags == ("storage", "recovery")
        assert entry.aliases == ("WAL",)


@pytest.mark.parametrize(
    ("cell", "key"), [("Use_When", "use when"), (" use-when ", "use when"), ("HOW", "how")]
)
def test_header_key(cell: str, key: str) -> None:
    assert header_key(cell) == key


@pytest.mark.parametrize(
    "text",
    [
        "term,tags\nA,b\n",  # no definition column
        "Tag: Databases\n- IndexAn index is a lookup structure.\n",
        "Term, definition and usage are explained below.\n",
        "",
    ],
)
def test_not_a_table(text: str) -> None:
    assert not READER.detect(text)


def test_a_quoted_cell_spans_lines_and_the_next_row_has_its_own_line() -> None:
    text = (
        'term,definition,example\nJoin,"Combines rows.\n\nTwo lines.","SELECT *\nFROM a"\n'
        "View,A stored query.\n"
    )
    first, second = READER.parse(text, "t.csv")[0]
    assert first.section("What") == "Combines rows.\n\nTwo lines."
    assert first.section("example") == "SELECT *\nFROM a"
    assert (first.ref.line, second.ref.line) == (2, 6)


def test_blank_lines_before_the_header_and_between_rows_keep_line_numbers() -> None:
    text = "\n\nterm,definition\n\nA,first\n,,\nB,second\n"
    entries, problems = READER.parse(text, "t.csv")
    assert [(e.title, e.ref.line) for e in entries] == [("A", 5), ("B", 7)]
    assert problems == []


def test_aliases_split_on_semicolons_bars_or_else_commas() -> None:
    text = 'term,definition,aliases\nA,a,"X; Y, Z"\nB,b,"P, Q"\n'
    a, b = READER.parse(text, "t.csv")[0]
    assert (a.aliases, b.aliases) == (("X", "Y, Z"), ("P", "Q"))


def test_the_registry_reads_tables_and_keeps_reading_the_seeds_as_before() -> None:
    source = SourceFile("t.tsv", "term\tdefinition\nA\tan a\n")
    entries, _ = read_source(source)
    assert [e.title for e in entries] == ["A"]
    for path in sorted(SOURCES.iterdir()):
        text = path.read_text(encoding="utf-8")
        assert not READER.detect(text), path.name
    assert "table" in [r.name for r in READERS]

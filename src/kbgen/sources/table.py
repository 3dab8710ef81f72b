"""Reader for spreadsheet glossaries: CSV or TSV with a header row naming the columns.

The header names a term column and a definition column, and optionally ``use_when``,
``how``, ``pitfalls``, ``tags`` and ``aliases``; each in several spellings, case, ``_``,
``-`` and spaces ignored (``Term``, ``name``; ``definition``, ``what``, ``description``;
``Use When``, ``use-when``; ``also known as``…). Any other column becomes a section of
that name, so no cell is lost. A cell may span lines when quoted, as spreadsheets write it.
"""

from __future__ import annotations

import csv
import io
import re

from kbgen.exceptions import Problem
from kbgen.records import Entry, Section, SourceRef
from kbgen.slugs import slugify

_VARIANTS = {
    "term": "term|name|title|topic|word|concept|entry|keyword|glossary term",
    "What": "definition|what|description|meaning|summary|explanation|what it is|defn",
    "Use When": "use when|when to use|when|usage|use|use cases|use case|applies when",
    "How": "how|how it works|how to|method|approach",
    "Pitfalls": "pitfalls|pitfall|caveats|caveat|gotchas|gotcha|warnings|risks|watch out",
    "tags": "tags|tag|category|categories|labels|label",
    "aliases": "aliases|alias|synonyms|synonym|also known as|aka|other names|abbreviation|acronym",
}
COLUMNS: dict[str, str] = {
    variant: field for field, variants in _VARIANTS.items() for variant in variants.split("|")
}
"""Normalised header cell → the field it fills (``term``, a section name, ``tags``, ``aliases``)."""

_SPLIT_TAGS = re.compile(r"[,;|]")
_SPLIT_ALIASES = re.compile(r"[;|]")


def header_key(cell: str) -> str:
    """A header cell without case, spaces or punctuation: ``Use_When`` → ``use when``."""
    return " ".join(re.findall(r"[^\W_]+", cell.lower()))


def _delimiter(line: str) -> str:
    """Tab for TSV, else comma, else semicolon (spreadsheets of some locales)."""
    for delimiter in "\t,;":
        if delimiter in line:
            return delimiter
    return ","


def _first_line(text: str) -> str:
    return next((line for line in text.split("\n") if line.strip()), "")


def _header_fields(line: str, delimiter: str) -> list[str]:
    try:
        cells = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # a stray carriage return: not a header (decoded sources have none)
        return []
    return [COLUMNS.get(header_key(c), "") for c in cells]


def _section_name(cell: str, index: int) -> str:
    """A column's own name as a section heading: one line, no Markdown heading marks."""
    name = " ".join(cell.replace("#", " ").split())
    return name or f"Column {index + 1}"


class TableReader:
    """Reads CSV and TSV glossaries with a header row."""

    name = "table"

    def detect(self, text: str) -> bool:
        """The first line is a header with a term column and a definition column."""
        line = _first_line(text)
        fields = _header_fields(line, _delimiter(line))
        return "term" in fields and "What" in fields

    def parse(self, text: str, file: str) -> tuple[list[Entry], list[Problem]]:
        """Read every row after the header; each non-empty row is one entry."""
        start = text.index(_first_line(text))
        offset = text.count("\n", 0, start)
        delimiter = _delimiter(_first_line(text))
        reader = csv.reader(io.StringIO(text[start:]), delimiter=delimiter, strict=True)
        problems: list[Problem] = []
        entries: list[Entry] = []
        header: list[str] = []
        fields: list[str] = []
        line = offset + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                message = f"unreadable row: a quoted cell is not closed where it should be ({exc})"
                return [], [Problem(file, line, message)]
            if not header:
                header = row
                fields = _columns(row)
            elif any(cell.strip() for cell in row):
                entries.append(_entry(row, header, fields, SourceRef(file, line), problems))
            line = offset + reader.line_num + 1
        return entries, problems


def _columns(header: list[str]) -> list[str]:
    """The field of each column; a second column for one field, or an unknown one, is a
    section named after its header cell."""
    fields: list[str] = []
    for index, cell in enumerate(header):
        field = COLUMNS.get(header_key(cell), "")
        if not field or field in fields:
            field = f"section:{_section_name(cell, index)}"
        fields.append(field)
    return fields


def _entry(
    row: list[str], header: list[str], fields: list[str], ref: SourceRef, problems: list[Problem]
) -> Entry:
    cells = [cell.strip() for cell in row]
    values: dict[str, str] = {}
    for field, cell in zip(fields, cells, strict=False):
        if cell:
            # Two columns of one name make one section: neither cell is lost.
            values[field] = f"{values[field]}\n\n{cell}" if field in values else cell
    if len(cells) > len(header):
        extra = [c for c in cells[len(header) :] if c]
        message = f"{len(cells)} cells, the header names {len(header)}; extra cells kept"
        problems.append(Problem(ref.file, ref.line, message, "warning"))
        if extra:
            values["section:Extra cells"] = "\n\n".join(extra)
    title = " ".join(values.get("term", "").split())
    if not title:
        problems.append(Problem(ref.file, ref.line, "no term: named by its line", "warning"))
        title = f"Untitled entry at line {ref.line}"
    what = values.get("What", "")
    if not what:
        message = "no definition: the term is its own description"
        problems.append(Problem(ref.file, ref.line, message, "warning"))
    sections = [Section("What", what or title)]
    sections += [Section(k, values[k]) for k in ("Use When", "How", "Pitfalls") if k in values]
    sections += [Section(f[8:], v) for f, v in values.items() if f.startswith("section:")]
    named: dict[str, str] = {}
    for part in _SPLIT_TAGS.split(values.get("tags", "")):
        if tag := slugify(part):
            named.setdefault(tag, " ".join(part.split()))
    raw = values.get("aliases", "")
    parts = _SPLIT_ALIASES.split(raw) if _SPLIT_ALIASES.search(raw) else raw.split(",")
    aliases = tuple(dict.fromkeys(a for p in parts if (a := " ".join(p.split()))))
    return Entry(title, ref, tuple(sections), tuple(named), tuple(named.items()), aliases=aliases)

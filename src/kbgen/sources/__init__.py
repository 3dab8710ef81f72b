"""Source readers: one class per glossary format, detected from content.

Each reader has ``name``, ``detect(text)`` and ``parse(text, file)``; ``parse`` returns the
entries it read and the problems it found, and never raises. A new glossary format is one
new class added to :data:`READERS`.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kbgen import progress
from kbgen.exceptions import Problem
from kbgen.records import MAX_NAME_LENGTH, Entry
from kbgen.sources.account import Account
from kbgen.sources.deflist import DefinitionListReader
from kbgen.sources.guide import GuideReader
from kbgen.sources.notes import NotesReader
from kbgen.sources.table import TableReader
from kbgen.sources.tagged import TaggedListReader


class Reader(Protocol):
    """What every glossary format reader provides."""

    name: str

    def detect(self, text: str) -> bool:
        """Tell whether ``text`` is in this reader's format."""

    def parse(self, text: str, file: str) -> tuple[list[Entry], list[Problem]]:
        """Read every entry of ``text``; ``file`` names it in refs and problems."""


READERS: tuple[Reader, ...] = (
    TaggedListReader(),
    NotesReader(),
    TableReader(),
    DefinitionListReader(),
    GuideReader(),
)
"""Tried in order; the first whose ``detect`` accepts a file reads it. Definition lists
come before guides, which accept any Markdown with headings."""

# Invisible characters that would make equal titles differ, or reorder text on screen
# ("Trojan Source"): zero-width and bidi controls, and C0/C1 controls but tab and newline.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Unicode line and paragraph separators: no reader splits lines at them, so within a line
# they are spaces (YAML would otherwise read them as line breaks).
_SEPARATORS = re.compile("[\x85\u2028\u2029]")


@dataclass(frozen=True)
class SourceFile:
    """One source file's text, decoded and normalised."""

    name: str
    """File name relative to the sources folder."""
    text: str
    """NFC text with ``\\n`` line endings, without BOM, invisible or control characters."""


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def decode(data: bytes, name: str) -> tuple[SourceFile, list[Problem]]:
    """Decode UTF-8 source bytes; undecodable bytes become U+FFFD with a warning."""
    problems = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(
            Problem(name, line, "not valid UTF-8; undecodable bytes replaced by U+FFFD", "warning")
        )
        text = data.decode("utf-8-sig", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if found := _INVISIBLE.search(text):
        count = len(_INVISIBLE.findall(text))
        message = f"{count} invisible or control character(s) removed (first U+{ord(found[0]):04X})"
        problems.append(Problem(name, _line_of(text, found.start()), message, "warning"))
    text = _SEPARATORS.sub(" ", _INVISIBLE.sub("", text))
    return SourceFile(name, unicodedata.normalize("NFC", text)), problems


def cut_name(name: str) -> str:
    """``name`` cut to :data:`MAX_NAME_LENGTH` characters, at a space when there is one."""
    if len(name) <= MAX_NAME_LENGTH:
        return name
    head = name[: MAX_NAME_LENGTH - 1]
    space = head.rfind(" ")
    return (head[:space] if space > MAX_NAME_LENGTH // 2 else head).rstrip() + "…"


def _cut_names(entries: list[Entry], file: str) -> tuple[list[Entry], list[Problem]]:
    """Entries whose title or names are too long to be names, cut, with a warning each."""
    out, problems = [], []
    for entry in entries:
        if len(entry.title) > MAX_NAME_LENGTH or any(len(n) > MAX_NAME_LENGTH for n in entry.names):
            message = f"title cut to {MAX_NAME_LENGTH} characters (a name is at most that long)"
            problems.append(Problem(file, entry.ref.line, message, "warning"))
            names = tuple(cut_name(n) for n in entry.names)
            entry = dataclasses.replace(entry, title=cut_name(entry.title), names=names)
        out.append(entry)
    return out, problems


def read_source(source: SourceFile) -> tuple[list[Entry], list[Problem]]:
    """Parse one file with the first reader that recognises it."""
    for reader in READERS:
        if reader.detect(source.text):
            entries, problems = reader.parse(source.text, source.name)
            entries, cut = _cut_names(entries, source.name)
            return entries, problems + cut
    return [], [
        Problem(
            source.name,
            1,
            "unrecognised glossary format (expected a tagged list, practitioner notes, "
            "a CSV/TSV table with a term and a definition column, a definition list "
            "or a long-form guide)",
        )
    ]


def _bad_name(name: str) -> str:
    """Why a file name cannot name a source in topic files, or ``""``."""
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in name):
        return "a control character or line break"
    if "-->" in name:
        return "`-->`, which would end the source markers in topic files"
    return ""


def read_sources(directory: Path) -> tuple[list[Entry], list[Problem]]:
    """Read every file under ``directory`` (sorted, so the result does not depend on the OS).

    Hidden files and folders (``.name``) are skipped, as editors and tools keep theirs there.
    """
    entries: list[Entry] = []
    problems: list[Problem] = []
    paths = sorted(p for p in directory.rglob("*") if p.is_file())
    bar = progress.task("Reading sources", len(paths))
    for path in paths:
        bar.advance()
        name = path.relative_to(directory).as_posix()
        if name.startswith(".") or "/." in name:
            continue
        if reason := _bad_name(name):
            problems.append(Problem(repr(name), 0, f"rename this file: its name holds {reason}"))
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(name, 0, f"cannot read: {exc.strerror or exc}"))
            continue
        source, found = decode(data, name)
        problems += found
        read, found = read_source(source)
        entries += read
        problems += found
    return entries, problems


def source_accounts(directory: Path) -> list[Account]:
    """Where every line of each guide and notes file under ``directory`` went, by file.

    Tagged lists, tables and definition lists warn about each line they do not read.
    """
    accounts = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = path.relative_to(directory).as_posix()
        if name.startswith(".") or "/." in name or _bad_name(name):
            continue
        try:
            source, _ = decode(path.read_bytes(), name)
        except OSError:
            continue
        reader = next((r for r in READERS if r.detect(source.text)), None)
        if isinstance(reader, (GuideReader, NotesReader)):
            accounts.append(reader.read(source.text, name)[2])
    return accounts

"""Blocks of a long-form guide's technique: its lines, bold labels and sections.

A :class:`Draft` collects a technique's text as ``(section, chunk)`` pieces, split at
bold labels, and turns it into an :class:`~kbgen.records.Entry`
(:mod:`kbgen.sources.guide` reads the outline that feeds it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kbgen.exceptions import Problem
from kbgen.records import Entry, Section, SourceRef
from kbgen.sources.guide_titles import KNOWN_SECTIONS, clean_title, names_technique, section_name

__all__ = ["BREAK", "FENCE", "HEADING", "PAGE_TAG", "Draft", "Line", "label_of"]

PAGE_TAG = "overview"
"""The tag of the pages that hold a guide's cross-technique material."""

HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
BREAK = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|=+[ \t]*)$")
_NOT_PROSE = re.compile(r"\s*(?:[>*+-]\s|\d+[.)]\s|[|<])")
_LABEL = re.compile(
    r"^ {0,3}\*\*(?P<a>[^*]+?):\*\*[ \t]*(?P<rest_a>.*)$"
    r"|^ {0,3}\*\*(?P<b>[^*]+?)\*\*[ \t]*(?P<paren>\([^()]*\))?[ \t]*:[ \t]*(?P<rest_b>.*)$"
)


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    code: bool
    """Inside a fenced code block, fence lines included."""


def label_of(line: Line) -> tuple[str, str] | None:
    """The label and the text after it, for a line opening a labelled block."""
    m = None if line.code else _LABEL.match(line.text)
    if m is None:
        return None
    name = m.group("a") or f"{m.group('b')} {m.group('paren') or ''}"
    name, rest = " ".join(name.split()), (m.group("rest_a") or m.group("rest_b") or "").strip()
    if not name or name[0].isdigit() or re.search(r"[;,!?]", name) or len(name.split()) > 6:
        return None
    return name, rest


def _chunks(lines: list[Line]) -> list[list[Line]]:
    """Paragraphs, lists, tables and fences: runs split at blank lines and fence edges."""
    chunks: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        blank = not line.code and (not line.text.strip() or BREAK.match(line.text) is not None)
        if blank or (current and current[-1].code != line.code):
            if current:
                chunks.append(current)
            current = []
        if not blank:
            current.append(line)
    if current:
        chunks.append(current)
    return chunks


def _render(chunk: list[Line]) -> str:
    """A chunk's text; trailing spaces go only on its last line, where they break nothing."""
    # Text after a label starts a line of its own, where ``# x`` would be a heading.
    texts = [
        line.text if line.code or not HEADING.match(line.text) else line.text.replace("#", "\\#", 1)
        for line in chunk
    ]
    if not chunk[-1].code:
        texts[-1] = texts[-1].rstrip()
    return "\n".join(texts)


def _language(fence: Line) -> str:
    m = FENCE.match(fence.text)
    return m.group(2).strip() if m else ""


def _is_prose(chunk: list[Line]) -> bool:
    """Whether a chunk is a plain paragraph of a few words (not a list, table, label or code)."""
    return (
        not chunk[0].code
        and not chunk[0].text.lstrip().startswith("**")
        and len(" ".join(line.text for line in chunk).split()) >= 3
        and not any(line.text.startswith("    ") or _NOT_PROSE.match(line.text) for line in chunk)
    )


@dataclass
class Draft:
    """A technique being read: its pieces are (section, chunk) in source order."""

    title: str
    line: int
    pieces: list[tuple[str, list[Line]]] = field(default_factory=list)
    has_children: bool = False
    path: tuple[str, ...] = ()
    """The entry's area, then the grouping headings between it and the entry."""
    parts: list[Draft] = field(default_factory=list)
    """Sub-techniques its intro names in bold labels (``**LoRA (Low-Rank Adaptation):**``)."""
    page: bool = False
    """Cross-technique material (a comparison table, pitfalls), not one technique."""
    label: bool = False
    """Started by a bold label naming a technique, in another technique's text."""
    labels: list[int] = field(default_factory=list)
    """Lines of the labels read as section names."""

    def add(self, lines: list[Line], default: str | None) -> None:
        """Add text split at labels; ``default`` names unlabelled text, None for the intro.

        In the intro, a label naming a technique by a name and its acronym starts a part
        of its own, up to the next such label or a label of a known section.
        """
        if default is None:
            lines = self._split_parts(lines)
        blocks: list[tuple[str | None, bool, list[Line]]] = [(default, False, [])]
        for line in lines:
            label = label_of(line)
            name = section_name(label[0]) if label else ""
            if label and (default is None or name in KNOWN_SECTIONS):
                self.labels.append(line.number)
                rest = [Line(line.number, label[1], False)] if label[1] else []
                blocks.append((name, True, rest))
            else:
                blocks[-1][2].append(line)
        for section, labelled, body in blocks:
            for index, chunk in enumerate(_chunks(body)):
                if section is None:
                    target = "How" if chunk[0].code else "What"
                elif labelled and index > 0 and chunk[0].code and _language(chunk[0]):
                    # Code after a block's own text illustrates the technique, not the label
                    # (a python snippet after ``**Key Features:**`` and its list).
                    target = section if section in ("How", "Example") else "How"
                else:
                    target = section
                self.pieces.append((target, chunk))

    def _split_parts(self, lines: list[Line]) -> list[Line]:
        """The lines that stay this draft's; the others go to new :attr:`parts`."""
        own: list[Line] = []
        part: Draft | None = None
        path = self.path if self.title in self.path else (*self.path, self.title)
        part_lines: dict[int, list[Line]] = {}
        for line in lines:
            label = label_of(line)
            if label and names_technique(label[0]):
                part = Draft(clean_title(label[0]), line.number, path=path, label=True)
                self.parts.append(part)
                rest = [Line(line.number, label[1], False)] if label[1] else []
                part_lines[id(part)] = rest
                continue
            if label and section_name(label[0]) in KNOWN_SECTIONS:
                part = None
            (part_lines[id(part)] if part else own).append(line)
        for part in self.parts:
            part.add(part_lines.get(id(part), []), None)
        return own

    def entry(self, file: str, problems: list[Problem]) -> Entry | None:
        """The finished entry, or None for a heading that only groups techniques."""
        pieces = self.pieces
        if self.parts and all(name != "What" for name, _ in pieces):
            # Text that is all parts: its What lists them, each on its label's line.
            listed = [Line(part.line, f"- {part.title}", False) for part in self.parts]
            pieces = [("What", listed), *pieces]
        if not pieces:
            if self.has_children:
                return None
            message = f"`{self.title}` has no text; its What is its title"
            problems.append(Problem(file, self.line, message, "warning"))
            pieces = [("What", [Line(self.line, self.title, False)])]
        elif all(name != "What" for name, _ in pieces):
            # Copy a paragraph, so that the section it opens still reads whole; move any
            # other block, so that it is not shown twice.
            prose = next((chunk for _, chunk in pieces if _is_prose(chunk)), None)
            first = pieces[0][0]
            if prose is not None:
                pieces = [("What", prose), *pieces]
            elif first in KNOWN_SECTIONS:
                pieces = [("What", pieces[0][1]), *pieces[1:]]
            else:
                # A block under a label of its own moves whole, its label kept as a bold line.
                label = [Line(self.line, f"**{first}**", False)]
                moved = [("What", chunk) for name, chunk in pieces if name == first]
                pieces = [("What", label), *moved, *(p for p in pieces if p[0] != first)]
        bodies: dict[str, list[str]] = {}
        for name, chunk in pieces:
            bodies.setdefault(name, []).append(_render(chunk))
        sections = tuple(Section(name, "\n\n".join(texts)) for name, texts in bodies.items())
        ref = SourceRef(file, self.line)
        area, *groups = self.path or ("",)
        tags = (PAGE_TAG,) if self.page else ()
        return Entry(
            self.title, ref, sections, tags=tags, area=area, groups=tuple(groups), label=self.label
        )

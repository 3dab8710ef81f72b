"""Reader for long-form guides: Markdown whose ``#`` headings introduce technique sections.

Headings are read as an outline (lines inside fenced code never count as headings; an
unclosed fence runs to the end of the file, with a warning). Each heading is then one of:

* **technique** – becomes an :class:`~kbgen.records.Entry` titled by :func:`clean_title`,
  provided it has text of its own (before its first sub-heading, or in generic
  sub-headings). A technique heading with only technique children is a grouping
  (``## 🎯 Constitutional AI and RLHF``); one with no content at all still becomes an
  entry, whose What is its title, with a warning. A bold line standing alone and followed
  by its own ``**What It Is**:`` block (``**Supervised Learning (Labeled Data)**``) starts a
  technique too.
* **generic** – every word of its title is generic (``Overview``, ``Mathematical
  Formulation``, ``Best Practices``) or taken from the enclosing technique's title
  (``Quantization Levels`` under ``Model Quantization``); only the part before a colon
  counts (``Practical Example: Quantize Llama 2``). It belongs to the enclosing technique:
  its whole subtree becomes one section named by :func:`section_name`, sub-headings turned
  into bold lines. A generic heading naming a collection (``Key Models``, ``Training
  Techniques``, ``Advanced RAG Techniques``) is a grouping instead: its children are
  techniques. A generic heading outside any technique (a document-level ``Overview``) is
  dropped.
* **division** – the document title (a lone ``#`` heading that comes first) and ``Part N:``
  or ``Chapter N`` headings. They group their children; their own text (front matter, a
  comparison diagram or table) is dropped, as is any text before the first heading.
* **navigation** – titles matching :data:`NAVIGATION`: table of contents, executive
  summary, interview questions, tools & frameworks, key papers, references & further
  learning, next steps, decision trees and guides, comparison tables, selection matrices,
  quick-reference and terminology tables, real-world examples, common pitfalls, summary
  trees, inventories, "when to use", use-case recipes, future trends. They are dropped with
  everything under them. Inside a technique, a generic title wins over navigation, so
  ``### When to Use Each Method`` under ``## Model Quantization`` is that topic's Use When.

In ``llm-learning-techniques-reference.md`` this drops the Executive Summary and Parts 2, 6,
7, 8, 9, 10, 12, 13, 14, 15 and 17, ``3.3 Fine-Tuning Comparison Table``, ``4.4 Comparison:
RLHF vs. DPO vs. IPO``, Quick Decision Guide and References & Further Learning; in
``modern-ml-techniques-2024-2025.md`` the Table of Contents, Key Papers Reference, Practical
Tools & Frameworks, Interview Questions and Next Steps.

Within a technique, bold labels (``**What It Is**:``, ``**Reference:** …``) split the text
into blocks, mapped to sections by :func:`section_name`; several blocks of one section are
joined in source order. Labels that are sentences (with ``;,!?`` or over six words), start
with a number (steps) or stand alone without a colon stay text; labels with nothing under them
(``**Techniques**:`` before sub-headings) are dropped. Inside a generic sub-heading only
labels naming a known section split. Unlabelled text before the first label is What, except
fenced blocks, which are How; so is a fence with a language (```` ```python ````) that follows
other text of a labelled block. In a technique's own text, a bold label naming a technique
with its acronym (``**LoRA (Low-Rank Adaptation):**`` inside PEFT) starts an entry of its own
at the label's line, up to the next such label or a label of a known section; a technique
whose text is all such parts gets their list as its What. An entry without What
text gets a copy of its first prose paragraph, or else its first block moves there (a block
under a label of its own moves whole, the label kept as a bold line). Entries come in source
order, a technique before its children, with ``tags=()`` and ``names=()``; each entry's
``area`` is the title of the top-level part it is in (a ``##`` heading under the document
title; of ``Part 3: Fine-Tuning Techniques``, ``Fine-Tuning Techniques``) and its
``groups`` the titles of the headings between that part and the entry (a grouping such as
``### 11.19 Regularization Techniques``, or the technique the entry is a sub-technique of),
which ``kbgen.yml`` maps to tags like the area. Tables, code fences and indented diagrams
are kept verbatim; thematic breaks are dropped, blank-line runs collapse to one, and
trailing spaces go only where they end a paragraph. Setext headings are not recognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum, auto

from kbgen.exceptions import Problem
from kbgen.records import Entry, Section, SourceRef
from kbgen.sources.guide_titles import (
    COLLECTIONS,
    GENERIC,
    KNOWN_SECTIONS,
    NAVIGATION,
    SMALL_WORDS,
    clean_title,
    is_emoji,
    names_technique,
    section_name,
)

__all__ = ["GuideReader", "clean_title", "section_name"]

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_BREAK = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|=+[ \t]*)$")
_LABEL = re.compile(
    r"^ {0,3}\*\*(?P<a>[^*]+?):\*\*[ \t]*(?P<rest_a>.*)$"
    r"|^ {0,3}\*\*(?P<b>[^*]+?)\*\*[ \t]*(?P<paren>\([^()]*\))?[ \t]*:[ \t]*(?P<rest_b>.*)$"
)
_NOT_PROSE = re.compile(r"\s*(?:[>*+-]\s|\d+[.)]\s|[|<])")
_BOLD_LINE = re.compile(r"^\*\*([^*]+)\*\*\s*$")
_DIVISION = re.compile(r"^(?i:part|chapter)\s+(?:\d+|[IVXLC]+)\b\s*[:.\-–—]?\s*(.*)$")


@dataclass(frozen=True)
class _Line:
    number: int
    text: str
    code: bool
    """Inside a fenced code block, fence lines included."""


@dataclass
class _Node:
    title: str
    """Heading text as written, without the ``#`` marks."""
    line: int
    level: int
    body: list[_Line] = field(default_factory=list)
    """Lines before the first child heading."""
    children: list[_Node] = field(default_factory=list)
    pseudo: bool = False
    """Started by a bold line rather than a heading: always a technique."""


class _Kind(Enum):
    TECHNIQUE = auto()
    SECTION = auto()
    GROUP = auto()
    DIVISION = auto()
    SKIP = auto()


def _scan(text: str, file: str, problems: list[Problem]) -> list[_Line]:
    """Split ``text`` into lines, marking fenced code; an unclosed fence is closed at the end."""
    lines: list[_Line] = []
    fence: tuple[str, int] | None = None  # the opening marker and its line
    raws = text.split("\n")
    if raws[-1] == "":
        raws.pop()  # the end of the last line, not a line
    for number, raw in enumerate(raws, start=1):
        m = _FENCE.match(raw)
        marker, info = (m.group(1), m.group(2)) if m else ("", "")
        if fence is None:
            opens = bool(marker) and not (marker[0] == "`" and "`" in info)
            if opens:
                fence = (marker, number)
            lines.append(_Line(number, raw, opens))
        else:
            lines.append(_Line(number, raw, True))
            if marker[:1] == fence[0][0] and len(marker) >= len(fence[0]) and not info.strip():
                fence = None
    if fence is not None:
        message = "code fence is never closed; it runs to the end of the file"
        problems.append(Problem(file, fence[1], message, "warning"))
        lines.append(_Line(len(lines) + 1, fence[0], True))
    return lines


def _outline(lines: list[_Line], file: str, problems: list[Problem]) -> _Node:
    """Build the heading tree; the root holds the text before the first heading."""
    root = _Node("", 0, 0)
    stack = [root]
    for line in lines:
        m = None if line.code else _HEADING.match(line.text)
        if m is None:
            stack[-1].body.append(line)
            continue
        raw = _CLOSING_HASHES.sub("", m.group(2) or "")
        if not clean_title(raw):
            problems.append(
                Problem(file, line.number, "heading without a title ignored", "warning")
            )
            continue
        node = _Node(raw, line.number, len(m.group(1)))
        while stack[-1].level >= node.level:
            stack.pop()
        stack[-1].children.append(node)
        stack.append(node)
    _split_bold_titles(root)
    return root


def _split_bold_titles(node: _Node) -> None:
    """Turn bold lines followed by their own ``**What It Is**`` block into techniques."""
    for child in node.children:
        _split_bold_titles(child)
    starts = [i for i in range(len(node.body)) if _opens_technique(node.body, i)]
    if not starts:
        return
    ends = [*starts[1:], len(node.body)]
    node.children[:0] = [
        _Node(body[i].text.strip(), body[i].number, node.level + 1, body[i + 1 : j], pseudo=True)
        for body in [node.body]
        for i, j in zip(starts, ends, strict=True)
    ]
    node.body = node.body[: starts[0]]


def _opens_technique(body: list[_Line], index: int) -> bool:
    line = body[index]
    if line.code or not _BOLD_LINE.match(line.text) or not clean_title(line.text):
        return False
    following = next((body[i] for i in range(index + 1, len(body)) if body[i].text.strip()), None)
    label = _label(following) if following else None
    return label is not None and label[0].lower().startswith("what")


def _label(line: _Line) -> tuple[str, str] | None:
    """The label and the text after it, for a line opening a labelled block."""
    m = None if line.code else _LABEL.match(line.text)
    if m is None:
        return None
    name = m.group("a") or f"{m.group('b')} {m.group('paren') or ''}"
    name, rest = " ".join(name.split()), (m.group("rest_a") or m.group("rest_b") or "").strip()
    if not name or name[0].isdigit() or re.search(r"[;,!?]", name) or len(name.split()) > 6:
        return None
    return name, rest


def _words(title: str) -> list[str]:
    return [w.rstrip(".") for w in re.findall(r"[a-z0-9][\w'’+.-]*", title.lower())]


def _kind(title: str, owner: str | None) -> _Kind:
    """Classify a heading by its cleaned title and the enclosing technique's title."""
    division = _DIVISION.match(title)
    if division is not None:
        return _Kind.SKIP if NAVIGATION.search(division.group(1).lower()) else _Kind.DIVISION
    owned = set(_words(owner or ""))
    owned |= {part for w in owned for part in w.split("-")}
    words = [w for w in _words(title.split(":")[0]) if not re.fullmatch(r"[\d.–-]+", w)]
    allowed = GENERIC | SMALL_WORDS | owned
    generic = any(w in GENERIC for w in words) and all(w in allowed for w in words)
    collection = generic and any(w in COLLECTIONS for w in words)
    if owner is not None and generic:
        return _Kind.GROUP if collection else _Kind.SECTION
    if NAVIGATION.search(title.lower()):
        return _Kind.SKIP
    if generic:
        return _Kind.GROUP if collection else _Kind.SKIP
    return _Kind.TECHNIQUE


def _chunks(lines: list[_Line]) -> list[list[_Line]]:
    """Paragraphs, lists, tables and fences: runs split at blank lines and fence edges."""
    chunks: list[list[_Line]] = []
    current: list[_Line] = []
    for line in lines:
        blank = not line.code and (not line.text.strip() or _BREAK.match(line.text) is not None)
        if blank or (current and current[-1].code != line.code):
            if current:
                chunks.append(current)
            current = []
        if not blank:
            current.append(line)
    if current:
        chunks.append(current)
    return chunks


def _render(chunk: list[_Line]) -> str:
    """A chunk's text; trailing spaces go only on its last line, where they break nothing."""
    # Text after a label starts a line of its own, where ``# x`` would be a heading.
    texts = [
        line.text
        if line.code or not _HEADING.match(line.text)
        else line.text.replace("#", "\\#", 1)
        for line in chunk
    ]
    if not chunk[-1].code:
        texts[-1] = texts[-1].rstrip()
    return "\n".join(texts)


def _language(fence: _Line) -> str:
    m = _FENCE.match(fence.text)
    return m.group(2).strip() if m else ""


def _is_prose(chunk: list[_Line]) -> bool:
    """Whether a chunk is a plain paragraph of a few words (not a list, table, label or code)."""
    return (
        not chunk[0].code
        and not chunk[0].text.lstrip().startswith("**")
        and len(" ".join(line.text for line in chunk).split()) >= 3
        and not any(line.text.startswith("    ") or _NOT_PROSE.match(line.text) for line in chunk)
    )


@dataclass
class _Draft:
    """A technique being read: its pieces are (section, chunk) in source order."""

    title: str
    line: int
    pieces: list[tuple[str, list[_Line]]] = field(default_factory=list)
    has_children: bool = False
    path: tuple[str, ...] = ()
    """The entry's area, then the grouping headings between it and the entry."""
    parts: list[_Draft] = field(default_factory=list)
    """Sub-techniques its intro names in bold labels (``**LoRA (Low-Rank Adaptation):**``)."""

    def add(self, lines: list[_Line], default: str | None) -> None:
        """Add text split at labels; ``default`` names unlabelled text, None for the intro.

        In the intro, a label naming a technique by a name and its acronym starts a part
        of its own, up to the next such label or a label of a known section.
        """
        if default is None:
            lines = self._split_parts(lines)
        blocks: list[tuple[str | None, bool, list[_Line]]] = [(default, False, [])]
        for line in lines:
            label = _label(line)
            name = section_name(label[0]) if label else ""
            if label and (default is None or name in KNOWN_SECTIONS):
                rest = [_Line(line.number, label[1], False)] if label[1] else []
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

    def _split_parts(self, lines: list[_Line]) -> list[_Line]:
        """The lines that stay this draft's; the others go to new :attr:`parts`."""
        own: list[_Line] = []
        part: _Draft | None = None
        path = self.path if self.title in self.path else (*self.path, self.title)
        part_lines: dict[int, list[_Line]] = {}
        for line in lines:
            label = _label(line)
            if label and names_technique(label[0]):
                part = _Draft(clean_title(label[0]), line.number, path=path)
                self.parts.append(part)
                rest = [_Line(line.number, label[1], False)] if label[1] else []
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
            listed = [_Line(part.line, f"- {part.title}", False) for part in self.parts]
            pieces = [("What", listed), *pieces]
        if not pieces:
            if self.has_children:
                return None
            message = f"`{self.title}` has no text; its What is its title"
            problems.append(Problem(file, self.line, message, "warning"))
            pieces = [("What", [_Line(self.line, self.title, False)])]
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
                label = [_Line(self.line, f"**{first}**", False)]
                moved = [("What", chunk) for name, chunk in pieces if name == first]
                pieces = [("What", label), *moved, *(p for p in pieces if p[0] != first)]
        bodies: dict[str, list[str]] = {}
        for name, chunk in pieces:
            bodies.setdefault(name, []).append(_render(chunk))
        sections = tuple(Section(name, "\n\n".join(texts)) for name, texts in bodies.items())
        ref = SourceRef(file, self.line)
        area, *groups = self.path or ("",)
        return Entry(self.title, ref, sections, area=area, groups=tuple(groups))


def _demoted(node: _Node) -> list[_Line]:
    """A node's text with every sub-heading turned into a bold line."""
    lines = list(node.body)
    for child in node.children:
        title = " ".join("".join(c for c in child.title if not is_emoji(c)).split())
        title = title.replace("**", "").replace("__", "").strip().rstrip(":")
        blank = _Line(child.line, "", False)
        lines += [blank, _Line(child.line, f"**{title}**", False), blank, *_demoted(child)]
    return lines


class GuideReader:
    """Reads the long-form guide format."""

    name = "long-form-guide"

    def detect(self, text: str) -> bool:
        """Guides have several ``#`` headings and no ``[What]``-labelled bullets."""
        if re.search(r"^- .+\n\s+\[(?:What|Use When|How|Pitfalls)\]", text, re.M):
            return False
        lines = _scan(text, "", [])
        headings = sum(1 for line in lines if not line.code and _HEADING.match(line.text))
        return headings >= 2

    def parse(self, text: str, file: str) -> tuple[list[Entry], list[Problem]]:
        """Read every technique heading of ``text`` with its sections."""
        problems: list[Problem] = []
        root = _outline(_scan(text, file, problems), file, problems)
        drafts: list[_Draft] = []
        top = root.children
        if len(top) == 1 and top[0].level == 1:
            # A lone first-level heading is the document title: its text is front matter.
            top = top[0].children
        _walk(top, None, drafts)
        drafts = [x for d in drafts for x in (d, *d.parts)]
        entries = [entry for d in drafts if (entry := d.entry(file, problems)) is not None]
        return entries, sorted(problems, key=lambda p: p.line)


def _area(title: str) -> str:
    """The subject area a heading names: ``Part 3: X`` names ``X``."""
    division = _DIVISION.match(title)
    return (division.group(1).strip() if division else "") or title


def _walk(
    nodes: list[_Node], owner: _Draft | None, drafts: list[_Draft], path: tuple[str, ...] = ()
) -> None:
    """Read ``nodes`` into ``drafts``; generic ones add sections to ``owner``.

    ``path`` holds the areas of the enclosing headings, outermost first; a top-level
    technique (``path`` empty) is its own area.
    """
    for node in nodes:
        title = clean_title(node.title)
        kind = _Kind.TECHNIQUE if node.pseudo else _kind(title, owner.title if owner else None)
        if kind is _Kind.SKIP:
            continue
        inner = (*path, _area(title))
        if kind is _Kind.SECTION:
            if owner is not None:
                owner.add(_demoted(node), section_name(title))
        elif kind is _Kind.GROUP:
            if owner is not None:
                owner.add(node.body, section_name(title))
            _walk(node.children, owner, drafts, inner)
        elif kind is _Kind.DIVISION:
            _walk(node.children, None, drafts, inner)
        else:
            here = path or inner
            draft = _Draft(title, node.line, has_children=bool(node.children), path=here)
            drafts.append(draft)
            draft.add(node.body, None)
            _walk(node.children, draft, drafts, inner)

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
  or ``Chapter N`` headings. They group their children; their own text (front matter, an
  introduction) is dropped, as is any text before the first heading; a division with
  text and no children (``Part 2: The Learning Hierarchy``) is a page like navigation.
* **navigation** – titles matching :data:`NAVIGATION`: table of contents, executive
  summary, interview questions, tools & frameworks, key papers, references & further
  learning, next steps, decision trees and guides, comparison tables, selection matrices,
  quick-reference and terminology tables, real-world examples, common pitfalls, summary
  trees, inventories, "when to use", use-case recipes, future trends. Outside a technique,
  such a part is the guides' cross-technique material: one entry of its own (tagged
  :data:`PAGE_TAG`), its sub-headings demoted, whose text links the topics it names; a
  table of contents or next steps only lead the reader on, and are dropped. Inside a
  technique it is a section of it; a generic title wins over navigation, so ``### When to
  Use Each Method`` under ``## Model Quantization`` is that topic's Use When.

:meth:`GuideReader.read` also returns an :class:`~kbgen.sources.account.Account` of
every line: in an entry, or in a part no entry holds (front matter, a division's
introduction, a table of contents), which the import report lists.

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
from kbgen.records import Entry
from kbgen.sources.account import Account
from kbgen.sources.guide_blocks import FENCE, HEADING, PAGE_TAG, Draft, Line, label_of
from kbgen.sources.guide_titles import (
    COLLECTIONS,
    GENERIC,
    NAVIGATION,
    SMALL_WORDS,
    clean_title,
    is_emoji,
    section_name,
)

__all__ = ["PAGE_TAG", "Account", "GuideReader", "clean_title", "section_name"]

_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_BOLD_LINE = re.compile(r"^\*\*([^*]+)\*\*\s*$")
_NAVIGATION_ONLY = re.compile(r"^(?:table of )?contents\b|\bnext steps\b")
"""Parts that only lead the reader on (a table of contents, next steps): dropped."""
_DIVISION = re.compile(r"^(?i:part|chapter)\s+(?:\d+|[IVXLC]+)\b\s*[:.\-–—]?\s*(.*)$")


@dataclass
class _Node:
    title: str
    """Heading text as written, without the ``#`` marks."""
    line: int
    level: int
    body: list[Line] = field(default_factory=list)
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


def _scan(text: str, file: str, problems: list[Problem]) -> list[Line]:
    """Split ``text`` into lines, marking fenced code; an unclosed fence is closed at the end."""
    lines: list[Line] = []
    fence: tuple[str, int] | None = None  # the opening marker and its line
    raws = text.split("\n")
    if raws[-1] == "":
        raws.pop()  # the end of the last line, not a line
    for number, raw in enumerate(raws, start=1):
        m = FENCE.match(raw)
        marker, info = (m.group(1), m.group(2)) if m else ("", "")
        if fence is None:
            opens = bool(marker) and not (marker[0] == "`" and "`" in info)
            if opens:
                fence = (marker, number)
            lines.append(Line(number, raw, opens))
        else:
            lines.append(Line(number, raw, True))
            if marker[:1] == fence[0][0] and len(marker) >= len(fence[0]) and not info.strip():
                fence = None
    if fence is not None:
        message = "code fence is never closed; it runs to the end of the file"
        problems.append(Problem(file, fence[1], message, "warning"))
        lines.append(Line(len(lines) + 1, fence[0], True))
    return lines


def _outline(lines: list[Line], file: str, problems: list[Problem]) -> _Node:
    """Build the heading tree; the root holds the text before the first heading."""
    root = _Node("", 0, 0)
    stack = [root]
    for line in lines:
        m = None if line.code else HEADING.match(line.text)
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


def _opens_technique(body: list[Line], index: int) -> bool:
    line = body[index]
    if line.code or not _BOLD_LINE.match(line.text) or not clean_title(line.text):
        return False
    following = next((body[i] for i in range(index + 1, len(body)) if body[i].text.strip()), None)
    label = label_of(following) if following else None
    return label is not None and label[0].lower().startswith("what")


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


def _demoted(node: _Node) -> list[Line]:
    """A node's text with every sub-heading turned into a bold line."""
    lines = list(node.body)
    for child in node.children:
        title = " ".join("".join(c for c in child.title if not is_emoji(c)).split())
        title = title.replace("**", "").replace("__", "").strip().rstrip(":")
        blank = Line(child.line, "", False)
        lines += [blank, Line(child.line, f"**{title}**", False), blank, *_demoted(child)]
    return lines


class GuideReader:
    """Reads the long-form guide format."""

    name = "long-form-guide"

    def detect(self, text: str) -> bool:
        """Guides have several ``#`` headings and no ``[What]``-labelled bullets."""
        if re.search(r"^- .+\n\s+\[(?:What|Use When|How|Pitfalls)\]", text, re.M):
            return False
        lines = _scan(text, "", [])
        headings = sum(1 for line in lines if not line.code and HEADING.match(line.text))
        return headings >= 2

    def parse(self, text: str, file: str) -> tuple[list[Entry], list[Problem]]:
        """Read every technique heading of ``text`` with its sections."""
        entries, problems, _ = self.read(text, file)
        return entries, problems

    def read(self, text: str, file: str) -> tuple[list[Entry], list[Problem], Account]:
        """:meth:`parse`, and where every line went (:class:`Account`)."""
        problems: list[Problem] = []
        lines = _scan(text, file, problems)
        root = _outline(lines, file, problems)
        account = Account(file)
        account.drop(_texts(root.body), "text before the first heading")
        drafts: list[Draft] = []
        top = root.children
        if len(top) == 1 and top[0].level == 1:
            # A lone first-level heading is the document title: its text is front matter.
            account.covered.add(top[0].line)
            account.drop(_texts(top[0].body), f"front matter of `{clean_title(top[0].title)}`")
            top = top[0].children
        _walk(top, None, drafts, account=account)
        drafts = [x for d in drafts for x in (d, *d.parts)]
        entries = [entry for d in drafts if (entry := d.entry(file, problems)) is not None]
        account.covered |= {line.number for d in drafts for _, c in d.pieces for line in c}
        account.covered |= {n for d in drafts for n in (d.line, *d.labels)}
        account.pages = [(d.line, d.title) for d in drafts if d.page]
        return entries, sorted(problems, key=lambda p: p.line), account


def _texts(lines: list[Line]) -> list[int]:
    """Numbers of the lines that hold text."""
    return [line.number for line in lines if line.text.strip()]


def _area(title: str) -> str:
    """The subject area a heading names: ``Part 3: X`` names ``X``."""
    division = _DIVISION.match(title)
    return (division.group(1).strip() if division else "") or title


def _walk(
    nodes: list[_Node],
    owner: Draft | None,
    drafts: list[Draft],
    path: tuple[str, ...] = (),
    account: Account | None = None,
) -> None:
    """Read ``nodes`` into ``drafts``; generic ones add sections to ``owner``.

    ``path`` holds the areas of the enclosing headings, outermost first; a top-level
    technique (``path`` empty) is its own area. ``account`` collects the dropped parts.
    """
    account = account or Account("")
    for node in nodes:
        title = clean_title(node.title)
        kind = _Kind.TECHNIQUE if node.pseudo else _kind(title, owner.title if owner else None)
        inner = (*path, _area(title))
        account.covered.add(node.line)
        if kind is _Kind.SKIP:
            if owner is not None:
                # Inside a technique, a navigation part (its Key Papers) is its section.
                owner.add(_demoted(node), section_name(title))
            elif _NAVIGATION_ONLY.search(title.lower()):
                account.drop(_texts(_demoted(node)), f"`{title}`: navigation, dropped")
            else:
                # Cross-technique material (a comparison, pitfalls, terminology, worked
                # examples): a page of its own, which links the topics it names.
                page = Draft(_area(title), node.line, path=path or inner, page=True)
                page.add(_demoted(node), "What")
                drafts.append(page)
            continue
        if kind is _Kind.SECTION:
            if owner is not None:
                owner.add(_demoted(node), section_name(title))
        elif kind is _Kind.GROUP:
            if owner is not None:
                owner.add(node.body, section_name(title))
            else:
                account.drop(_texts(node.body), f"text of the grouping heading `{title}`, dropped")
            _walk(node.children, owner, drafts, inner, account)
        elif kind is _Kind.DIVISION:
            if node.children:
                account.drop(_texts(node.body), f"introduction of `{title}`, dropped")
                _walk(node.children, None, drafts, inner, account)
            elif any(line.text.strip() for line in node.body):
                page = Draft(_area(title), node.line, path=inner, page=True)
                page.add(node.body, "What")
                drafts.append(page)
        else:
            here = path or inner
            draft = Draft(title, node.line, has_children=bool(node.children), path=here)
            drafts.append(draft)
            draft.add(node.body, None)
            _walk(node.children, draft, drafts, inner, account)

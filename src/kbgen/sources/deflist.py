"""Reader for Markdown definition lists: a term line, then ``: definition`` lines.

As in PHP Markdown Extra and Python-Markdown's ``def_list``: several term lines before one
definition are names of one entry (the first is the title, the others aliases); a term may
have several definitions; a definition continues on lines indented by two or more spaces,
also after a blank line. A definition that opens with a label (``Use when:``, ``**How**:``,
``Pitfalls —``) fills that section; the others make up What. A ``## Area`` heading tags
the entries under it, as in practitioner notes, and deeper headings group them.
"""

from __future__ import annotations

import re

from kbgen.exceptions import Problem
from kbgen.records import CORE_SECTIONS, Entry, Section, SourceRef
from kbgen.slugs import slugify
from kbgen.store import fenced_lines

_DEFINITION = re.compile(r"^ {0,3}:[ \t]+(.*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")
_LABEL = re.compile(
    r"^(?:\*\*|__)?(What|Use When|How|Pitfalls)(?:\*\*|__)?\s*(?::|—|–|-)\s*(?:\*\*|__)?\s*",
    re.I,
)
_INDENTED = re.compile(r"^(?: {2,}|\t)")
_CANONICAL = {name.lower(): name for name in CORE_SECTIONS}


def _kinds(lines: list[str]) -> list[str]:
    """Classify each line: ``blank``, ``code`` (in a fence), ``heading``, ``definition``,
    ``indented`` or ``text``."""
    kinds = []
    for line, code in zip(lines, fenced_lines(lines), strict=True):
        if code:
            kinds.append("code")
        elif not line.strip():
            kinds.append("blank")
        elif _HEADING.match(line):
            kinds.append("heading")
        elif _DEFINITION.match(line):
            kinds.append("definition")
        elif _INDENTED.match(line):
            kinds.append("indented")
        else:
            kinds.append("text")
    return kinds


def _terms_before(kinds: list[str], index: int) -> list[int]:
    """The lines of the term run that a definition at ``index`` defines (perhaps after one
    blank line), or ``[]``."""
    i = index - 1
    if i >= 0 and kinds[i] == "blank":
        i -= 1
    run = []
    while i >= 0 and kinds[i] == "text":
        run.append(i)
        i -= 1
    return run[::-1]


class DefinitionListReader:
    """Reads Markdown definition lists."""

    name = "definition-list"

    def detect(self, text: str) -> bool:
        """Terms with ``: `` definitions, at least as many as the headings between them."""
        kinds = _kinds(text.split("\n"))
        pairs = sum(1 for i, k in enumerate(kinds) if k == "definition" and _terms_before(kinds, i))
        headings = sum(1 for k in kinds if k == "heading")
        return pairs >= 1 and pairs >= headings - 1

    def parse(self, text: str, file: str) -> tuple[list[Entry], list[Problem]]:
        """Read every term and its definitions, under the headings they sit under."""
        lines = text.split("\n")
        kinds = _kinds(lines)
        terms = {
            i for d, k in enumerate(kinds) if k == "definition" for i in _terms_before(kinds, d)
        }
        problems: list[Problem] = []
        entries: list[Entry] = []
        path: list[tuple[int, str]] = []  # (level, heading) of the open headings
        current: _Open | None = None
        seen_entry = False
        i = 0
        while i < len(lines):
            kind, line = kinds[i], lines[i]
            if kind == "heading":
                m = _HEADING.match(line)
                assert m
                level, title = len(m.group(1)), (m.group(2) or "").strip()
                path = [(lv, h) for lv, h in path if lv < level] + [(level, title)]
                current = _close(current, entries, problems, file)
            elif i in terms:
                current = _close(current, entries, problems, file)
                run = [i]
                while i + 1 < len(lines) and i + 1 in terms:
                    i += 1
                    run.append(i)
                names = [_term(lines[j]) for j in run]
                current = _Open(run[0] + 1, names, _area(path), _groups(path))
                seen_entry = True
            elif kind == "definition":
                m = _DEFINITION.match(line)
                assert m
                if current is None:
                    message = "definition with no term before it: named by its line"
                    problems.append(Problem(file, i + 1, message, "warning"))
                    current = _Open(i + 1, [], _area(path), _groups(path))
                    seen_entry = True
                current.definitions.append([m.group(1)])
            elif kind in ("indented", "code") and current and current.definitions:
                current.definitions[-1].append(_dedent(line))
            elif kind == "blank" and current and current.definitions:
                current.definitions[-1].append("")
            elif kind == "text" and current and current.definitions and kinds[i - 1] != "blank":
                current.definitions[-1].append(line.strip())  # a lazy continuation line
            elif kind != "blank":
                if seen_entry:
                    message = "ignored: not a term or definition (indent it to continue one)"
                    problems.append(Problem(file, i + 1, message, "warning"))
                current = _close(current, entries, problems, file)
            i += 1
        _close(current, entries, problems, file)
        return entries, problems


def _term(line: str) -> str:
    """A term line's name: spaces collapsed, a bold or italic mark around it dropped."""
    name = " ".join(line.split())
    m = re.fullmatch(r"(\*\*|__|\*|_)(.+)\1", name)
    return m.group(2).strip() if m else name


def _dedent(line: str) -> str:
    return (
        line[4:]
        if line.startswith("    ")
        else line.lstrip(" \t")
        if _INDENTED.match(line)
        else line
    )


def _area(path: list[tuple[int, str]]) -> str:
    return next((h for level, h in path if level == 2), "")


def _groups(path: list[tuple[int, str]]) -> tuple[str, ...]:
    return tuple(h for level, h in path if level > 2 and h)


class _Open:
    """An entry being read: its first line, names, headings and definitions so far."""

    def __init__(self, line: int, names: list[str], area: str, groups: tuple[str, ...]) -> None:
        self.line = line
        self.names = names
        self.area = area
        self.groups = groups
        self.definitions: list[list[str]] = []


def _close(current: _Open | None, entries: list[Entry], problems: list[Problem], file: str) -> None:
    """Turn the open entry into an :class:`Entry`; a term left without definition is
    not one (it was prose), and is reported."""
    if current is None:
        return None
    ref = SourceRef(file, current.line)
    title = current.names[0] if current.names else f"Untitled entry at line {current.line}"
    parts: dict[str, list[str]] = {}
    for definition in current.definitions:
        text = "\n".join(definition).strip()
        m = _LABEL.match(text)
        name = _CANONICAL[m.group(1).lower()] if m else "What"
        body = text[m.end() :] if m else text
        if body.strip():
            parts.setdefault(name, []).append(body.strip())
    if "What" not in parts:
        message = f"`{title}` has no definition of what it is: the term is its own description"
        problems.append(Problem(file, current.line, message, "warning"))
        parts["What"] = [title]
    sections = tuple(Section(n, "\n\n".join(parts[n])) for n in CORE_SECTIONS if n in parts)
    area_name = re.sub(r"\s*\([^)]*\)", "", current.area).strip()
    area_tag = slugify(area_name) if current.area else ""
    entries.append(
        Entry(
            title,
            ref,
            sections,
            (area_tag,) if area_tag else (),
            tag_names=((area_tag, area_name),) if area_tag else (),
            area=current.area,
            groups=current.groups,
            aliases=tuple(n for n in current.names[1:] if n),
        )
    )
    return None

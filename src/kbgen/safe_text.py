"""Source text as Markdown that stays inside its part of a page.

:func:`source_markdown` demotes headings, closes code fences and guards brackets, so that
one part's text never changes the page around it; :func:`inline` escapes a one-line name.
Pure text functions: no MkDocs, no HTML rendering (that is :mod:`kbgen.sanitize`).
"""

from __future__ import annotations

import re

from kbgen.sanitize import is_plain
from kbgen.store import fences

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>#|!{}])")
_HEADING = re.compile(r"^( {0,3})(#{1,2})(?=\s|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
# A list item that may interrupt a paragraph (CommonMark: a bullet, or an ordered list from 1).
_LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|1[.)])[ \t]+\S")
_BACKTICKS = re.compile(r"(?<!\\)`+")
_BRACKET_OR_ESCAPE = re.compile(r"\\.|[\[\]]", re.S)
MAX_BRACKET_DEPTH = 3
"""Square brackets nested deeper are text (a link in an image in a footnote is depth 3)."""
_ANY_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


def source_markdown(text: str) -> str:
    """Source text as Markdown that stays inside its part of the page.

    Outside code: ``#`` and ``##`` headings become ``###`` (the page's sections are
    ``##``), a lone ``===`` or ``---`` line cannot turn the line above into a heading, and a
    list right after a line of text (``Where:``) gets the blank line Markdown needs to
    read it as a list. A code fence left open is closed at the end.
    """
    lines = text.split("\n")
    in_fence, open_fence = fences(lines)
    out: list[str] = []
    in_list = False
    for line, fenced in zip(lines, in_fence, strict=True):
        if fenced:
            out.append(line)
            in_list = False
            continue
        before = out[-1] if out else ""
        if not line.strip():
            in_list = False
        elif _ANY_ITEM.match(line):
            if _LIST_ITEM.match(line) and before.strip() and not in_list:
                out.append("")
            in_list = True
        line = _HEADING.sub(lambda m: m.group(1) + "###", line)
        if _SETEXT.match(line) and before.strip():
            out.append("")
        out.append(line)
    if open_fence:
        out.append(open_fence)
    text = "\n".join(out)
    if not is_plain(text):  # plain text is shown unrendered: its brackets need no guard
        text = _guard_brackets_outside_code(out, fences(out)[0])
    return text.strip("\n")


def _guard_brackets_outside_code(lines: list[str], in_fence: list[bool]) -> str:
    """``lines`` joined, each paragraph outside code with :func:`guard_brackets` applied."""
    out: list[str] = []
    block: list[str] = []
    for line, fenced in zip(lines, in_fence, strict=True):
        if fenced or not line.strip():
            if block:
                out.append(guard_brackets("\n".join(block)))
                block = []
            out.append(line)
        else:
            block.append(line)
    if block:
        out.append(guard_brackets("\n".join(block)))
    return "\n".join(out)


def guard_brackets(text: str) -> str:
    """Escape the square brackets of a paragraph that cannot make a link.

    An unmatched ``[`` or ``]``, or a pair nested deeper than :data:`MAX_BRACKET_DEPTH`,
    is escaped (outside code spans, paired as CommonMark pairs backtick runs): Markdown
    renderers scan to the end of the paragraph from each ``[`` they cannot close, which
    takes minutes on a line of ``[``.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    following: list[int | None] = [None] * len(runs)
    last: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        size = runs[i][1] - runs[i][0]
        following[i], last[size] = last.get(size), i
    code = bytearray(len(text) + 1)  # 1 inside a code span
    i = 0
    while i < len(runs):
        j = following[i]
        if j is None:
            i += 1
            continue
        code[runs[i][0] : runs[j][1]] = b"\x01" * (runs[j][1] - runs[i][0])
        i = j + 1
    escape: list[int] = []
    stack: list[int] = []
    for m in _BRACKET_OR_ESCAPE.finditer(text):
        pos, c = m.start(), m.group()
        if code[pos] or len(c) == 2:
            continue  # in a code span, or escaped already
        if c == "[":
            stack.append(pos)
        elif not stack:
            escape.append(pos)
        elif len(stack) > MAX_BRACKET_DEPTH:
            escape += [stack.pop(), pos]
        else:
            stack.pop()
    escape += stack
    if not escape:
        return text
    pieces, done = [], 0
    for at in sorted(escape):
        pieces += [text[done:at], "\\"]
        done = at
    pieces.append(text[done:])
    return "".join(pieces)


def inline(text: str) -> str:
    """A one-line name as literal Markdown text: every Markdown and HTML character escaped."""
    return (
        _INLINE_SPECIAL.sub(r"\\\1", " ".join(text.split()))
        .replace("\\<", "&lt;")
        .replace("\\>", "&gt;")
    )


__all__ = ["MAX_BRACKET_DEPTH", "guard_brackets", "inline", "source_markdown"]

"""Prose without Markdown syntax, rendered as Python-Markdown renders it, without it.

Most of a glossary's text is sentences and cross-links: paragraphs of words and plain
punctuation with links such as ``[LoRA](lora.md)``. On such text Python-Markdown, with the
extensions of :data:`SAFE_EXTENSIONS`, only wraps each paragraph in ``<p>`` and each link in
``<a href>``; :func:`prose_html` writes that HTML directly, several times faster, and returns
``None`` for any text outside that narrow grammar (which Python-Markdown then renders).
Either way :class:`kbgen.sanitize.Fragments` sanitizes the result: this is a shortcut past
the renderer, never past the sanitizer. ``tests/test_prose.py`` checks that both give the
same HTML.

The grammar, line by line (a blank line separates paragraphs):

- a line starts with a letter or a link, ends with no space, and holds letters, digits,
  single spaces between words, the punctuation of :data:`_CHARS`, any character outside
  ASCII but whitespace, and links;
- a link is ``[text](target.md)`` or ``[text](target.md#anchor)``: the text as a line's,
  plus parentheses; the target a relative path of letters, digits, ``.``, ``_``, ``/``
  and ``-`` ending in ``.md``.

No character of it starts any Markdown construct (``*``, ``_``, ``` ` ```, ``#``, ``<``,
``&``, ``\\``, ``!``, ``|``, ``~``, ``^``, ``=``, ``+``, ``$``, ``{``, ``[`` outside a link),
and no line can start a list, heading, quote, code block, table or definition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["SAFE_EXTENSIONS", "prose_html", "prose_renderer", "safe_setup"]

SAFE_EXTENSIONS = frozenset(
    {
        *("abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html", "tables"),
        *("fenced_code", "toc", "sane_lists", "codehilite"),
        *("pymdownx.details", "pymdownx.highlight", "pymdownx.inlinehilite", "pymdownx.keys"),
        *("pymdownx.superfences", "pymdownx.tilde", "pymdownx.caret", "pymdownx.mark"),
        *("pymdownx.arithmatex", "pymdownx.tabbed", "pymdownx.blocks.admonition"),
        *("pymdownx.blocks.details", "pymdownx.blocks.tab", "material.extensions.preview"),
    }
)
"""Extensions (by the name ``mkdocs.yml`` gives) that leave text of the grammar as plain
Python-Markdown renders it: each needs a character the grammar excludes, or a line start it
excludes. Any other extension (``smarty``, ``pymdownx.magiclink``, ``pymdownx.emoji``,
``nl2br``, ``meta``, which reads a first line ``Note: …`` as metadata…) turns the shortcut
off; so does an ``abbr`` glossary."""

for _name in list(SAFE_EXTENSIONS):
    if "." not in _name:
        SAFE_EXTENSIONS = SAFE_EXTENSIONS | {f"markdown.extensions.{_name}"}

_CHARS = r"[a-zA-Z0-9 .,;:'\"?/%-]|[^\x00-\x7f\s]"
"""Letters, digits, the ASCII punctuation no Markdown construct starts with, and any other
character but whitespace (Markdown's syntax is all ASCII)."""
_TEXT = rf"(?:{_CHARS})"
_LINK = (
    rf"\[(?=[^\W_(])(?:{_CHARS}|[()])*?(?<=[^\s])\]"
    r"\((?:\.\./)*[A-Za-z0-9][A-Za-z0-9._/-]*\.md(?:#[A-Za-z0-9_-]+)?\)"
)
_LINE = re.compile(rf"(?:[a-zA-Z]|[^\W\d_]|{_LINK})(?:{_TEXT}|{_LINK}|[()])*")
_LINK_PARTS = re.compile(r"\[((?:[^\[\]])*?)\]\(([^()\s]*)\)")
_BAD_SPACE = re.compile(r"  | $| \n|\n |^ ")


def prose_html(text: str, preview: Callable[[str], bool]) -> str | None:
    """``text`` as Python-Markdown renders it, or ``None`` when it is not plain prose.

    ``preview(href)`` says whether a link gets the ``data-preview`` attribute, as
    :class:`kbgen.sanitize.Previews` decides in the full renderer.
    """
    text = text.strip("\n")
    if not text or _BAD_SPACE.search(text):
        return None
    paragraphs: list[str] = []
    for block in re.split(r"\n\n+", text):
        lines = block.split("\n")
        if not all(_LINE.fullmatch(line) for line in lines):
            return None
        paragraphs.append("<p>" + _LINK_PARTS.sub(lambda m: _link(m, preview), block) + "</p>")
    return "\n".join(paragraphs)


def _link(match: re.Match[str], preview: Callable[[str], bool]) -> str:
    text, href = match.groups()
    marked = ' data-preview=""' if preview(href) else ""
    return f'<a{marked} href="{href}">{text}</a>'


def prose_renderer(
    extensions: tuple[str, ...], configs: Mapping[str, Any]
) -> Callable[[str, Callable[[str], bool]], str | None] | None:
    """:func:`prose_html` when the site's extensions are :func:`safe_setup`, else ``None``."""
    return prose_html if safe_setup(extensions, configs) else None


def safe_setup(extensions: Iterable[str], configs: Mapping[str, Any]) -> bool:
    """Whether every extension is one of :data:`SAFE_EXTENSIONS` and ``abbr`` has no
    glossary: then plain text (no character of markup, no line start of a block) is
    rendered as Python-Markdown's core renders it."""
    if not set(extensions) <= SAFE_EXTENSIONS:
        return False
    return not any(
        (configs.get(n) or {}).get("glossary") for n in ("abbr", "markdown.extensions.abbr")
    )

"""HTML kbgen has rendered, handed to Python-Markdown as it is, not parsed a second time.

A generated page holds blocks of HTML that kbgen rendered and sanitized (a topic's text,
its lists of links). They are raw HTML blocks, which any Markdown publisher copies into
the page unchanged, but only once its HTML parser has read every tag of them. The page
templates mark those blocks with the ``block`` filter; :func:`find_blocks` records where
they lie in the page. Under MkDocs, the kbgen plugin then replaces each with one line
(:meth:`Prerendered.cut`) before Python-Markdown reads the page, and the preprocessor of
:class:`Prerendered` puts the block into Python-Markdown's store of raw HTML, which is
where its HTML parser would have put it. The page's HTML is the same; the page on disk
is unchanged.

A block qualifies only where Python-Markdown would copy it unchanged: a whole element at
the start of a line after a blank line, with no blank line, tab, carriage return or
line of spaces in it (which its whitespace normalisation would change). A page whose text
is not the one recorded (another plugin changed it) is parsed as usual.

Most generated pages are, once cut, nothing but headings and those lines: for them the
site's extensions have nothing to do, yet MkDocs builds a converter with all of them for
each page. :class:`Skeletons` renders such a page with one converter, kept, of
Python-Markdown's core and its ``toc`` extension as the site configures it, which give the
very same HTML and table of contents; it declines (the page is rendered as usual) a page
with any other line, a heading with a character an extension could read as markup, or a
site with an extension it does not know.
"""

from __future__ import annotations

import re
import secrets
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from kbgen.prose import safe_setup
from kbgen.sanitize import PREVIEW_EXTENSION, Previews

__all__ = ["Blocks", "Prerendered", "Skeletons", "find_blocks"]

_UNSAFE = re.compile(r"\n\n|[\t\r\x02\x03]|\n *\n|\n +$")
"""What Python-Markdown's whitespace normalisation would change, or what would end a
raw HTML block early."""
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)[\s>/]")
_HEADING = re.compile(r"#{1,6}[ ]+([^#\n]*[^#\s])[ ]*")
"""An ATX heading as the templates write them: no closing hashes."""
_COMMENT = re.compile(r"<!--(?:(?!--)[^\n])*-->")
"""A comment on a line of its own (the generated pages' mark)."""
_MARKUP = re.compile(r"[\\`*_{}\[\]<>~^=$|]|\+\+")
"""In a heading, what an extension of :data:`kbgen.prose.SAFE_EXTENSIONS` may read as
markup, or what the core reads as markup that an extension changes (links, raw HTML,
emphasis)."""
PRIORITY = 29
"""Right after Python-Markdown's whitespace normalisation (30), before any extension's
preprocessor that reads the lines (fenced code, 25) and its HTML parser (20)."""


@dataclass(frozen=True)
class Blocks:
    """Where a page's blocks of HTML are: ``(start, end, crc32)`` of each, in the page's
    text of ``length`` characters (front matter included)."""

    length: int
    spans: tuple[tuple[int, int, int], ...]

    def to_json(self) -> list:
        return [self.length, [list(s) for s in self.spans]]

    @classmethod
    def from_json(cls, data: list) -> Blocks:
        length, spans = data
        return cls(int(length), tuple((int(a), int(b), int(c)) for a, b, c in spans))


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def find_blocks(text: str, blocks: Iterable[str]) -> Blocks:
    """The spans of ``blocks`` (in the order the page holds them) in the page ``text``
    that qualify; blocks on consecutive lines make one span."""
    found: list[tuple[int, int]] = []
    position = 0
    for block in blocks:
        block = block.strip("\n")
        if not block.startswith("<") or _UNSAFE.search(block):
            continue
        start = text.find(block, position)
        if start < 0:
            continue
        end = start + len(block)
        position = end
        if found and found[-1][1] + 1 == start and text[start - 1] == "\n":
            found[-1] = (found[-1][0], end)  # on the next line: one block with the last
        else:
            found.append((start, end))
    spans = []
    for start, end in found:
        before_blank = text[max(start - 2, 0) : start] == "\n\n"
        after_blank = text[end : end + 2] == "\n\n" or text[end:] == "\n"
        if before_blank and after_blank:
            spans.append((start, end, _crc(text[start:end])))
    return Blocks(len(text), tuple(spans))


class Prerendered(Extension):
    """A Python-Markdown extension taking the cut blocks of the page being rendered into
    the store of raw HTML, as its HTML parser would."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[str, str] = {}
        """Line → block, for the page about to be rendered."""
        self._nonce = secrets.token_hex(6)

    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(_Restore(md, self), "kbgen-prerendered", PRIORITY)

    def cut(self, markdown: str, blocks: Blocks) -> str:
        """``markdown`` (a page's text after its front matter) with each block replaced by
        a line :class:`Prerendered` takes back; unchanged if it is not the text recorded."""
        self.pending.clear()
        shift = blocks.length - len(markdown)
        if shift < 0 or not blocks.spans:
            return markdown
        pieces, last = [], 0
        for n, (start, end, crc) in enumerate(blocks.spans):
            start, end = start - shift, end - shift
            if start < last or _crc(markdown[start:end]) != crc:
                self.pending.clear()
                return markdown
            line = f"kbgenblock{self._nonce}x{n}"
            self.pending[line] = markdown[start:end]
            pieces += [markdown[last:start], line]
            last = end
        pieces.append(markdown[last:])
        return "".join(pieces)


class _Restore(Preprocessor):
    def __init__(self, md: Markdown, extension: Prerendered) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        pending = self.extension.pending
        if not pending:
            return lines
        out: list[str] = []
        for line in lines:
            block = pending.pop(line, None)
            if block is None:
                out.append(line)
                continue
            if _copied(self.md, block):
                # As the HTML parser stores a block a blank line follows: with its newline.
                out.append(self.md.htmlStash.store(block + "\n"))
            else:  # not a block Python-Markdown copies: parsed as written
                out += block.split("\n")
        return out


def _copied(md: Markdown, block: str) -> bool:
    """Whether Python-Markdown copies ``block`` as raw HTML: it starts a block element."""
    tag = _TAG.match(block)
    return bool(tag and md.is_block_level(tag[1].lower()))


class Skeletons:
    """Pages of nothing but headings and cut blocks, rendered by one converter, kept."""

    def __init__(self, extensions: list, configs: dict, prerendered: Prerendered) -> None:
        """``extensions`` and their ``configs``: the site's (MkDocs' ``markdown_extensions``
        and ``mdx_configs``), ``prerendered`` among them."""
        self.md: Markdown | None = None
        self.prerendered = prerendered
        self.previews: Previews | None = None
        configs = configs or {}
        names = [e for e in extensions if isinstance(e, str)]
        others = [e for e in extensions if not isinstance(e, str) and e is not prerendered]
        toc = [n for n in names if n in ("toc", "markdown.extensions.toc")]
        if others or not toc or prerendered not in extensions or not safe_setup(names, configs):
            return
        self.md = Markdown(
            extensions=["toc", prerendered], extension_configs={"toc": configs.get(toc[0], {})}
        )
        if PREVIEW_EXTENSION in names:  # its mark on links to the page itself, permalinks
            self.previews = Previews(self.md, configs.get(PREVIEW_EXTENSION) or {})
            self.md.treeprocessors.register(self.previews, "kb-preview", -100)

    def render(self, cut: str, page: str) -> tuple[str, list[dict]] | None:
        """The HTML and ``toc`` tokens of the page ``page`` (a docs path), given its text as
        :meth:`Prerendered.cut` made it, its blocks pending; ``None`` unless it is a page of
        headings, blocks and comments."""
        md = self.md
        if md is None:
            return None
        pending = self.prerendered.pending
        for line in cut.split("\n"):
            if not line or line in pending or _COMMENT.fullmatch(line):
                continue
            heading = _HEADING.fullmatch(line)
            if heading is None or _MARKUP.search(heading[1]):
                return None
        if not all(_copied(md, block) for block in pending.values()):
            return None
        md.reset()
        if self.previews is not None:
            self.previews.page = page
        html = md.convert(cut)
        return html, md.toc_tokens  # type: ignore[attr-defined]

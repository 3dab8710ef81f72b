"""Link mentions of topic names in Markdown prose to those topics' pages.

The core is pure, like mkdocs-autorefs' fixer: ``Linker(targets).link(markdown, self_slug,
href)`` returns the new Markdown and the slugs it linked; the renderer and the MkDocs plugin
only adapt it. A ``Linker`` is built once per site: every name goes into one token trie,
stored flat in a dict keyed by each name's normalized prefixes, so linking a page costs one
pass over its tokens whatever the number of names.

Matching rules:

- **Names.** Every title and alias. Names shorter than 3 characters (``KV``, ``ML``) or
  without a letter are never linked. A name that two topics share (``SAM``) is ambiguous and
  never linked. Generic words are linked like any name: an editor who does not want
  ``Adapters`` linked removes that alias.
- **Acronyms** (:func:`kbgen.merge.is_acronym`: ``RAG``, ``LoRA``, ``vLLM``, ``DP-SGD``,
  ``PagedAttention``) match case-sensitively and exactly, except that any Unicode hyphen or
  dash stands for ``-``. Where an acronym and another name fit the same text, the acronym wins.
- **Other names** match case-insensitively, and between their words accept whitespace (one
  line break at most) or one hyphen or dash (``-``, U+00AD, U+2010–U+2015, U+2212):
  ``Mixed Precision Training`` matches ``mixed-precision training`` and ``mixed‑precision
  training``. Other punctuation must be as in the name (``Generation (RAG)``).
- **Whole words.** A mention is not linked when a letter, digit, hyphen, backslash or a
  snake_case underscore comes right before it, or a letter or digit right after it. A hyphen
  right after it ends the mention only when a lowercase letter or a space follows:
  ``RAG-based`` and ``DPO-style`` link the acronym; ``GPT-4``, ``DP-SGD``, ``ZeRO-3`` and
  ``LoRA-FA`` do not link ``GPT``, ``DP``, ``ZeRO`` or ``LoRA``. En and em dashes are
  punctuation, not hyphens. Plurals and other suffixes are not matched (``RAGs``): the
  renderer gives the linker each name in the other number as a name of its own
  (:func:`kbgen.terms.number_variants`).
- **Longest, leftmost first.** ``Low-Rank Adaptation (LoRA)`` wins over ``LoRA``. A mention
  that is not linked (the page's own name, a topic already linked in the section, an
  ambiguous name) still covers its text, so no shorter name inside it is linked.
- **Once per section.** A section is the text before the first heading, and each ``#`` or
  ``##`` heading with the text up to the next; a topic is linked at its first mention in each.
  A page never links to itself.
- **Not linked:** front matter, fenced code blocks (backticks or tildes, any length, indented
  in lists or quotes, unclosed ones to the end), headings, admonition and tab title lines
  (``!!!``, ``???``, ``===``), link reference and abbreviation definitions, raw HTML blocks
  (Python-Markdown's block-level tags, to their closing tag) and HTML comments; inline code,
  anything in square brackets (links, images, references, footnotes, ``[[wikilinks]]``) with
  its ``(url)`` or ``[ref]``, HTML tags with the text of ``<a>``, ``<code>`` and the like,
  autolinks, bare URLs and math (``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]``).
- **Not recognized:** indented code blocks (four spaces also indent list and admonition
  content; kbgen writes fences) and setext headings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from kbgen.merge import is_acronym
from kbgen.slugs import plain_dashes

__all__ = ["LinkTarget", "Linker", "first_key", "text_keys"]

MIN_NAME_LENGTH = 3
"""Shorter names are never linked."""

_DASHES = "\\-\u00ad\u2010-\u2015\u2212"
"""A regex class body: what may stand between the words of a name."""
_JOINERS = frozenset("-\u00ad\u2010\u2011")
"""Hyphens that join words (``self-attention``), unlike en and em dashes."""

_TOKEN = re.compile(rf"[^\W_]+|[^\s{_DASHES}]")
"""A run of letters and digits, or one punctuation character."""

_PROSE, _SKIP, _SECTION = "prose", "skip", "section"

# Lines (without their line break) that open a block.
_FENCE = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(`{3,}|~{3,})(.*)")
_HEADING = re.compile(r" {0,3}(#{1,6})(?!#)")
_TITLE_LINE = re.compile(r"[ \t]*(?:!!!|\?\?\?\+?|===\+?)(?:[ \t]|$)")
_DEFINITION = re.compile(r" {0,3}\*?\[(?!\^)[^\]]+\]:")
# Python-Markdown's block-level elements (``hr`` is void, so it is one line).
_HTML_BLOCK = re.compile(
    r" {0,3}(?:(?P<comment><!--)|<(?P<tag>"
    "address|article|aside|blockquote|body|canvas|center|colgroup|dd|details|div|dl|dt|"
    "fieldset|figcaption|figure|footer|form|group|h[1-6]|header|hgroup|html|iframe|legend|"
    "li|main|map|math|menu|nav|noscript|object|ol|option|output|p|pre|progress|script|"
    "section|style|summary|table|tbody|td|textarea|tfoot|th|thead|tr|ul|video"
    r")(?=[\s/>]|$)|</?hr\b)",
    re.IGNORECASE,
)

_INLINE = re.compile(
    r"""
    (?=[`<\[!$\\hfw])  # every construct starts so: a cheap test, three times faster
    (?:(?<![`\\])(?P<ticks>`+)(?!`)(?:[^\n]|\n(?![ \t]*\n))*?(?<!`)(?P=ticks)(?!`)  # code span
    | <!--(?s:.*?)(?:-->|\Z)                                            # HTML comment
    | <(?P<element>a|code|pre|kbd|samp|script|style|textarea|svg|math)\b[^<>]*>
      (?:(?!<(?P=element)\b)(?s:.))*?</(?P=element)\s*>                 # element and text
    | </?[a-z][a-z0-9-]*(?=[\s/>])(?:[^<>"']|"[^"<>]*"|'[^'<>]*')*>     # HTML tag
    | <[a-z][a-z0-9+.-]{1,31}:[^\s<>]*> | <[^\s<>@]+@[^\s<>]+>          # autolinks
    | (?<!\\)!?\[(?:[^\[\]\n\\]|\\.|\n(?![ \t]*\n)|\[(?:[^\[\]\n\\]|\\.)*\])*\]
      (?:\((?:[^()\n\\]|\\.|\([^()\n]*\))*\)|\[[^\[\]\n]*\])?           # link, reference
    | (?:https?://|ftp://|www\.)(?:[^\s<>()]|\([^\s<>()]*\))+            # bare URL
    | \$\$(?:(?!\$\$)(?s:.))+?\$\$                                     # $$ math
    | (?<![\\$])\$(?=[^\s$])[^$\n]*?(?<=[^\s\\])\$(?!\d)               # $ math
    | \\\((?:(?!\\\()(?s:.))*?\\\) | \\\[(?:(?!\\\[)(?s:.))*?\\\]          # LaTeX math
    )""",
    re.VERBOSE | re.IGNORECASE,
)
"""Inline constructs whose text is never linked. No scan runs past the next opener of its
own kind (an element's text, math), so the pattern takes linear time on any line."""

_BRACKET = re.compile(r"(?<!\\)[\[\]]")


@dataclass(frozen=True)
class LinkTarget:
    """A name that links to a topic."""

    name: str
    """A title or alias, e.g. ``Retrieval-Augmented Generation (RAG)`` or ``RAG``."""
    slug: str
    """The topic's slug, e.g. ``rag``."""


@dataclass
class _Ending:
    """The names whose normalized form ends at one trie key."""

    exact: dict[str, set[str]] = field(default_factory=dict)
    """Acronym, dashes made plain -> slugs; the mention must be spelled the same."""
    loose: set[str] = field(default_factory=set)
    """Slugs of the other names, which any spelling with this key matches."""

    def slugs(self, mention: str) -> set[str]:
        """The topics a mention with this key denotes: none, one, or several (ambiguous)."""
        return (self.exact and self.exact.get(plain_dashes(mention))) or self.loose


class Linker:
    """Every topic name of a site, ready to link mentions in any number of pages."""

    def __init__(self, targets: Iterable[LinkTarget]) -> None:
        # Key: a name prefix, casefolded, its tokens joined by "" or one space; value: the
        # names that end there, or None for a prefix only.
        self._trie: dict[str, _Ending | None] = {}
        for target in targets:
            name = unicodedata.normalize("NFC", target.name.strip())
            if len(name) >= MIN_NAME_LENGTH and any(c.isalpha() for c in name):
                self._add(name, target.slug)

    def _add(self, name: str, slug: str) -> None:
        tokens = list(_TOKEN.finditer(name))
        key = ""
        for i, token in enumerate(tokens):
            if i:
                self._trie.setdefault(key, None)
                key += " " if token.start() > tokens[i - 1].end() else ""
            key += token.group().casefold()
        ending = self._trie.get(key) or _Ending()
        self._trie[key] = ending
        if is_acronym(name):
            ending.exact.setdefault(plain_dashes(name), set()).add(slug)
        else:
            ending.loose.add(slug)

    def link(
        self, markdown: str, self_slug: str, href: Callable[[str], str]
    ) -> tuple[str, list[str]]:
        """Link the first mention of each other topic in each section of a page.

        Args:
            markdown: The page's Markdown.
            self_slug: The page's own slug, never linked.
            href: Gives the link URL of a slug, e.g. ``lambda s: f"{s}.md"``.

        Returns:
            The linked Markdown, and the slugs it links in order of first link.
        """
        # NFC, as the names: ``Café`` decomposed in the text is still ``Café``.
        markdown = unicodedata.normalize("NFC", markdown)
        pieces: list[str] = []
        linked: dict[str, None] = {}  # an ordered set
        seen: set[str] = set()
        done, current = 0, 0
        for section, start, end in _linkable_spans(markdown):
            if section != current:
                seen, current = set(), section
            for s, e, slugs in self._mentions(markdown, start, end):
                if len(slugs) != 1:
                    continue
                (slug,) = slugs
                if slug == self_slug or slug in seen:
                    continue
                seen.add(slug)
                linked[slug] = None
                text = _BRACKET.sub(r"\\\g<0>", markdown[s:e])
                pieces += [markdown[done:s], f"[{text}]({_destination(href(slug))})"]
                done = e
        pieces.append(markdown[done:])
        return "".join(pieces), list(linked)

    def _mentions(self, text: str, start: int, end: int) -> Iterator[tuple[int, int, set[str]]]:
        """Longest, leftmost mentions in ``text[start:end]``: start, end and their slugs."""
        tokens = [
            (m.start(), m.end(), m.group().casefold()) for m in _TOKEN.finditer(text, start, end)
        ]
        i = 0
        while i < len(tokens):
            found = self._longest(text, tokens, i)
            if found:
                j, slugs = found
                yield tokens[i][0], tokens[j][1], slugs
                i = j + 1
            else:
                i += 1

    def _longest(
        self, text: str, tokens: list[tuple[int, int, str]], i: int
    ) -> tuple[int, set[str]] | None:
        """The last token and slugs of the longest mention starting at token ``i``."""
        key, start = tokens[i][2], tokens[i][0]
        if key not in self._trie or _joined_before(text, start):
            return None
        best, j = None, i
        while True:
            ending, end = self._trie[key], tokens[j][1]
            if ending and not _joined_after(text, end):
                slugs = ending.slugs(text[start:end])
                if slugs:
                    best = (j, slugs)
            if j + 1 == len(tokens):
                return best
            gap = _gap(text[end : tokens[j + 1][0]])
            if gap is None or key + gap + tokens[j + 1][2] not in self._trie:
                return best
            j += 1
            key += gap + tokens[j][2]


def first_key(name: str) -> str:
    """The casefolded first token of a name: a text can mention the name only if this is
    one of its :func:`text_keys` (every match of :meth:`Linker.link` starts at a token)."""
    found = _TOKEN.search(unicodedata.normalize("NFC", name.strip()))
    return found.group().casefold() if found else ""


def text_keys(text: str) -> frozenset[str]:
    """Every token of ``text``, casefolded: which names' :func:`first_key` it holds."""
    return frozenset(
        m.group().casefold() for m in _TOKEN.finditer(unicodedata.normalize("NFC", text))
    )


def _gap(text: str) -> str | None:
    """What separates two tokens of a mention: nothing, a space, or ``None`` (too much)."""
    if not text:
        return ""
    if text.isspace():
        return " " if text.count("\n") <= 1 else None
    # A gap holds only whitespace and dashes (every other character is a token).
    return " " if len(text) == 1 else None


def _joined_before(text: str, i: int) -> bool:
    """True when ``text[i]`` continues a word (so no mention may start there)."""
    before = text[i - 1] if i else ""
    if before == "_":
        return i > 1 and text[i - 2].isalnum()  # snake_case, not _emphasis_
    # After a backslash, the link's "[" would be escaped.
    return before.isalnum() or before in _JOINERS or before == "\\"


def _joined_after(text: str, i: int) -> bool:
    """True when the word ending before ``text[i]`` goes on (so no mention may end there)."""
    after, next_ = text[i : i + 1], text[i + 1 : i + 2]
    if after == "_":
        return next_.isalnum()
    if after in _JOINERS:
        # ``RAG-based`` ends the acronym; ``GPT-4`` and ``DP-SGD`` are longer names.
        return not (next_.isspace() or "a" <= next_ <= "z")
    return after.isalnum()


def _destination(url: str) -> str:
    """``url`` as a Markdown link destination, in angle brackets if it needs them."""
    if re.search(r"[\s()<>]", url):
        return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"
    return url


def _linkable_spans(markdown: str) -> Iterator[tuple[int, int, int]]:
    """Section number, start and end of each stretch of text the linker may change."""
    section = 0
    for kind, start, end in _blocks(markdown):
        if kind == _SECTION:
            section += 1
        elif kind == _PROSE:
            pos = start
            for m in _INLINE.finditer(markdown, start, end):
                if m.start() > pos:
                    yield section, pos, m.start()
                pos = m.end()
            if pos < end:
                yield section, pos, end


def _blocks(markdown: str) -> Iterator[tuple[str, int, int]]:
    """Kind, start and end of each run of lines of one kind; a section heading is a run."""
    lines = markdown.split("\n")
    offset, run_kind, run_start = 0, _PROSE, 0
    for line, kind in zip(lines, _line_kinds(lines), strict=True):
        if kind != run_kind or kind == _SECTION:
            if offset > run_start:
                yield run_kind, run_start, offset
            run_kind, run_start = kind, offset
        offset += len(line) + 1
    yield run_kind, run_start, len(markdown)


def _line_kinds(lines: list[str]) -> Iterator[str]:
    """The kind of each line: prose, skipped (code, headings, HTML…) or a section heading."""
    i = _front_matter_length(lines)
    yield from [_SKIP] * i
    ends: Callable[[str], bool] | None = None
    for line in lines[i:]:
        line = line.rstrip("\r")
        if ends:
            yield _SKIP
            if ends(line):
                ends = None
            continue
        kind, ends = _block_start(line)
        yield kind


def _front_matter_length(lines: list[str]) -> int:
    """How many lines YAML front matter takes at the top (0 when there is none)."""
    if lines[0].rstrip() != "---":
        return 0
    for i, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return i + 1
    return 0


def _block_start(line: str) -> tuple[str, Callable[[str], bool] | None]:
    """How a line outside any block reads; for a block going on, how to spot its last line."""
    if m := _FENCE.match(line):
        fence, info = m.groups()
        # A backtick in a backtick fence's info string makes the line inline code.
        if not (fence[0] == "`" and "`" in info):
            closer = re.compile(rf"[ \t]*(?:>[ \t]?)*[ \t]*{fence[0]}{{{len(fence)},}}\s*")
            return _SKIP, lambda text: closer.fullmatch(text) is not None
    if m := _HEADING.match(line):
        return (_SECTION if len(m.group(1)) <= 2 else _SKIP), None
    if _TITLE_LINE.match(line) or _DEFINITION.match(line):
        return _SKIP, None
    if m := _HTML_BLOCK.match(line):
        if m.group("comment"):
            return _SKIP, None if _comment_end(line[m.end() :]) else _comment_end
        if m.group("tag"):
            ends = _element_end(m.group("tag"))
            return _SKIP, None if ends(line) else ends
        return _SKIP, None
    return _PROSE, None


def _comment_end(line: str) -> bool:
    """True on the line that closes an HTML comment."""
    return "-->" in line


def _element_end(tag: str) -> Callable[[str], bool]:
    """A test, fed the element's lines in turn, that is true on the line that closes it."""
    opens = re.compile(rf"<{tag}(?=[\s/>]|$)", re.IGNORECASE)
    closes = re.compile(rf"</{tag}\s*>", re.IGNORECASE)
    depth = 0

    def ends(line: str) -> bool:
        nonlocal depth
        depth += len(opens.findall(line)) - len(closes.findall(line))
        return depth <= 0

    return ends

"""Source text to safe HTML: rendered with the site's Markdown extensions, then sanitized.

Every fragment of a page that comes from a source or a topic file goes through
:class:`Fragments`: Python-Markdown renders it with the ``markdown_extensions`` of the
project's ``mkdocs.yml`` (raw HTML in the text is shown as text), then ``nh3`` keeps only
the elements, attributes and URLs of :data:`TAGS`, :data:`ATTRIBUTES` and
:data:`URL_SCHEMES`. The page template embeds the result as raw HTML, which a publisher
passes through untouched, so the page is safe whatever builds it.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import markdown
import nh3
import yaml
from markdown.treeprocessors import Treeprocessor
from material.utilities.filter import Filter, FilterConfig
from mkdocs.exceptions import ConfigurationError
from mkdocs.utils.yaml import yaml_load

from kbgen.exceptions import BuildError
from kbgen.fragment_cache import FragmentCache
from kbgen.prose import prose_renderer
from kbgen.site_urls import _CONTROL, _SCHEME, _link_target, _relpath, page_url, relative_url

__all__ = [
    "ATTRIBUTES",
    "TAGS",
    "URL_SCHEMES",
    "Fragments",
    "SiteMarkdown",
    "is_plain",
    "is_safe_url",
    "page_url",
    "relative_url",
    "site_markdown",
]

MKDOCS_FILE = "mkdocs.yml"

TAGS = frozenset(
    {
        *("a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd"),
        *("del", "details", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "small"),
        *("span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th"),
        *("thead", "tr", "u", "ul"),
    }
)
"""Elements a fragment may hold: what Python-Markdown and the pymdownx extensions Material
documents produce (code highlighting, tables, admonitions, details, footnotes, math).
No ``script``, ``style``, ``iframe``, ``object``, ``embed``, ``form``, ``input``, ``base``,
``svg`` or ``math``."""

PREVIEW = "data-preview"
"""The attribute Material's ``material.extensions.preview`` puts on a link to show the
linked page in a tooltip on hover (``navigation.instant.preview``)."""

ATTRIBUTES: Mapping[str, frozenset[str]] = {
    "*": frozenset({"class", "id", "title", "lang", "dir"}),
    "a": frozenset({"href", "rel", "name", PREVIEW}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan", "style"}),
    "th": frozenset({"colspan", "rowspan", "style"}),
    "ol": frozenset({"start", "reversed"}),
    "li": frozenset({"value"}),
    "details": frozenset({"open"}),
}
"""Attributes kept, by element (``*``: any). No ``on*`` handler, ``style`` only as a table
cell's ``text-align``, :data:`PREVIEW` only on a link to a page of the site that
``material.extensions.preview`` targets (see :class:`Previews`)."""

URL_SCHEMES = frozenset({"http", "https", "mailto"})
"""Schemes a link may use; relative URLs are always allowed, an image's ``src`` only
relative (the site makes no request outside its own origin)."""

SKIPPED_EXTENSIONS = frozenset(
    {
        "toc",
        "markdown.extensions.toc",
        "pymdownx.snippets",
        "pymdownx.b64",
        "kbgen.wikilinks",
        "material.extensions.preview",
    }
)
"""Never used on source text: ``toc`` ids would clash with the page's own headings,
``snippets`` and ``b64`` would read files from disk into a page, and the others need
MkDocs' page context (:class:`Previews` does the preview extension's work)."""

PREVIEW_EXTENSION = "material.extensions.preview"

BUILTIN_EXTENSIONS = ("toc", "tables", "fenced_code")
"""Extensions MkDocs always loads, as :class:`mkdocs.config.config_options.MarkdownExtensions`."""

MAX_BLOCK = 3000
"""Characters a paragraph (lines up to a blank line) may have to be rendered as Markdown."""
MAX_DEPTH = 50
"""Nesting a line may have to be rendered as Markdown: quote markers, plus indentation in
steps of two spaces."""

_PREFIX = re.compile(r"[ \t>]*")
_CODE_LINE = re.compile(r"__codelineno-(\d+)-")
"""pymdownx.highlight's line anchors, numbered by code block from 0 in each fragment."""
_NO_BLANK_LINE = re.compile(r"\n[ \t]*(?=\n)")
"""A line break that starts a blank line: Markdown would end an HTML block there."""


@dataclass(frozen=True)
class SiteMarkdown:
    """How the site renders Markdown, as ``mkdocs.yml`` configures it."""

    extensions: tuple[str, ...] = BUILTIN_EXTENSIONS
    """Extension names, in ``mkdocs.yml`` order, after MkDocs' built-in ones."""
    configs: Mapping[str, Any] = field(default_factory=dict)
    """Each configured extension's options."""
    directory_urls: bool = True
    """MkDocs' ``use_directory_urls``: ``topics/x.md`` is served at ``topics/x/``."""


def site_markdown(root: Path) -> SiteMarkdown:
    """The Markdown setup of the ``mkdocs.yml`` in ``root``; MkDocs' defaults without one."""
    path = root / MKDOCS_FILE
    if not path.is_file():
        return SiteMarkdown()
    try:
        data = yaml_load(path.read_text(encoding="utf-8")) or {}
    except (ConfigurationError, yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise BuildError(f"{path}: not a mapping of settings")
    raw = data.get("markdown_extensions") or []
    items = list(raw.items()) if isinstance(raw, dict) else raw
    names, configs = list(BUILTIN_EXTENSIONS), {}
    if not isinstance(items, list):
        raise BuildError(f"{path}: `markdown_extensions` must be a list")
    for item in items:
        if isinstance(item, tuple):
            name, options = item
        elif isinstance(item, dict) and len(item) == 1:
            ((name, options),) = item.items()
        elif isinstance(item, str):
            name, options = item, None
        else:
            raise BuildError(f"{path}: `markdown_extensions` item {item!r} is not a name")
        if name not in names:
            names.append(name)
        if options:
            if not isinstance(options, dict):
                raise BuildError(f"{path}: options of extension `{name}` must be a mapping")
            configs[name] = options
    return SiteMarkdown(tuple(names), configs, data.get("use_directory_urls", True) is not False)


def is_safe_url(url: str, schemes: frozenset[str] = URL_SCHEMES) -> bool:
    """True for a relative URL, or one whose scheme is in ``schemes``.

    Entities and control characters are resolved first, as a browser would, so
    ``java&#115;cript:`` or ``java\\tscript:`` count as ``javascript:``.
    """
    m = _SCHEME.match(_CONTROL.sub("", html.unescape(url)).lower())
    return m is None or m.group()[:-1] in schemes


def is_plain(text: str) -> bool:
    """True for text shown as plain text, unrendered: a paragraph longer than
    :data:`MAX_BLOCK` characters or a line nested deeper than :data:`MAX_DEPTH`.

    No glossary writes such text, and Markdown renderers take time that grows faster than
    the input on it (the linker and Python-Markdown scan a paragraph again for each link).
    """
    block = 0
    for line in text.split("\n"):
        block = block + len(line) + 1 if line.strip() else 0
        if block > MAX_BLOCK:
            return True
        prefix = _PREFIX.match(line).group()  # type: ignore[union-attr]
        if prefix.count(">") + prefix.expandtabs(4).count(" ") // 2 > MAX_DEPTH:
            return True
    return False


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    """Drop what the allow-list cannot express: remote images, theme classes and ids."""
    if element == "img" and attribute == "src":
        plain = _CONTROL.sub("", value)
        return None if _SCHEME.match(plain.lower()) or plain.startswith("//") else value
    if attribute == "class":
        # Material's layout (md-) and kbgen's own (kb-) classes are the page's, not the text's.
        kept = [c for c in value.split() if not c.startswith(("md-", "kb-"))]
        return " ".join(kept) or None
    if attribute == PREVIEW:
        return ""  # set by Previews alone, which removes any other
    if attribute in ("id", "name"):
        # Ids of the theme (__search, __toc…) are not the text's; code line anchors are.
        return value if not value.startswith("__") or _CODE_LINE.match(value) else None
    return value


def _filter(config: Any) -> Filter:
    """Material's own filter of page paths for a ``sources`` or ``targets`` setting."""
    settings = FilterConfig()
    settings.load_dict(config if isinstance(config, dict) else {})
    errors, _ = settings.validate()
    if errors:
        raise BuildError(f"{MKDOCS_FILE}: {PREVIEW_EXTENSION}: {errors[0][1]}")
    return Filter(settings)


class Previews(Treeprocessor):
    """Marks links to pages the preview extension targets, as it does in Markdown pages.

    ``material.extensions.preview`` needs MkDocs' page context, which a fragment has not:
    this applies its ``sources`` and ``targets`` settings (Material's own path filters) to
    the fragment's page and to each link's ``.md`` target. Any other :data:`PREVIEW`
    attribute (from ``attr_list``, say) is removed, so external links never carry it.
    """

    def __init__(self, md: markdown.Markdown, config: Mapping[str, Any]) -> None:
        super().__init__(md)
        items = list(config.get("configurations") or [])
        items.append({"sources": config.get("sources"), "targets": config.get("targets")})
        self.rules = [
            (_filter(c.get("sources")), _filter(c.get("targets")))
            for c in items
            if isinstance(c, dict) and (c.get("sources") or c.get("targets"))
        ]
        self.page = ""
        """The docs path of the page being rendered (``topics/x.md``)."""
        self._matched: dict[tuple[int, int, str], bool] = {}
        """Each filter's verdict on each path, for every page links to the same topics."""

    def _targeted(self, href: str) -> bool:
        # A link to an anchor of the page links to the page itself, as Material finds.
        if href.startswith("#"):
            target: str | None = self.page
        else:
            target = _link_target(posixpath.dirname(self.page), href)
        if target is None:
            return False
        return any(
            self._match(i, 0, self.page) and self._match(i, 1, target)
            for i in range(len(self.rules))
        )

    def sources(self, page: str) -> tuple[bool, ...]:
        """Which rules' ``sources`` filter takes the page ``page``."""
        return tuple(self._match(i, 0, page) for i in range(len(self.rules)))

    def _match(self, rule: int, side: int, path: str) -> bool:
        """Whether the ``sources`` (side 0) or ``targets`` filter of a rule takes ``path``."""
        key = (rule, side, path)
        found = self._matched.get(key)
        if found is None:
            found = self._matched[key] = bool(self.rules[rule][side](path))
        return found

    def run(self, root: Element) -> None:
        for link in root.iter("a"):
            link.attrib.pop(PREVIEW, None)
            if "footnote-ref" in link.get("class", "").split():
                continue
            if self._targeted(_CONTROL.sub("", link.get("href", ""))):
                link.set(PREVIEW, "")


class Fragments:
    """Renders source text to sanitized HTML with one site's Markdown setup."""

    def __init__(
        self, setup: SiteMarkdown | None = None, cache: FragmentCache | None = None
    ) -> None:
        self.setup = setup or SiteMarkdown()
        self.cache = cache
        """Python-Markdown's output kept between builds (:mod:`kbgen.fragment_cache`)."""
        self._page, self._code_blocks = "", 0
        """The page being rendered and its code blocks so far, for unique line anchors."""
        names = [n for n in self.setup.extensions if n not in SKIPPED_EXTENSIONS]
        configs = {n: dict(c) for n, c in self.setup.configs.items() if n in names}
        try:
            self._md = markdown.Markdown(extensions=names, extension_configs=configs)
        except Exception as exc:  # any extension may fail to load: name it and the setting
            raise BuildError(
                f"{MKDOCS_FILE}: markdown_extensions: cannot load {names}: {exc}"
            ) from exc
        # Raw HTML in the text is data: without these, Python-Markdown escapes it as text.
        for registry, name in (
            (self._md.preprocessors, "html_block"),
            (self._md.inlinePatterns, "html"),
        ):
            if name in registry:
                registry.deregister(name)
        # Without the preview extension in mkdocs.yml, no link is marked.
        enabled = PREVIEW_EXTENSION in self.setup.extensions
        self._previews = Previews(self._md, self.setup.configs.get(PREVIEW_EXTENSION) or {})
        if not enabled:
            self._previews.rules = []
        # Last of all, so that no extension adds the attribute after it.
        self._md.treeprocessors.register(self._previews, "kb-preview", -100)
        self._prose = prose_renderer(tuple(names), configs)
        """Renders plain prose as Python-Markdown would, when the extensions allow it."""
        self._cleaner = nh3.Cleaner(
            tags=set(TAGS),
            attributes={k: set(v) for k, v in ATTRIBUTES.items()},
            attribute_filter=_filter_attribute,
            link_rel=None,
            url_schemes=set(URL_SCHEMES),
            filter_style_properties={"text-align"},
            url_relative=lambda url: relative_url(url, self._previews.page, self._directory),
        )
        """One sanitizer for every fragment: relative URLs resolve from the page being
        rendered (``self._previews.page``)."""
        self._directory = self.setup.directory_urls
        self._links: dict[tuple, str] = {}
        """Opening tags of links, by what they depend on (:meth:`link_start`)."""
        self._kinds: dict[str, tuple] = {}
        """A page's folder, address depth and verdict of the preview ``sources``."""

    def _convert(self, text: str) -> str:
        self._md.reset()
        return self._md.convert(text)

    def _targeted(self, href: str) -> bool:
        """Whether the preview extension marks a link to ``href`` on the current page."""
        return bool(self._previews.rules) and self._previews._targeted(_CONTROL.sub("", href))

    def link_start(self, target: str, page: str) -> str:
        """The opening tag of a link from the page ``page`` to the docs file ``target``
        (both docs paths, ``topics/x.md``; or an anchor of the page, ``#how``), as MkDocs
        and the preview extension write it for a Markdown link."""
        self._previews.page = page
        anchor = target.startswith("#")
        # The same from every page that has the same folder, address depth and verdict of
        # the preview extension's `sources` (an anchor: from its own page only).
        kind = self._kinds.get(page)
        if kind is None:
            depth = page_url(page, self._directory).count("/")
            sources = self._previews.sources(page)
            kind = self._kinds[page] = (posixpath.dirname(page), depth, sources)
        found = self._links.get((page, target) if anchor else (kind, target))
        if found is None:
            written = target if anchor else _relpath(target, posixpath.dirname(page))
            href = html.escape(relative_url(written, page, self._directory) or "", quote=True)
            preview = f' {PREVIEW}=""' if self._targeted(written) else ""
            found = f'<a{preview} href="{href}">'
            self._links[(page, target) if anchor else (kind, target)] = found
        return found

    def link(self, target: str, page: str, label: str) -> str:
        """:meth:`link_start` around ``label`` (HTML)."""
        return f"{self.link_start(target, page)}{label}</a>"

    def html(self, text: str, page: str) -> str:
        """``text`` (Markdown) as sanitized HTML for the page ``page`` (``topics/x.md``).

        Text that :func:`is_plain` picks is shown as one paragraph of plain text. The
        result has no blank line, so that any Markdown publisher reads it as one HTML
        block and never parses it again. Fragments of one page rendered in turn number
        their code line anchors on from each other, as in one page rendered whole.
        """
        if is_plain(text):
            return '<p class="kb-plain">' + html.escape(text).replace("\n", "&#10;") + "</p>"
        self._previews.page = page
        rendered = self._prose(text, self._targeted) if self._prose else None
        if rendered is None:
            rendered = (
                self._convert(text)
                if self.cache is None
                else self.cache.get(text, page, lambda: self._convert(text))
            )
        clean = self._cleaner.clean(rendered).strip("\n")
        if page != self._page:
            self._page, self._code_blocks = page, 0
        if numbers := {int(n) for n in _CODE_LINE.findall(clean)}:
            first = self._code_blocks
            clean = _CODE_LINE.sub(lambda m: f"__codelineno-{first + int(m[1])}-", clean)
            self._code_blocks += max(numbers) + 1
        return _NO_BLANK_LINE.sub(lambda m: "&#10;" + m.group()[1:], clean)

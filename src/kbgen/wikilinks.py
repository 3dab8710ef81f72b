"""A Python-Markdown extension linking ``[[Topic name]]`` to a knowledge base built by kbgen.

In any MkDocs site's ``mkdocs.yml``::

    markdown_extensions:
      - kbgen.wikilinks:
          topics: https://kb.example.com/topics.json   # or a path (relative to the build's folder)
          base_url: https://kb.example.com/            # optional, see below
          errors: false                                # optional, see below

Forms: ``[[LoRA]]``, ``[[LoRA|custom text]]``, ``[[LoRA#pitfalls]]`` (a section id, or its
heading: ``[[LoRA#Use When]]``). Names resolve as :mod:`kbgen.resolve` says. Links go to
``base_url`` + the topic's URL; ``base_url`` defaults to the ``site_url`` recorded in
``topics.json``, else to the folder of a ``topics`` URL. An unknown or ambiguous name, or an
unknown section, logs a warning with a did-you-mean (MkDocs' strict mode turns it into a
failed build) and renders as plain text, never as a broken link. With ``errors: true``
the page fails to convert instead, with a :class:`WikiLinkError` listing every such link
of the page: for publishers that do not count extension warnings (Zensical). ``topics.json`` is read
once per build (a file again when it changes; a URL at most every :data:`URL_TTL` seconds).
"""

from __future__ import annotations

import logging
import re
import time
import xml.etree.ElementTree as etree
from pathlib import Path
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import Postprocessor

from kbgen.exports import section_anchor
from kbgen.resolve import NameIndex, read_topics_json
from kbgen.sanitize import is_safe_url

# Under "mkdocs" so that MkDocs counts these warnings (and fails a strict build on them).
log = logging.getLogger("mkdocs.kbgen.wikilinks")

WIKILINK = r"\[\[([^\]\[|#\n]+)(?:#([^\]\[|\n]+))?(?:\|([^\]\[\n]+))?\]\]"
URL_TTL = 300.0
LINK_SCHEMES = frozenset({"http", "https"})
"""Schemes a URL of ``topics.json`` (or ``base_url``) may use; relative URLs are fine too."""

_cache: dict[str, tuple[float, NameIndex, str]] = {}


class WikiLinkError(ValueError):
    """Links of a page that name no topic, an ambiguous one or no section (``errors: true``)."""


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def load(source: str) -> tuple[NameIndex, str]:
    """The names of the ``topics.json`` at ``source`` and its ``site_url`` (or ``""``), cached."""
    try:
        stamp = time.monotonic() // URL_TTL if _is_url(source) else Path(source).stat().st_mtime_ns
        cached = _cache.get(source)
        if cached is None or cached[0] != stamp:
            data = read_topics_json(source)
            _check_urls(data)
            cached = (
                stamp,
                NameIndex(data["topics"], data.get("shared_names")),
                str(data.get("site_url", "")),
            )
            _cache[source] = cached
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"kbgen.wikilinks: cannot read topics from {source}: {exc}") from exc
    return cached[1], cached[2]


def _check_urls(data: dict[str, Any]) -> None:
    """Every URL of a ``topics.json`` is http(s) or relative: a hostile file links nowhere else."""
    urls = [("site_url", data.get("site_url", ""))]
    urls += [(f"topic `{t.get('slug', '?')}`: url", t.get("url")) for t in data["topics"]]
    for where, url in urls:
        if not isinstance(url, str) or not is_safe_url(url, LINK_SCHEMES):
            raise ValueError(f"{where} {url!r} is not an http, https or relative URL")


class WikiLinkProcessor(InlineProcessor):
    """Turns one ``[[Name#anchor|text]]`` into a link, or into text with a warning."""

    def __init__(self, md: Markdown, index: NameIndex, base_url: str, errors: bool) -> None:
        super().__init__(WIKILINK, md)
        self.index, self.base_url, self.errors = index, base_url, errors
        self.problems: list[str] = []
        """This page's unresolved links, when they are errors."""

    def problem(self, message: str, *args: object) -> None:
        if self.errors:
            self.problems.append(message % args)
        else:
            log.warning(message, *args)

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:
        name, anchor, text = (g.strip() if g else "" for g in m.groups())
        found = self.index.lookup(name)
        label = text or name
        if len(found) != 1:
            if found:
                choices = ", ".join(f"`{r.title}`" for r in found)
                self.problem("[[%s]] is ambiguous: it names %s", name, choices)
            else:
                hint = ", ".join(f"`{s}`" for s in self.index.suggest(name))
                self.problem(
                    "[[%s]] names no topic%s", name, f"; did you mean {hint}?" if hint else ""
                )
            span = etree.Element("span", {"class": "kb-missing"})
            span.text = label
            return span, m.start(0), m.end(0)
        topic = found[0]
        href = self.base_url + topic.url
        if anchor:
            if anchor not in topic.anchors and section_anchor(anchor) in topic.anchors:
                anchor = section_anchor(anchor)
            if anchor not in topic.anchors:
                self.problem(
                    "[[%s#%s]]: `%s` has no section `%s`; it has %s",
                    name,
                    anchor,
                    topic.title,
                    anchor,
                    ", ".join(f"`{a}`" for a in topic.anchors) or "none",
                )
            else:
                href += f"#{anchor}"
        link = etree.Element("a", {"href": href, "class": "kb-link", "title": topic.title})
        link.text = label
        return link, m.start(0), m.end(0)


class WikiLinkCheck(Postprocessor):
    """Raises :class:`WikiLinkError` at the end of a page that has unresolved links."""

    def __init__(self, md: Markdown, links: WikiLinkProcessor) -> None:
        super().__init__(md)
        self.links = links

    def run(self, text: str) -> str:
        problems, self.links.problems = self.links.problems, []
        if problems:
            lines = "".join(f"\n  {p}" for p in problems)
            raise WikiLinkError(f"kbgen.wikilinks: {len(problems)} unresolved links:{lines}")
        return text


class WikiLinkExtension(Extension):
    """Registers the ``[[Name]]`` inline pattern."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "topics": ["", "Path or URL of a kbgen site's topics.json"],
            "base_url": ["", "URL of the knowledge base root (default: from topics.json)"],
            "errors": [False, "Fail the page on an unresolved link instead of warning"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        source = str(self.getConfig("topics"))
        if not source:
            raise ValueError("kbgen.wikilinks needs the `topics` option (a path or URL)")
        index, site_url = load(source)
        base = self.getConfig("base_url") or site_url
        if not base and _is_url(source):
            base = source.rsplit("/", 1)[0] + "/"
        if not base:
            raise ValueError(
                f"kbgen.wikilinks: {source} records no site_url; set the `base_url` option"
            )
        if not is_safe_url(base, LINK_SCHEMES):
            raise ValueError(f"kbgen.wikilinks: base_url {base!r} is not an http or https URL")
        base = base if base.endswith("/") else base + "/"
        # Above Python-Markdown's own link pattern (160), so `[[` is not read as a link.
        links = WikiLinkProcessor(md, index, base, bool(self.getConfig("errors")))
        md.inlinePatterns.register(links, "kbgen-wikilink", 175)
        md.postprocessors.register(WikiLinkCheck(md, links), "kbgen-wikilink-check", 0)


def makeExtension(**kwargs: Any) -> WikiLinkExtension:
    """Entry point used by ``markdown_extensions: [kbgen.wikilinks]``."""
    return WikiLinkExtension(**kwargs)

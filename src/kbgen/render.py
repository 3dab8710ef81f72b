"""Render topics as plain Markdown pages: safe source text, cross-links, page templates.

Everything here is pure: it takes topics and returns page text, so it runs and is tested
without MkDocs. Text from topics is data, never markup: :func:`safe_markdown` escapes raw
HTML, drops links with script-capable URL schemes, demotes headings that would break the
page outline, and closes code fences left open, so one topic can never change another
part of the page.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import yaml
from markdown.extensions.toc import slugify as toc_slugify
from pymdownx.slugs import slugify as pymdownx_slugify

from kbgen.config import TagInfo
from kbgen.exports import section_anchor, summary
from kbgen.links import Linker, LinkTarget
from kbgen.provenance import RepoLinks
from kbgen.records import CORE_SECTIONS, SourceRef, Topic
from kbgen.slugs import slugify
from kbgen.store import BodyPart, BodySection, fences, parse_body

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's emitter when PyYAML has it: same output, several times faster."""

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "ftp"})
"""URL schemes a link from topic text may use; relative URLs are always allowed."""

_PART_BREAK = "<!-- kbgen: part -->"
_tag_anchor_slug = pymdownx_slugify(case="lower")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>#|!{}])")
_HEADING = re.compile(r"^( {0,3})(#{1,2})(?=\s|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]+)>", re.I)
_MATH = re.compile(r"\\\(([^`]+?)\\\)")
_REF_DEFINITION = re.compile(r"^( {0,3}\[[^\]]+\]:\s*)<?(\S+?)>?(\s.*)?$")


def tag_anchor(name: str) -> str:
    """The anchor Material's tags plugin gives a tag's listing: ``tag:<slug>``."""
    return "tag:" + _tag_anchor_slug(name, "-")


def is_safe_url(url: str) -> bool:
    """True for relative URLs and http(s), mailto and ftp ones.

    Entities and control characters are resolved first, as a browser would, so
    ``java&#115;cript:`` or ``java\\tscript:`` are recognised as ``javascript:``.
    """
    plain = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(url)).lower()
    m = _SCHEME.match(plain)
    return m is None or m.group(1) in SAFE_SCHEMES


def _close_paren(text: str, start: int) -> int:
    """Index just past the ``)`` closing the ``(`` at ``start - 1``, or ``-1``."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "\\":
            continue
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def _drop_unsafe_links(text: str) -> str:
    """Replace ``[text](unsafe-url)`` by ``text``; other links stay as written."""
    out, pos = [], 0
    for m in re.finditer(r"\]\(", text):
        if m.start() < pos:
            continue
        end = _close_paren(text, m.end())
        if end < 0:
            continue
        destination = text[m.end() : end - 1].strip().strip("<>").split(" ")[0]
        if is_safe_url(destination):
            continue
        opening = text.rfind("[", pos, m.start())
        if opening < 0:
            continue
        if opening > 0 and text[opening - 1] == "!":
            opening -= 1  # an image: keep its alt text
        label = text[opening : m.start()].lstrip("!")[1:]
        out += [text[pos:opening], label]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _escape_html(text: str) -> str:
    """Escape ``<`` outside inline code, keeping ``<https://…>`` autolinks as links.

    ``\\( … \\)`` formulas become inline code: the site loads no math renderer (it makes no
    request outside its origin), and Markdown would otherwise eat their backslashes.
    """

    def prose(piece: str) -> str:
        piece = _AUTOLINK.sub(lambda m: f"[{m.group(1)}]({m.group(1)})", piece)
        piece = _MATH.sub(lambda m: f"`{m.group(1).strip()}`", piece)
        parts = re.split(r"(`[^`]*`)", piece)
        return "".join(p if i % 2 else p.replace("<", "&lt;") for i, p in enumerate(parts))

    pieces = re.split(r"(`+[^`]*?`+)", text)
    return "".join(p if i % 2 else prose(p) for i, p in enumerate(pieces))


def safe_markdown(text: str) -> str:
    """Source text made safe to embed in a page as Markdown (see the module docstring)."""
    lines = text.split("\n")
    in_fence, open_fence = fences(lines)
    out: list[str] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            out.extend(_escape_html(_drop_unsafe_links("\n".join(block))).split("\n"))
            block.clear()

    for line, fenced in zip(lines, in_fence, strict=True):
        if fenced:
            flush()
            out.append(line)
            continue
        if (d := _REF_DEFINITION.match(line)) and not is_safe_url(d.group(2)):
            line = "\\" + line.lstrip()
        line = _HEADING.sub(lambda m: m.group(1) + "###", line)
        if _SETEXT.match(line) and block and block[-1].strip():
            block.append("")  # a lone === or --- must not turn the line above into a heading
        block.append(line)
    flush()
    if open_fence:
        out.append(open_fence)
    return "\n".join(out).strip("\n")


def inline(text: str) -> str:
    """A one-line name as literal Markdown text: every Markdown and HTML character escaped."""
    return (
        _INLINE_SPECIAL.sub(r"\\\1", " ".join(text.split()))
        .replace("\\<", "&lt;")
        .replace("\\>", "&gt;")
    )


def az_letter(name: str) -> str:
    """The A–Z group of a name: its first letter without accents, or ``Other``."""
    first = unicodedata.normalize("NFKD", name.strip()[:1])[:1].upper()
    return first if "A" <= first <= "Z" else "Other"


def search_boost(names: list[str]) -> float:
    """Material search's per-page boost: a topic with a shorter name ranks higher.

    Material indexes without length normalisation, so ``Speculative Decoding`` and
    ``Speculative Decoding / Draft-and-Verify`` would tie for ``speculative decoding``;
    this prior, from the topic's shortest name, gives the tie to the concise topic.
    """
    parts = [p for name in names for p in re.split(r"[()]", name)]
    words = min((len(re.findall(r"[^\W_]+", p)) for p in parts if p.strip()), default=1)
    return round(1 / (1 + 0.15 * (max(words, 1) - 1)), 3)


def front_matter(data: dict[str, object]) -> str:
    """A YAML front matter block for a generated page."""
    dumped = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{dumped}---\n"


@dataclass(frozen=True)
class Part:
    """One source's contribution to a section, ready for the template."""

    label: str
    """``file:line`` of the source, or ``""`` for an editor's unattributed text."""
    markdown: str
    """Safe Markdown."""
    url: str = ""
    """The source line online, when the repository's address is known."""


@dataclass(frozen=True)
class PageSection:
    """A section as the topic template shows it."""

    name: str
    """Heading text, escaped for Markdown."""
    anchor: str
    """The heading's HTML id: ``what``, ``use-when``…"""
    parts: tuple[Part, ...]
    """The attributed parts, in file order."""

    @property
    def labelled(self) -> bool:
        """Label each part with its source when several sources contributed."""
        return sum(1 for p in self.parts if p.label) > 1


@dataclass
class TopicPage:
    """Everything the topic template needs for one page."""

    topic: Topic
    sections: list[PageSection]
    """Cross-linked sections in page order."""
    summary: str
    """The first sentence of What, for the page's description."""
    tags: list[TagInfo]
    related: list[Topic] = field(default_factory=list)
    """Topics the editor listed under ``related``."""
    backlinks: list[Topic] = field(default_factory=list)
    """Topics whose text links here."""
    links: list[str] = field(default_factory=list)
    """Slugs this page links to from its text."""
    changed: str = ""
    """ISO date the topic file last changed, or ``""``."""
    repo: RepoLinks = field(default_factory=RepoLinks)
    """Where source lines and the topic file are online."""

    @property
    def edit_url(self) -> str:
        """The online editor of ``topics/<slug>.md``, or ``""``."""
        return self.repo.edit(self.topic.slug)

    @property
    def sources(self) -> list[SourceRef]:
        """The source entries of the topic, in file and line order."""
        return sorted(self.topic.sources)


def page_sections(body: str) -> list[PageSection]:
    """A topic body as ordered page sections: the core four first, then the others."""
    preamble, sections = parse_body(body)
    if preamble.strip():
        sections = [BodySection("Notes", (BodyPart(None, preamble),)), *sections]
    order = {name: i for i, name in enumerate(CORE_SECTIONS)}
    ranked = sorted(enumerate(sections), key=lambda s: (order.get(s[1].name, len(order)), s[0]))
    return [
        PageSection(
            inline(s.name),
            section_anchor(s.name),
            tuple(
                Part(str(p.source) if p.source else "", safe_markdown(p.text))
                for p in s.parts
                if p.text.strip()
            ),
        )
        for _, s in ranked
        if any(p.text.strip() for p in s.parts)
    ]


def template_env(overrides: Path | None = None) -> jinja2.Environment:
    """Jinja2 templates: the project's ``templates/`` first, then kbgen's defaults."""
    loaders: list[jinja2.BaseLoader] = []
    if overrides is not None and overrides.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(overrides)))
    loaders.append(jinja2.PackageLoader("kbgen", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=False,  # the templates write Markdown; values are escaped explicitly
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = inline
    env.filters["html"] = lambda s: html.escape(str(s), quote=True)
    env.filters["tag_anchor"] = tag_anchor
    env.filters["toc_anchor"] = lambda s: toc_slugify(str(s), "-")
    env.filters["az_letter"] = az_letter
    env.filters["indent4"] = lambda s: "\n".join(
        ("    " + line) if line.strip() else "" for line in str(s).split("\n")
    )
    env.globals["front_matter"] = front_matter
    env.globals["search_boost"] = search_boost
    return env


def link_targets(topics: Iterable[Topic]) -> list[LinkTarget]:
    """Every title and alias of every topic, for the cross-linker."""
    return [LinkTarget(name, t.slug) for t in topics for name in t.names]


def _source_url(repo: RepoLinks | None, label: str) -> str:
    """The online address of a ``file:line`` part label, or ``""``."""
    file, _, line = label.rpartition(":")
    if repo is None or not file or not line.isdigit():
        return ""
    return repo.source(SourceRef(file, int(line)))


def build_pages(
    topics: list[Topic],
    tags: dict[str, TagInfo],
    env: jinja2.Environment,
    repo: RepoLinks | None = None,
    changed: dict[str, str] | None = None,
) -> dict[str, str]:
    """Render every topic page; returns ``slug -> Markdown``.

    ``repo`` gives the source labels and the edit link their addresses; ``changed`` is
    each topic's last-changed date.

    Two phases: first link every page (which needs every topic's names), then render each
    with its backlinks (which need every page's links).
    """
    by_slug = {t.slug: t for t in topics}
    linker = Linker(link_targets(topics))
    template = env.get_template("topic.md.j2")
    pages: dict[str, TopicPage] = {}
    for topic in topics:
        sections = page_sections(topic.body)
        linked_sections, links = [], []
        for section in sections:
            # One linker pass per section, so a topic is linked once however many parts.
            joined = f"\n\n{_PART_BREAK}\n\n".join(p.markdown for p in section.parts)
            text, found = linker.link(joined, topic.slug, lambda s: f"{s}.md")
            texts = text.split(f"\n\n{_PART_BREAK}\n\n")
            parts = tuple(
                Part(p.label, t, _source_url(repo, p.label))
                for p, t in zip(section.parts, texts, strict=True)
            )
            linked_sections.append(PageSection(section.name, section.anchor, parts))
            links += found
        pages[topic.slug] = TopicPage(
            topic=topic,
            sections=linked_sections,
            summary=summary(parse_body(topic.body)[1]),
            # A tag outside the configured list shows as its slug: never markup.
            tags=[tags.get(t) or TagInfo(t, slugify(t) or "tag") for t in topic.tags],
            related=[by_slug[s] for s in topic.related if s in by_slug and s != topic.slug],
            links=list(dict.fromkeys(links)),
            changed=(changed or {}).get(topic.slug, ""),
            repo=repo or RepoLinks(),
        )
    for page in pages.values():
        for slug in page.links:
            pages[slug].backlinks.append(page.topic)
    for page in pages.values():
        page.backlinks.sort(key=lambda t: (t.title.casefold(), t.slug))
    return {slug: template.render(page=page) for slug, page in pages.items()}

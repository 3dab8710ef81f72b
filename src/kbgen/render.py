"""Render topics as Markdown pages: source text as safe HTML, cross-links, page templates.

Everything here is pure: it takes topics and returns page text, so it runs and is tested
without MkDocs. Text from topics is data, never markup: :func:`source_markdown` keeps each
part to itself (headings demoted, code fences closed), the linker adds cross-links, and
:class:`kbgen.sanitize.Fragments` renders it with the site's Markdown extensions and
sanitizes the HTML, which the template embeds as raw HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import jinja2

from kbgen import progress
from kbgen.config import TagInfo
from kbgen.disambiguation import Disambiguation
from kbgen.exports import section_anchor
from kbgen.incremental import Memo, Same, page_key
from kbgen.links import Linker, LinkTarget, first_key, text_keys
from kbgen.prerendered import Blocks
from kbgen.provenance import RepoLinks
from kbgen.records import CORE_SECTIONS, SourceRef, Topic
from kbgen.related import MIN_RELATED, fill_related, similar_topics
from kbgen.safe_text import inline, source_markdown
from kbgen.sanitize import Fragments, is_plain
from kbgen.slugs import slugify
from kbgen.store import BodyPart, BodySection, parse_body
from kbgen.summary import summary
from kbgen.templating import render_page
from kbgen.terms import fold, number_variants

_PART_BREAK = "<!-- kbgen: part -->"


@dataclass(frozen=True)
class Part:
    """One source's contribution to a section, ready for the template."""

    label: str
    """``file:line`` of the source, or ``""`` for an editor's unattributed text."""
    markdown: str
    """The part's text as :func:`source_markdown` prepares it."""
    html: str = ""
    """The cross-linked text, rendered and sanitized (filled in by :func:`build_pages`)."""
    sources: int = 1
    """How many source entries gave this text, word for word."""
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
        return sum(p.sources for p in self.parts if p.label) > 1


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
    """Topics the editor listed under ``related``, then content-similar topics when the
    page would otherwise show fewer than three (:mod:`kbgen.related`)."""
    backlinks: list[Topic] = field(default_factory=list)
    """Topics whose text links here."""
    links: list[str] = field(default_factory=list)
    """Slugs this page links to from its text."""
    hatnotes: list[tuple[Disambiguation, list[Topic]]] = field(default_factory=list)
    """Names this topic shares with others, each with those others (:mod:`kbgen.disambiguation`)."""
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
        PageSection(inline(s.name), section_anchor(s.name), _parts(s.parts))
        for _, s in ranked
        if any(p.text.strip() for p in s.parts)
    ]


def _parts(parts: tuple[BodyPart, ...]) -> tuple[Part, ...]:
    """The parts with text; an empty attributed part lends its label to the next one (a
    text several sources gave word for word, shown once with every label)."""
    out, pending = [], []
    for p in parts:
        label = str(p.source) if p.source else ""
        if not p.text.strip():
            pending += [label] if label else []
            continue
        label = ", ".join([*pending, label] if label else pending)
        out.append(Part(label, source_markdown(p.text), sources=len(pending) + bool(p.source)))
        pending = []
    return tuple(out)


def link_targets(topics: Iterable[Topic]) -> list[LinkTarget]:
    """Every title and alias of every topic, for the cross-linker, and each in the other
    number (``LLMs``, ``diffusion model``) where that is no other topic's name or variant."""
    topics = list(topics)
    targets = [LinkTarget(name, t.slug) for t in topics for name in t.names]
    owners: dict[str, set[str]] = {}
    for target in targets:
        owners.setdefault(fold(target.name), set()).add(target.slug)
    variants: dict[str, set[str]] = {}
    spelled: dict[tuple[str, str], str] = {}
    for target in targets:
        for variant in number_variants(target.name):
            variants.setdefault(fold(variant), set()).add(target.slug)
            spelled.setdefault((fold(variant), target.slug), variant)
    for key, slugs in sorted(variants.items()):
        if len(slugs) == 1 and owners.get(key, slugs) == slugs:
            (slug,) = slugs
            targets.append(LinkTarget(spelled[key, slug], slug))
    return targets


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
    fragments: Fragments | None = None,
    shared: Iterable[Disambiguation] = (),
    repo: RepoLinks | None = None,
    changed: dict[str, str] | None = None,
    memo: Memo | None = None,
    blocks: dict[str, Blocks] | None = None,
) -> dict[str, str]:
    """Render every topic page; returns ``slug -> Markdown``, and fills ``blocks`` with
    each page's blocks of HTML (:mod:`kbgen.prerendered`).

    ``repo`` gives the source labels and the edit link their addresses; ``changed`` is
    each topic's last-changed date; ``memo`` keeps results between calls
    (:mod:`kbgen.incremental`), so that a call after an edit renders only what it changed.

    Two phases: first link every page (which needs every topic's names), then render each
    with its backlinks (which need every page's links). ``fragments`` renders source text
    (default: MkDocs' default Markdown extensions).
    """
    by_slug = {t.slug: t for t in topics}
    memo = memo or Memo(kept=False)
    # The names alone decide the targets: an edit of a topic's text keeps them.
    names = tuple((t.slug, tuple(t.names)) for t in topics)
    targets = memo.get("targets", names, lambda: tuple(link_targets(topics)))
    linker = memo.get("linker", targets, lambda: Linker(targets))
    # For a memo kept between builds (kbgen serve), what a rename relinks (below).
    groups = memo.get("target-groups", "kept", _TargetGroups).update(targets) if memo.kept else None
    fragments = fragments or Fragments()

    def html(text: str, page: str) -> str:
        # By the linked text: a topic relinked after a rename of another keeps its HTML.
        return memo.get("fragment", (text, page), lambda: fragments.html(text, page))

    template = env.get_template("topic.md.j2")
    pages: dict[str, TopicPage] = {}
    bar = progress.task("Linking topics", len(topics))
    for topic in topics:
        bar.advance()
        # A topic's linked sections depend on its own text and on the names its text could
        # mention: those whose first word it holds (a rename relinks only where it shows).
        mentionable = None
        if groups is not None:
            keys = memo.get("text-keys", topic.body, lambda topic=topic: text_keys(topic.body))
            mentionable = memo.get(
                "mentionable", (Same(keys), groups.version), lambda keys=keys: groups.of(keys)
            )
        linked_sections, links, lead = memo.get(
            "linked",
            (topic.slug, topic.title, topic.body, mentionable),
            lambda topic=topic: _link_topic(topic, linker, html, repo),
        )
        pages[topic.slug] = TopicPage(
            topic=topic,
            sections=linked_sections,
            summary=lead,
            # A tag outside the configured list shows as its slug: never markup.
            tags=[tags.get(t) or TagInfo(t, slugify(t) or "tag") for t in topic.tags],
            related=[by_slug[s] for s in topic.related if s in by_slug and s != topic.slug],
            links=links,
            changed=(changed or {}).get(topic.slug, ""),
            repo=repo or RepoLinks(),
        )
    for page in pages.values():
        for slug in page.links:
            pages[slug].backlinks.append(page.topic)
    for d in shared:
        for slug in d.topics:
            others = [by_slug[o] for o in d.topics if o != slug and o in by_slug]
            if slug in pages and others:
                pages[slug].hatnotes.append((d, others))
    shown: dict[str, set[str]] = {}
    for page in pages.values():
        page.backlinks.sort(key=lambda t: (t.title.casefold(), t.slug))
        links = {*page.links, *(t.slug for t in page.backlinks), *(t.slug for t in page.related)}
        shown[page.topic.slug] = links
    # Only pages showing too few other topics get similar ones.
    short = {slug for slug, links in shown.items() if len(links - {slug}) < MIN_RELATED}
    similar = similar_topics(topics, MIN_RELATED + 3, only=short)
    for slug in short:
        page = pages[slug]
        page.related += [by_slug[s] for s in fill_related(shown[slug], similar.get(slug, []), slug)]

    def render(page: TopicPage) -> tuple[str, Blocks]:
        return render_page(template, fragments, f"topics/{page.topic.slug}.md", page=page)

    rendered = {
        slug: memo.get("page", page_key(page), lambda page=page: render(page))
        for slug, page in pages.items()
    }
    if blocks is not None:
        blocks.update((slug, found) for slug, (_, found) in rendered.items())
    return {slug: text for slug, (text, _) in rendered.items()}


class _TargetGroups:
    """The link targets grouped by their :func:`~kbgen.links.first_key`, each group with a
    number that changes only when the group does, kept between builds."""

    def __init__(self) -> None:
        self.targets: tuple[LinkTarget, ...] = ()
        self.groups: dict[str, tuple[tuple[str, str], ...]] = {}
        self.numbers: dict[str, int] = {}
        self.version = 0

    def update(self, targets: tuple[LinkTarget, ...]) -> _TargetGroups:
        if targets is self.targets:
            return self
        found: dict[str, list[tuple[str, str]]] = {}
        for t in targets:
            found.setdefault(first_key(t.name), []).append((t.name, t.slug))
        groups = {k: tuple(v) for k, v in found.items()}
        for k, group in groups.items():
            if self.groups.get(k) != group:
                self.version += 1
                self.numbers[k] = self.version
        for k in self.groups.keys() - groups.keys():
            del self.numbers[k]
        self.targets, self.groups = targets, groups
        self.version += 1
        return self

    def of(self, keys: frozenset[str]) -> frozenset[int]:
        """The numbers of the groups of the names a text holding ``keys`` may mention."""
        return frozenset(self.numbers[k] for k in keys & self.numbers.keys())


def _link_topic(
    topic: Topic, linker: Linker, html: Callable[[str, str], str], repo: RepoLinks | None
) -> tuple[list[PageSection], list[str], str]:
    """A topic's sections cross-linked and rendered (``html`` renders a part's linked
    Markdown on a page), the slugs they link to, its summary."""
    linked_sections, links = [], []
    page = f"topics/{topic.slug}.md"
    for section in page_sections(topic.body):
        # One linker pass per section, so a topic is linked once however many parts;
        # plain text (see is_plain) is not linked.
        joined = f"\n\n{_PART_BREAK}\n\n".join(
            "" if is_plain(p.markdown) else p.markdown for p in section.parts
        )
        text, found = linker.link(joined, topic.slug, lambda s: f"{s}.md")
        texts = text.split(f"\n\n{_PART_BREAK}\n\n")
        texts = [
            p.markdown if is_plain(p.markdown) else t
            for p, t in zip(section.parts, texts, strict=True)
        ]
        parts = tuple(
            Part(p.label, t, html(t, page), p.sources, _source_url(repo, p.label))
            for p, t in zip(section.parts, texts, strict=True)
        )
        linked_sections.append(PageSection(section.name, section.anchor, parts))
        links += found
    lead = summary(parse_body(topic.body)[1], topic.title)
    return linked_sections, list(dict.fromkeys(links)), lead

"""Typed records passed between the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field

CORE_SECTIONS = ("What", "Use When", "How", "Pitfalls")
"""The four sections every topic page leads with, in this order."""
MAX_NAME_LENGTH = 200
"""Characters a title or alias may have: a longer one is cut by the import, an error in
``kbgen check`` (every name goes into the linker, the search index and ``objects.inv``)."""


@dataclass(frozen=True, order=True)
class SourceRef:
    """Where a source entry starts."""

    file: str
    """File name under ``sources/``."""
    line: int
    """1-based line of the entry's bullet or heading."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Section:
    """One titled block of Markdown contributed by one source entry."""

    name: str
    """Section name, e.g. ``What`` or ``Strengths``."""
    body: str
    """Markdown text, without the heading."""


@dataclass(frozen=True)
class Entry:
    """One glossary entry, as read from one source file."""

    title: str
    """The entry's name, cleaned of numbering, bold markers and emoji."""
    ref: SourceRef
    """Where the entry starts."""
    sections: tuple[Section, ...]
    """Content in source order; at least one section is ``What``."""
    tags: tuple[str, ...] = ()
    """Tags the source gives the entry (a list's ``Tag:``, a notes area)."""
    tag_names: tuple[tuple[str, str], ...] = ()
    """``(tag, name as the source writes it)`` for its tags (``sql``, ``SQL``): the name a
    tag that ``kbgen.yml`` does not list is shown by."""
    area: str = ""
    """The subject-area heading the entry sits under (a notes or guide ``## Area``), which
    ``kbgen.yml`` maps to tags."""
    groups: tuple[str, ...] = ()
    """The grouping headings between :attr:`area` and the entry, outermost first (a guide's
    ``### Regularization Techniques``), which ``kbgen.yml`` maps to tags like the area."""
    names: tuple[str, ...] = ()
    """The techniques an entry names when its title combines several (``A / B``)."""
    aliases: tuple[str, ...] = ()
    """Other names the source gives the entry (a table's ``aliases`` column, further terms
    of a definition list), kept as the topic's aliases."""
    advice: bool = False
    """True for advice that is not a topic (a checklist item): it becomes a note on the
    topics it names instead of a topic of its own."""
    label: bool = False
    """True for a part a guide names in a bold label (``**LoRA (Low-Rank Adaptation):**``):
    it joins its technique's topic, whose title its spelling does not choose."""

    @property
    def heading_path(self) -> tuple[str, ...]:
        """The area, then every grouping heading: each one ``kbgen.yml`` may map to tags."""
        return tuple(h for h in (self.area, *self.groups) if h)

    def section(self, name: str) -> str:
        """Return the body of the named section, or ``""``."""
        return next((s.body for s in self.sections if s.name == name), "")


@dataclass
class Topic:
    """One page of the knowledge base: a file ``topics/<slug>.md``."""

    slug: str
    """Stable file and URL name."""
    title: str
    """Display name."""
    aliases: list[str] = field(default_factory=list)
    """Every other name the topic goes by."""
    tags: list[str] = field(default_factory=list)
    """Tag slugs, checked against the allowed list."""
    sources: list[SourceRef] = field(default_factory=list)
    """One item per source entry merged into this topic."""
    related: list[str] = field(default_factory=list)
    """Slugs of topics this one is explicitly related to."""
    body: str = ""
    """Markdown: ``## What``, ``## Use When``, ``## How``, ``## Pitfalls``, then others."""
    extra: dict[str, object] = field(default_factory=dict)
    """Front matter keys kbgen does not interpret, kept as the editor wrote them."""

    @property
    def names(self) -> list[str]:
        """The title followed by every alias."""
        return [self.title, *self.aliases]

"""Names that several topics go by (``SAM``, ``IPO``): one page listing every meaning.

The import keeps a shared name out of the topics' aliases, so that no name links or
redirects to an arbitrary one of them; this module finds those names again from the
titles (an acronym or expansion in parentheses is a name, :func:`kbgen.names.parse_names`)
and gives each a page: ``/topics/<name>/``, or ``/topics/<name>-disambiguation/`` when a
topic already has that slug (its page then lists the other meanings at the top). The
resolver (``kbgen link``, ``[[Name]]``, ``objects.inv``) leads a shared name there.
Computed from the ``topics.json`` records alone, so another site's tools find the same pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kbgen.names import parse_names
from kbgen.slugs import topic_slug


@dataclass(frozen=True)
class Disambiguation:
    """One name several topics go by."""

    name: str
    """The name as the first topic (by slug) spells it."""
    slug: str
    """The page's slug."""
    topics: tuple[str, ...]
    """Slugs of the topics the name denotes, sorted."""
    owner: str = ""
    """The listed topic whose slug the name's is, whose page lists the others; or ``""``."""

    @property
    def url(self) -> str:
        """Relative to the site root."""
        return f"topics/{self.slug}/"

    @property
    def title(self) -> str:
        return f"{self.name} (disambiguation)"


def _fold(name: str) -> str:
    return " ".join(name.casefold().split())


def title_names(title: str) -> list[str]:
    """The names a topic's title gives: itself, the names it spells out in parentheses,
    and of ``Replay / Experience Replay``, whose parts are one name, the longest part."""
    parts = [p.strip() for p in title.split(" / ")]
    whole = [
        p
        for p in parts
        if len(parts) > 1 and all(o == p or p.casefold().endswith(o.casefold()) for o in parts)
    ]
    return [title, *parse_names(title).expansions, *whole]


def shared_names(topics: Iterable[Mapping[str, Any]]) -> list[Disambiguation]:
    """Every name of two or more topics (records with ``slug``, ``title``, ``aliases``).

    A name one title gives belongs to that topic, whatever other topics' aliases say; a
    name no title gives is shared when two topics list it as an alias.
    """
    topics = sorted(topics, key=lambda t: t["slug"])
    titled: dict[str, dict[str, str]] = {}
    aliased: dict[str, dict[str, str]] = {}
    for t in topics:
        for table, names in ((titled, title_names(t["title"])), (aliased, t.get("aliases", []))):
            for name in names:
                if len(name.strip()) >= 2:
                    table.setdefault(_fold(name), {}).setdefault(t["slug"], name.strip())
    slugs = {t["slug"] for t in topics}
    found, taken = [], set(slugs)
    for key in sorted(titled.keys() | aliased.keys()):
        named = titled.get(key) or aliased.get(key, {})
        if len(named) < 2:
            continue
        name = next(iter(named.values()))
        slug = topic_slug(name)
        owner = slug if slug in named else ""
        if slug in taken:
            slug = f"{slug}-disambiguation"
        if slug in taken:
            continue
        taken.add(slug)
        found.append(Disambiguation(name, slug, tuple(sorted(named)), owner))
    return found

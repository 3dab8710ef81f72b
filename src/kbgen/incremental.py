"""Incremental regeneration: the generator's per-topic results kept between builds.

Under ``kbgen serve`` one process builds the site again after every edit. A :class:`Memo`
keeps what the pure steps of :mod:`kbgen.build` and :mod:`kbgen.render` computed (a topic
file parsed, a topic's sections cross-linked and rendered, a page filled into its
template, a topic's search terms and its parts of ``topics.json`` and ``llms-full.txt``,
the index pages), each under a key made of everything it depends on, so that a rebuild only
computes again what an edit changed: the edited topic, and the pages whose links,
backlinks, related topics or hatnotes change with it. Everything else is looked up.

A key holds the inputs themselves (text, titles, slugs), not a digest of them, so two
different inputs never share a result. Whatever all pages depend on (``kbgen.yml``,
``mkdocs.yml``, the templates, the site's name and addresses) forms the memo's *scope*:
a new scope empties it. Entries unused for a whole build are dropped at the next one, so
the memo holds about one build's worth of results.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from kbgen.records import Topic
    from kbgen.render import TopicPage

T = TypeVar("T")


@dataclass(frozen=True)
class Round:
    """What one build looked up in a :class:`Memo`, by kind of result."""

    computed: dict[str, int]
    """Results computed, by kind (``"page"``: topic pages filled into their template)."""
    reused: dict[str, int]
    """Results found in the memo, by kind."""


class Memo:
    """Results by kind and key, kept for one build after they were last used."""

    def __init__(self, kept: bool = True) -> None:
        self.kept = kept
        """False for a memo of one build alone, whose keys need not tell later edits apart
        and which keeps no result: a build asks for each once, and one kept would stay in
        memory until the build ends (at 27,000 topics, half the generation's peak)."""
        self._scope: Hashable = None
        self._now: dict[tuple[str, Hashable], object] = {}
        self._before: dict[tuple[str, Hashable], object] = {}
        self._computed: dict[str, int] = {}
        self._reused: dict[str, int] = {}

    def start(self, scope: Hashable) -> None:
        """Begin a build whose global inputs are ``scope``; a new scope forgets everything."""
        if scope != self._scope:
            self._scope, self._before = scope, {}
        else:
            self._before = {**self._before, **self._now}
        self._now, self._computed, self._reused = {}, {}, {}

    def get(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        """The result of ``kind`` for ``key``: kept, or ``compute()`` and kept (unless the
        memo is not :attr:`kept`)."""
        if not self.kept:  # one build: each result is asked for once, so none is stored
            self._computed[kind] = self._computed.get(kind, 0) + 1
            return compute()
        full = (kind, key)
        if full in self._now:
            found = self._now[full]
        elif full in self._before:
            found = self._now[full] = self._before.pop(full)
        else:
            self._computed[kind] = self._computed.get(kind, 0) + 1
            value = self._now[full] = compute()
            return value
        self._reused[kind] = self._reused.get(kind, 0) + 1
        return found  # type: ignore[return-value]

    @property
    def scope(self) -> Hashable:
        """The global inputs of the last :meth:`start`."""
        return self._scope

    @property
    def empty(self) -> bool:
        """True when the memo holds nothing yet (or nothing since a new scope)."""
        return not self._now and not self._before

    def finish(self) -> Round:
        """End the build: drop what it did not use; what it computed and reused."""
        self._before = {}
        return Round(dict(self._computed), dict(self._reused))


class Same:
    """A part of a key that equals another only when both hold the very same object.

    For results computed from an object that the memo returned itself (a body's word
    counts, say): while a key holds the object it cannot be collected, so its identity
    cannot pass to another. Use it only for objects nothing changes after they are made.
    """

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.value is self.value


def page_key(page: TopicPage) -> Hashable:
    """Everything the topic template reads from ``page``: equal keys, equal pages.

    Topics a page lists (related, backlinks, hatnotes) enter by slug and title, the only
    things the template shows of them. The topic itself enters as the very object: the
    memo keeps each file's parse, so an unchanged file gives the same one.
    """

    def shown(topics: Iterable[Topic]) -> tuple[tuple[str, str], ...]:
        return tuple((t.slug, t.title) for t in topics)

    return (
        Same(page.topic),  # a topic file's parse, the same object while its text is
        tuple(page.sections),
        page.summary,
        tuple(page.tags),
        shown(page.related),
        shown(page.backlinks),
        tuple((d, shown(others)) for d, others in page.hatnotes),
        page.changed,
        page.repo,
    )


__all__ = ["Memo", "Round", "Same", "page_key"]

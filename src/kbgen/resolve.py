"""Resolve a topic name (title or alias) to its topic, with did-you-mean for near misses.

Shared by ``kbgen link``, the ``[[Name]]`` Markdown extension and the Sphinx inventory.
A name is looked up in five rounds, and the first round that finds anything decides:
the titles, then the aliases, then the spellings :mod:`kbgen.terms` derives from them
(``MoE`` for ``Mixture of Experts (MoE)``), compared ignoring case and repeated spaces; then
the titles, then the aliases, compared loosely (:func:`kbgen.merge.name_key`: also ignoring
hyphens, punctuation and a plural ``s``). One topic found means resolved; several mean
ambiguous. Before them all, a name several topics go by (:mod:`kbgen.disambiguation`)
resolves to its disambiguation page, which lists every meaning.
"""

from __future__ import annotations

import difflib
import json
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kbgen.disambiguation import shared_names
from kbgen.merge import name_key
from kbgen.terms import fold, name_tiers

MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class Resolved:
    """A topic a name lookup found."""

    slug: str
    title: str
    name: str
    """The title or alias that matched, as the topic spells it."""
    url: str
    """Relative to the site root."""
    anchors: tuple[str, ...]


def read_topics_json(source: str | Path) -> dict[str, Any]:
    """The ``topics.json`` document at a path or an ``http(s)://`` URL.

    Topic URLs come back relative to the site root, however the document gives them.
    """
    text = str(source)
    if text.startswith(("http://", "https://")):
        with urllib.request.urlopen(text, timeout=30) as response:
            data = json.loads(response.read().decode("utf-8"))
    else:
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    root = data.get("site_url", "") if isinstance(data, dict) else ""
    if root and isinstance(data.get("topics"), list):
        for topic in data["topics"]:
            if isinstance(topic, dict) and str(topic.get("url", "")).startswith(root):
                topic["url"] = topic["url"][len(root) :]
    return data


class NameIndex:
    """Every title and alias of a knowledge base, from ``topics.json``'s ``topics`` list."""

    def __init__(
        self, topics: list[dict[str, Any]], shared: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        """``shared``: ``topics.json``'s ``shared_names``, names several topics go by."""
        self._rounds: list[tuple[Callable[[str], str], dict[str, dict[str, str]]]] = [
            (fold, {}),
            (fold, {}),
            (name_key, {}),
            (name_key, {}),
        ]
        self._shared = {fold(d.name): d for d in shared_names(topics, shared)}
        self._topics: dict[str, dict[str, Any]] = {}
        self._names: dict[str, str] = {}
        """Folded name → its spelling, for suggestions."""
        for shared in self._shared.values():
            self._names.setdefault(fold(shared.name), shared.name)
        for topic in sorted(topics, key=lambda t: t["slug"]):
            self._topics[topic["slug"]] = topic
            for name in [topic["title"], *topic.get("aliases", [])]:
                self._names.setdefault(fold(name), name)
                first = 0 if name == topic["title"] else 1
                for key_of, table in (self._rounds[first], self._rounds[first + 2]):
                    table.setdefault(key_of(name), {}).setdefault(topic["slug"], name)
        derived = name_tiers((t["slug"], [t["title"], *t.get("aliases", [])]) for t in topics)[2]
        table = {
            key: {slug: min(names) for slug, names in owners.items()}
            for key, owners in derived.items()
        }
        self._rounds.insert(2, (fold, table))

    def _found(self, matches: dict[str, str]) -> list[Resolved]:
        out = []
        for slug, name in sorted(matches.items()):
            t = self._topics[slug]
            out.append(Resolved(slug, t["title"], name, t["url"], tuple(t.get("anchors", ()))))
        return out

    def disambiguation(self, name: str) -> Resolved | None:
        """The disambiguation page of a name several topics go by, or None."""
        d = self._shared.get(fold(name))
        return Resolved(d.slug, d.title, d.name, d.url, ()) if d else None

    def meanings(self, slug: str) -> list[Resolved]:
        """The topics a disambiguation page lists, by its slug; none for a topic's slug."""
        page = next((d for d in self._shared.values() if d.slug == slug), None)
        if page is None:
            return []
        return self._found({s: self._topics[s]["title"] for s in page.topics if s in self._topics})

    def lookup(self, name: str) -> list[Resolved]:
        """Topics the name denotes: one when it resolves, several when ambiguous, else none.

        A name several topics go by resolves to its disambiguation page.
        """
        if shared := self.disambiguation(name):
            return [shared]
        for key_of, table in self._rounds:
            if matches := table.get(key_of(name)):
                return self._listed(self._found(matches))
        return []

    def _listed(self, found: list[Resolved]) -> list[Resolved]:
        """``found``, or the disambiguation page that lists exactly those topics."""
        slugs = tuple(r.slug for r in found)
        page = next((d for d in self._shared.values() if d.topics == slugs), None)
        if len(found) > 1 and page:
            return [Resolved(page.slug, page.title, page.name, page.url, ())]
        return found

    def lookup_exact(self, name: str) -> list[Resolved]:
        """Like :meth:`lookup`, without the loose rounds."""
        if shared := self.disambiguation(name):
            return [shared]
        for key_of, table in self._rounds[:2]:
            if matches := table.get(key_of(name)):
                return self._found(matches)
        return []

    def suggest(self, name: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
        """The closest known names, best first: similar spelling, or containing the name."""
        wanted = fold(name)
        matcher = difflib.SequenceMatcher(b=wanted, autojunk=False)
        scored = []
        for folded, spelling in self._names.items():
            matcher.set_seq1(folded)
            score = matcher.ratio()
            if wanted and wanted in folded:
                score = max(score, 0.6 + 0.4 * len(wanted) / len(folded))
            if score >= 0.6:
                scored.append((-score, folded, spelling))
        return [spelling for *_, spelling in sorted(scored)[:limit]]

"""Names that several topics go by (``SAM``, ``Lookahead``): one page listing every meaning.

The import keeps a shared name out of the topics' aliases, so that no name links or
redirects to an arbitrary one of them; this module finds those names again from the
titles (an acronym or expansion in parentheses is a name, :func:`kbgen.names.parse_names`)
and gives each a page at ``/topics/<name>/``. At import, the names the texts imply for two
concepts (:func:`implied_names`) become aliases of both, and a topic whose slug is a shared
name moves to its qualified slug (:func:`qualified_slugs`), its old URL being the list that
names it; in a store edited otherwise, the page is ``/topics/<name>-disambiguation/`` and
the topic's page lists the other meanings at the top. The resolver (``kbgen link``,
``[[Name]]``, ``objects.inv``) leads a shared name there. Pages are computed from the
``topics.json`` records alone, so another site's tools find the same pages."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from kbgen.names import parse_names
from kbgen.slugs import topic_slug, unique_slug


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


def shared_names(
    topics: Iterable[Mapping[str, Any]], implied: Mapping[str, Iterable[str]] | None = None
) -> list[Disambiguation]:
    """Every name of two or more topics (records with ``slug``, ``title``, ``aliases``).

    ``implied`` maps a name the texts imply for several topics (:func:`implied_names`,
    ``topics.json``'s ``shared_names``) to their slugs; it counts as their alias.

    A name one title gives belongs to that topic, unless two other topics list it as an
    alias (``NTK`` of ``Neural Tangent Kernel (NTK)``, and of two NTK scaling methods,
    :func:`implied_names`); a name no title gives is shared when two topics list it.
    """
    topics = sorted(topics, key=lambda t: t["slug"])
    titled: dict[str, dict[str, str]] = {}
    aliased: dict[str, dict[str, str]] = {}
    for t in topics:
        for table, names in ((titled, title_names(t["title"])), (aliased, t.get("aliases", []))):
            for name in names:
                if len(name.strip()) >= 2:
                    table.setdefault(_fold(name), {}).setdefault(t["slug"], name.strip())
    known = {t["slug"] for t in topics}
    for name, slugs in (implied or {}).items():
        for slug in slugs:
            if slug in known:
                aliased.setdefault(_fold(name), {}).setdefault(slug, name)
    slugs = {t["slug"] for t in topics}
    found, taken = [], set(slugs)
    for key in sorted(titled.keys() | aliased.keys()):
        named = titled.get(key) or aliased.get(key, {})
        if len(titled.get(key, {})) == 1 and len(aliased.get(key, {}).keys() - titled[key]) > 1:
            named = {**titled[key], **aliased[key]}
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


_HEAD = re.compile(r"([^\W_][\w-]*?)(?:-aware)? +([^\W_][\w-]*)(?: .*)?")


def _without_comments(text: str) -> str:
    """``text`` without its one-line HTML comments (kbgen's source markers), in linear time:
    a line with many ``<!--`` and no ``-->`` is not scanned again from each of them."""
    lines = []
    for line in text.split("\n"):
        kept, i = [], 0
        while (start := line.find("<!--", i)) >= 0:
            end = line.find("-->", start + 4)
            if end < 0:
                break  # no later opening closes either
            kept.append(line[i:start])
            i = end + 3
        kept.append(line[i:])
        lines.append("".join(kept))
    return "\n".join(lines)


def _heads(name: str) -> list[tuple[str, str, bool]]:
    """``(head, rest, one_word)`` of each part of ``name`` that has words after its first."""
    found = []
    for part in (p.strip() for p in name.split(" / ")):
        if m := _HEAD.fullmatch(part):
            rest = part[m.end(1) :].removeprefix("-aware").strip()
            found.append((m.group(1), rest, " " not in rest))
    return found


def _bare(head: str, rests: Iterable[str], text: str) -> int:
    """How often ``text`` uses ``head`` as a word of its own, not as the start of ``rests``."""
    after = "|".join(re.escape(r) for r in sorted(set(rests), key=len, reverse=True))
    flags = re.IGNORECASE if not head.isupper() else 0
    pattern = rf"(?<![\w-]){re.escape(head)}(?![\w-])(?![ \t]+(?:{after})(?!\w))"
    return len(re.findall(pattern, _without_comments(text), flags))


_WORD = re.compile(r"[^\W_][\w-]*")


class WordCounts:
    """How often texts use each word, and each word before another, summed over texts:
    :meth:`update` counts only the texts that changed since its last call."""

    def __init__(self, per_text: bool = True) -> None:
        self.per_text = per_text
        """False for one count of one set of texts: each text's own counts are not kept
        (they are what a later :meth:`update` takes off the totals)."""
        self._texts: dict[str, tuple[str, tuple[Counter, ...]]] = {}
        self._totals: tuple[Counter, ...] = (Counter(), Counter(), Counter(), Counter())

    @staticmethod
    def _count(text: str) -> tuple[Counter, ...]:
        tokens = _WORD.findall(_without_comments(text))
        folded = [t.casefold() for t in tokens]
        # Case counts only where :meth:`bare` reads them: for an upper-case head.
        upper = [(i, t) for i, t in enumerate(tokens) if t.isupper()]
        return (
            Counter(t for _, t in upper),
            Counter((t, tokens[i + 1]) for i, t in upper if i + 1 < len(tokens)),
            Counter(folded),
            Counter(pairwise(folded)),
        )

    def update(self, texts: Mapping[str, str]) -> WordCounts:
        """Count ``texts`` (key → text) instead of the texts of the last call."""
        for key in [k for k in self._texts if k not in texts]:
            for total, part in zip(self._totals, self._texts.pop(key)[1], strict=True):
                total.subtract(part)
        for key, text in texts.items():
            old = self._texts.get(key)
            if old is not None and (old[0] is text or old[0] == text):
                continue
            counts = self._count(text)
            for i, total in enumerate(self._totals):
                if old is not None:
                    total.subtract(old[1][i])
                total.update(counts[i])
            if self.per_text:
                self._texts[key] = (text, counts)
        return self

    def bare(self, head: str, rests: Iterable[str]) -> int:
        """How often ``head`` is a word of its own, not the start of one of ``rests``
        (like :func:`_bare`, by words: a hyphenated word is one)."""
        count, pairs, folded, folded_pairs = self._totals
        following = {r.split()[0] for r in rests if r.split()}
        if head.isupper():
            return count[head] - sum(pairs[head, f] for f in following)
        key = head.casefold()
        followed = {f.casefold() for f in following}
        return folded[key] - sum(folded_pairs[key, f] for f in followed)


def implied_names(
    topics: Sequence[Any], subjects: set[str], words: WordCounts | None = None
) -> dict[str, list[str]]:
    """Names the sources give two concepts without spelling them out: name → slugs.

    ``topics`` have ``slug``, ``title``, ``aliases``, ``tags`` and ``body``. Two cases:

    - a first word that only ever starts these topics' names, never used as a word on its
      own in any text, in topics with no subject tag in common: ``Lookahead`` of
      ``Lookahead Decoding`` and ``Lookahead Optimizer``;
    - an acronym that one topic's title gives and that starts another topic's name in
      another subject, which some such topic's text uses on its own: ``NTK`` of
      ``Neural Tangent Kernel (NTK)`` and of ``NTK Scaling`` (``extend with NTK/PI``).

    No topic lists such a name as its alias (a name is one topic's, says ``kbgen check``):
    the site lists it in ``topics.json`` and gives it a page of all its meanings
    (:func:`shared_names`). ``subjects`` are the subject tags (not ``implementation``);
    ``words`` may keep the texts' word counts between calls.
    """
    subject = {t.slug: set(t.tags) & subjects for t in topics}

    def apart(a: str, b: str) -> bool:
        return bool(subject[a] and subject[b] and not subject[a] & subject[b])

    names = {_fold(n) for t in topics for n in [t.title, *t.aliases]}
    starts: dict[str, dict[str, str]] = {}
    for t in topics:
        for name in [t.title, *t.aliases]:
            for head, rest, one_word in _heads(name):
                if one_word or head.isupper():
                    starts.setdefault(head, {}).setdefault(t.slug, rest)
    titled: dict[str, set[str]] = {}
    for t in topics:
        for name in title_names(t.title):
            titled.setdefault(_fold(name), set()).add(t.slug)
    words = (words or WordCounts()).update({t.slug: t.body for t in topics})
    by_slug = {t.slug: t for t in topics}
    implied: dict[str, list[str]] = {}
    for head, found in sorted(starts.items()):
        rests = list(found.values())
        slugs = sorted(found)
        owners = titled.get(_fold(head), set())
        if _fold(head) not in names:
            pairs = [(a, b) for a in slugs for b in slugs if a < b]
            if pairs and all(apart(a, b) for a, b in pairs) and not words.bare(head, rests):
                implied[head] = slugs
        elif head.isupper() and len(owners) == 1:
            (owner,) = owners
            others = [s for s in slugs if s != owner and apart(s, owner)]
            if any(_bare(head, rests, by_slug[s].body) for s in others):
                implied[head] = [owner, *others]
    return implied


def qualified_slugs(
    topics: Sequence[Any],
    qualifiers: Mapping[str, str],
    taken: set[str],
    implied: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, str]:
    """Old slug → new for each topic whose slug is a shared name's: that URL is the list's.

    The topic takes the slug of its whole title, parentheses included, or else of its title
    and its qualifier (the nearest heading of its source, from ``qualifiers``), made unique
    against ``taken``.
    """
    moved: dict[str, str] = {}
    records = [{"slug": t.slug, "title": t.title, "aliases": t.aliases} for t in topics]
    by_slug = {t.slug: t for t in topics}
    for d in shared_names(records, implied):
        if not d.owner or d.slug != f"{d.owner}-disambiguation":
            continue
        title = by_slug[d.owner].title
        slug = topic_slug(re.sub(r"[()]", " ", title))
        if slug == d.owner and qualifiers.get(d.owner):
            slug = topic_slug(f"{title} {qualifiers[d.owner]}")
        if slug == d.owner:
            slug = f"{slug}-topic"
        slug = unique_slug(slug, taken)
        taken.add(slug)
        moved[d.owner] = slug
    return moved

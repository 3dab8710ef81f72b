"""Group source entries into topics: one topic per concept, with every decision recorded.

Two entries are the same concept when they share a long name (:mod:`kbgen.names`): a
title or parenthetical that is not an acronym, compared case-, hyphen-, space- and
plural-insensitively, or the same set of names joined by ``/`` or ``&``. An acronym alone
merges only when it is unambiguous: ``SAM`` names two long names, so a bare ``SAM`` entry
stays apart and is reported. A second pass (:mod:`kbgen.similarity`) merges the topics
whose names differ in word forms, or where one name holds another and their texts are
alike; the look-alikes it keeps apart (``AdamW``, ``Structured Pruning``) are reported as
near duplicates and related to each other. Editors force or forbid merges in ``kbgen.yml``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from kbgen.config import Config
from kbgen.names import Names, is_acronym, name_key, parse_names
from kbgen.records import Entry, SourceRef
from kbgen.similarity import Pair, Verdict, name_pairs, similarities, text_of, word_names
from kbgen.slugs import plain_dashes


@dataclass
class Group:
    """The entries that make one topic."""

    entries: list[Entry]
    related: list[int] = field(default_factory=list)
    """Indices of groups named as parts of this one's ``A / B`` title, or naming it so."""
    part_names: list[str] = field(default_factory=list)
    """Parts of an ``A / B`` title that no other topic goes by, or that spell this one's
    name in other words: aliases of this one."""
    named_in: list[Entry] = field(default_factory=list)
    """Entries of other groups whose ``A / B`` title names this one (``LoRA / DoRA``)."""
    notes: list[Entry] = field(default_factory=list)
    """Advice entries attached to this topic."""

    @property
    def refs(self) -> list[SourceRef]:
        return sorted(e.ref for e in [*self.entries, *self.notes])


@dataclass(frozen=True)
class Decision:
    """One line of the import report."""

    kind: str
    """``merged``, ``kept apart``, ``near duplicate``, ``ambiguous``, ``note`` or ``tagged``."""
    titles: tuple[str, ...]
    reason: str
    pair: tuple[int, int] = (0, 0)
    """For a near duplicate found by :func:`near_duplicates`: the two group indices."""


class _Sets:
    """Union-find over entry indices that refuses unions an editor forbade."""

    def __init__(self, size: int, apart: list[set[int]]) -> None:
        self.parent = list(range(size))
        self.apart = apart
        # Each set's members that some ``apart`` group names: all a union needs to check,
        # kept per root so that a union never walks every entry.
        self._watched = {i: {i} for group in apart for i in group}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        watched = self._watched.get(ra, set()) | self._watched.get(rb, set())
        if any(len(watched & group) > 1 for group in self.apart):
            return False
        root, child = min(ra, rb), max(ra, rb)
        self.parent[child] = root
        if watched:
            self._watched.pop(child, None)
            self._watched[root] = watched
        return True


def _title_index(entries: list[Entry], titles: Iterable[str]) -> set[int]:
    wanted = {name_key(t) for t in titles}
    return {i for i, e in enumerate(entries) if name_key(e.title) in wanted}


def group_entries(entries: list[Entry], config: Config) -> tuple[list[Group], list[Decision]]:
    """Merge entries naming the same concept; attach advice to the topics it names."""
    topical = [e for e in entries if not e.advice]
    names = [parse_names(e.title) for e in topical]
    apart = [_title_index(topical, g) for g in config.keep_apart]
    sets = _Sets(len(topical), [g for g in apart if len(g) > 1])
    decisions: list[Decision] = []

    def join(indices: list[int], reason: str) -> None:
        for other in indices[1:]:
            if not sets.union(indices[0], other):
                pair = (topical[indices[0]].title, topical[other].title)
                decisions.append(Decision("kept apart", pair, "forbidden by keep_apart in config"))
                continue
            if topical[indices[0]].title != topical[other].title or reason.startswith("forced"):
                pair = (topical[indices[0]].title, topical[other].title)
                decisions.append(Decision("merged", pair, reason))

    for group in config.merge:
        join(sorted(_title_index(topical, group)), "forced by merge in config")
    by_long: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(names):
        for key in sorted(n.longs):
            by_long[key].append(i)
    for key, indices in by_long.items():
        join(indices, f"same name `{key.removeprefix('set:')}`")
    _join_acronyms(topical, names, sets, join, decisions)
    _join_headed(names, sets, join)

    roots: dict[int, Group] = {}
    for i, entry in enumerate(topical):
        roots.setdefault(sets.find(i), Group([])).entries.append(entry)
    groups, near = _join_similar(list(roots.values()), topical, sets, join)
    _relate_parts(groups, decisions)
    _attach_advice([e for e in entries if e.advice], groups, decisions)
    decisions += near
    return groups, decisions


def _join_similar(groups, topical, sets, join) -> tuple[list[Group], list[Decision]]:
    """Merge the topics :mod:`kbgen.similarity` finds are one concept; link near duplicates.

    Returns the new groups and a ``near duplicate`` decision per pair left apart.
    """
    first = {id(e): i for i, e in enumerate(topical)}
    texts = [text_of(g.entries) for g in groups]
    scores = similarities(texts, idf=False)
    pairs = _unambiguous(name_pairs([g.entries for g in groups], scores))
    for p in pairs:
        if p.verdict.same:
            a, b = (first[id(groups[x].entries[0])] for x in (p.a, p.b))
            join([a, b], p.verdict.reason)
    roots: dict[int, Group] = {}
    for i, entry in enumerate(topical):
        roots.setdefault(sets.find(i), Group([])).entries.append(entry)
    merged = list(roots.values())
    where = {id(e): g for g, group in enumerate(merged) for e in group.entries}
    near: dict[tuple[int, int], str] = {}
    for p in pairs:
        a, b = (where[id(groups[x].entries[0])] for x in (p.a, p.b))
        if a != b and not p.verdict.same:
            near.setdefault((min(a, b), max(a, b)), p.verdict.reason)
    extends = near_duplicates(merged)
    if extends:
        merged_scores = similarities([text_of(g.entries) for g in merged], idf=False)
        for decision in extends:
            a, b = decision.pair
            score = merged_scores[a, b]
            near.setdefault((a, b), f"one name extends the other, score {score:.2f}")
    decisions = []
    for (a, b), reason in sorted(near.items()):
        merged[a].related.append(b)
        merged[b].related.append(a)
        titles = (merged[a].entries[0].title, merged[b].entries[0].title)
        decisions.append(Decision("near duplicate", titles, f"left as two topics: {reason}"))
    return merged, decisions


def _unambiguous(pairs: list[Pair]) -> list[Pair]:
    """The pairs, less the merges of a longer name that extends several shorter names in
    words of its own, names that hold neither each other: ``Dense Adaptive Quantization``
    extends ``Adaptive Dense Adaptation`` and ``Dense Quantized Quantization``. Merging it
    with both would make one topic of two names no name holds together, and such merges
    chain (``A B`` with ``A`` and ``B``, ``B C`` with ``B`` and ``C``…) into a catch-all
    topic. Like a bare acronym of several meanings, such a name merges with none of them,
    or only with the one of them that holds all the others; the pairs are left as near
    duplicates. A topic still takes every longer name of its own (``Adapters``: ``Adapter
    Layers``, ``Adapter Modules``), and shorter names that extend each other in turn
    (``A``, ``A B`` in ``A B C``) are one concept.
    """
    shorts: dict[frozenset[str], set[frozenset[str]]] = defaultdict(set)
    for p in pairs:
        if p.verdict.same and p.verdict.extends:
            shorts[p.words[1]].add(p.words[0])

    def nested(sets: set[frozenset[str]]) -> bool:
        ordered = sorted(sets, key=len)
        return all(a < b for a, b in pairwise(ordered))

    def kept(found: set[frozenset[str]]) -> set[frozenset[str]]:
        if nested(found):
            return found
        top = max(found, key=len)  # a shorter name holding all the others, if one does
        return {top} if all(s <= top for s in found) else set()

    keep = {long: kept(found) for long, found in shorts.items()}
    return [
        Pair(p.a, p.b, Verdict(False, f"{p.verdict.reason}; it extends other names too"))
        if p.verdict.same and p.verdict.extends and p.words[0] not in keep[p.words[1]]
        else p
        for p in pairs
    ]


def _join_acronyms(topical, names, sets, join, decisions) -> None:
    """Merge entries sharing an acronym when at most one long name goes with it."""
    by_acronym: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(names):
        for acronym in n.acronyms:
            by_acronym[acronym].append(i)
    for acronym, indices in sorted(by_acronym.items()):
        expanded = {sets.find(i) for i in indices if names[i].longs}
        if len(expanded) <= 1:
            join(indices, f"same acronym `{acronym}`, one meaning")
            continue
        bare = [i for i in indices if not names[i].longs]
        meanings = sorted({topical[i].title for i in indices if names[i].longs})
        decisions.append(
            Decision("ambiguous", tuple(meanings), f"acronym `{acronym}` names several concepts")
        )
        for i in bare:
            decisions.append(
                Decision("ambiguous", (topical[i].title,), f"bare `{acronym}` left apart")
            )


def _join_headed(names: list[Names], sets: _Sets, join: Callable[[list[int], str], None]) -> None:
    """Join ``Adam Optimizer`` with the one concept spelled out as ``Adam (…)``, if any.

    A bare ``Adam`` is not enough: ``Alpha Method`` may be no ``Alpha``.
    """
    defined: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(names):
        if n.defined:
            defined[n.defined].append(i)
    for i, n in enumerate(names):
        found = defined.get(n.headed, [])
        if found and len({sets.find(j) for j in found}) == 1:
            join([found[0], i], f"same name `{n.headed}` without the generic head word")


def _name_index(groups: list[Group]) -> dict[str, list[int]]:
    """Map name keys and acronyms to the groups that go by them."""
    index: dict[str, list[int]] = defaultdict(list)
    for g, group in enumerate(groups):
        for entry in group.entries:
            n = parse_names(entry.title)
            for key in sorted(n.longs | {f"acr:{a}" for a in n.acronyms}):
                if g not in index[key]:
                    index[key].append(g)
    return index


def _lookup(index: dict[str, list[int]], name: str) -> list[int]:
    n = parse_names(name)
    keys = sorted(n.longs) + [f"acr:{a}" for a in sorted(n.acronyms)]
    found = [g for key in keys for g in index.get(key, [])]
    return list(dict.fromkeys(found))


def _relate_parts(groups: list[Group], decisions: list[Decision]) -> None:
    """Record, for an entry naming several techniques, the topics each part names."""
    index = _name_index(groups)
    by_words = word_names([g.entries for g in groups])
    for g, group in enumerate(groups):
        for entry in group.entries:
            for name in entry.names:
                # The same name, else the same words (``KV-Cache``: ``KV Caching``), which
                # are then a spelling of that topic's name.
                matches = [m for m in _lookup(index, name) if m != g]
                if not matches and len(spelled := [m for m in by_words(name) if m != g]) == 1:
                    matches = spelled
                    groups[spelled[0]].part_names.append(plain_dashes(name))
                if not matches:
                    group.part_names.append(plain_dashes(name))
                elif len(matches) == 1:
                    group.related.append(matches[0])
                    groups[matches[0]].related.append(g)
                    groups[matches[0]].named_in.append(entry)
                else:
                    titles = tuple(groups[m].entries[0].title for m in matches)
                    decisions.append(
                        Decision("ambiguous", titles, f"`{name}` in `{entry.title}` names several")
                    )


def _mentions(text: str, name: str) -> int:
    """Position of the first whole-word mention of ``name`` in ``text``, or -1."""
    flags = 0 if is_acronym(name) else re.I
    m = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w])", plain_dashes(text), flags)
    return m.start() if m else -1


def _attach_advice(advice: list[Entry], groups: list[Group], decisions: list[Decision]) -> None:
    """Give each advice entry to the topic it names first, else to the topic whose text is
    most like it; only with no topic at all does advice become one."""
    candidates = [
        (name, g)
        for g, group in enumerate(groups)
        for name in sorted(
            {plain_dashes(e.title) for e in group.entries}
            | {x for e in group.entries for x in parse_names(e.title).expansions}
            | set(group.part_names)
        )
        if len(name) >= 3
    ]
    for entry in advice:
        text = entry.section("What")
        found = ((_mentions(text, name), name, g) for name, g in candidates)
        hits = [(pos, -len(name), g) for pos, name, g in found if pos >= 0]
        if hits:
            g = min(hits)[2]
            groups[g].notes.append(entry)
            decisions.append(
                Decision("note", (entry.title, groups[g].entries[0].title), "advice naming it")
            )
        elif groups:
            # Advice is never a topic: it goes to the topic its words are most about.
            texts = similarities([text, *(text_of(g.entries) for g in groups)])
            near = texts.nearest([0], list(range(1, len(groups) + 1)), 1)[0]
            best, score = near[0] if near else (1, 0.0)
            g = best - 1
            groups[g].notes.append(entry)
            reason = f"advice naming no topic: the most similar text, score {score:.2f}"
            decisions.append(Decision("note", (entry.title, groups[g].entries[0].title), reason))
        else:
            groups.append(Group([Entry(entry.title, entry.ref, entry.sections)]))
            decisions.append(Decision("note", (entry.title,), "no topic at all: kept as a topic"))


def near_duplicates(groups: list[Group]) -> list[Decision]:
    """Pairs of topics where one name extends the other (``Adam``/``AdamW``): left apart."""
    keys = {(name_key(e.title), g) for g, group in enumerate(groups) for e in group.entries}
    found: set[tuple[int, int]] = set()
    # A prefix (``Adam``) or a suffix (``Pruning`` in ``Structured Pruning``): sorted keys,
    # forwards then reversed, put every key that extends another directly after it.
    for ordered in (sorted(keys), sorted((k[::-1], g) for k, g in keys)):
        for i, (key, g) in enumerate(ordered):
            for j in range(i + 1, len(ordered)):  # indices, not a slice: no copy per key
                longer, h = ordered[j]
                if not longer.startswith(key):
                    break
                if g != h:
                    found.add((min(g, h), max(g, h)))
    return [
        Decision(
            "near duplicate",
            (groups[a].entries[0].title, groups[b].entries[0].title),
            "one name extends the other; left as two topics",
            (a, b),
        )
        for a, b in sorted(found)
    ]

"""Second merge pass: one concept named in different word forms or inside a longer name.

:mod:`kbgen.merge` joins entries whose names are equal; this pass compares the topics it
made by the *words* of their names, stemmed (``Fine-Tune`` = ``Fine-Tuning``, ``Voting`` =
``Voter``), with an unambiguous acronym standing for its expansion (``Key-Value (KV)
Caching`` = ``Caching & KV-Cache``), and by their text (TF-IDF cosine, scikit-learn):

- the same words: one concept (``Full Fine-Tune`` / ``Fine-tuning (full)``);
- one name inside the other, the longer adding only words the shorter's expansion has
  (``GPTQ Quantization`` / ``GPTQ (GPT Quantization)``), generic words (``Model
  Quantization``), a library or organisation name its text mentions (``DeepSpeed ZeRO``),
  or, after it, words its text uses when the two texts are similar (``Chain-of-Thought
  (CoT) Prompting``): one concept;
- a word *before* the shorter name is a kind of it (``Structured Pruning``, ``Decision
  Transformer``, ``Iterative DPO``): two topics, reported as near duplicates with their
  score, and linked to each other.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass

from kbgen.name_words import (
    Acronyms,
    _abbreviates,
    _acronyms,
    _canonical,
    _is_proper,
    _stems,
    acronym_index,
    stem,
)
from kbgen.names import CACHED_TITLES
from kbgen.records import Entry
from kbgen.slugs import plain_dashes

SIMILAR = 0.1
"""Cosine of the TF-IDF vectors above which two topics' texts are alike."""
STRONG = 0.4
"""Cosine above which two texts are about one thing, whatever words their names add."""

_WORD = re.compile(r"[^\W_]+|[+#]+")
_PARENS = re.compile(r"\s*\(([^()]*)\)")
_SEPARATORS = re.compile(r"\s+(?:/|&|and)\s+|(?<=\w)/(?=\w)")
# ``Prefix-/Prompt-Tuning`` is ``Prefix-Tuning / Prompt-Tuning``.
_SHARED_TAIL = re.compile(r"(\w+)-/(\w+)-(\w+)")
# Words that say what kind of thing a name is, not which one.
_GENERIC = frozenset(
    ("model", "method", "techniqu", "approach", "algorithm", "optimiz", "framework")
)


@dataclass(frozen=True)
class Name:
    """One name of a topic, as stemmed words in order."""

    words: tuple[str, ...]
    """Stems, stop words left out."""
    proper: frozenset[str]
    """Stems of its library- or organisation-like words (``deepspeed``)."""
    kind: str
    """``name``; ``part``, one part of an ``A / B`` title, which may name another topic; or
    ``whole``, such a title's parts together, compared only with another ``whole``."""
    rest: tuple[tuple[str, ...], ...] = ()
    """For a ``part``: the words of the title's other parts."""
    qualified: bool = False
    """Whether a preposition follows its first word (``RL from Human Feedback``)."""


def entry_names(entry: Entry, acronyms: Mapping[tuple[str, ...], str] | Acronyms) -> list[Name]:
    """The names an entry's title gives (:func:`title_names`)."""
    return list(title_names(entry.title, acronym_index(acronyms)))


@functools.lru_cache(maxsize=CACHED_TITLES)
def title_names(title: str, acronyms: Acronyms) -> tuple[Name, ...]:
    """The names an entry's title gives, as stemmed words.

    A one-word lower-case parenthetical is part of the name (``Fine-tuning (full)`` is
    full fine-tuning); other parentheticals are expansions or qualifiers, not names.
    """
    main, inside = _main(title)
    main = " ".join([*(p for p in inside if re.fullmatch("[a-z]+", p)), main])
    parts = [p for p in _SEPARATORS.split(_SHARED_TAIL.sub(r"\1-\3 / \2-\3", main)) if p.strip()]
    if len(parts) == 2 and any(
        " " not in a and _abbreviates(a.lower(), tuple(w.lower() for w in _WORD.findall(b)))
        for a, b in (parts, parts[::-1])
    ):
        parts = [max(parts, key=len)]  # ``RetNet / Retention Networks``: two spellings
    stems = [_canonical(_stems(p), acronyms) for p in parts]
    # ``Replay / Experience Replay``: a part inside another is that part's name.
    inner = [
        i
        for i, ws in enumerate(stems)
        if any(j != i and set(ws) < set(o) for j, o in enumerate(stems))
    ]
    if inner and len(parts) - len(inner) == 1:
        parts = [p for i, p in enumerate(parts) if i not in inner]
        stems = [ws for i, ws in enumerate(stems) if i not in inner]
    if re.search(r"\bvs\b", main):  # a comparison is about neither side alone
        whole = tuple(dict.fromkeys(w for ws in stems for w in ws))
        return (Name(whole, _proper(main), "whole"),)
    if len(parts) == 1:
        qualified = re.search(r"\S\s+(?:from|with|for|in|at|on|by|via)\s", main) is not None
        return (Name(stems[0], _proper(main), "name", qualified=qualified),) if stems[0] else ()
    whole = tuple(dict.fromkeys(w for ws in stems for w in ws))
    names = [Name(whole, _proper(main), "whole")]
    for i, part in enumerate(parts):
        if stems[i]:
            names.append(Name(stems[i], _proper(part), "part", (*stems[:i], *stems[i + 1 :])))
    return tuple(names)


def _main(title: str) -> tuple[str, list[str]]:
    """A title's name and its parentheticals; a subtitle after ``:`` is one of those."""
    title = plain_dashes(title)
    inside = [p.strip() for p in _PARENS.findall(title)]
    main = _PARENS.sub("", title).strip()
    if ": " in main:
        main, subtitle = main.split(": ", 1)
        inside.append(subtitle)
    return main, inside


def _proper(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in _WORD.findall(text) if _is_proper(w))


def text_of(entries: list[Entry]) -> str:
    """Everything a topic's entries say, for comparing contents (not their titles, which
    the names compare)."""
    return "\n".join(s.body for e in entries for s in e.sections)


def similarities(texts: list[str], *, idf: bool = True):
    """:func:`kbgen.neighbours.similarities`, imported when texts are first compared:
    scikit-learn takes a second to import, which a build with nothing to compare skips."""
    from kbgen.neighbours import similarities as scores

    return scores(texts, idf=idf)


@dataclass(frozen=True)
class Verdict:
    """What the names and texts of two topics say."""

    same: bool
    """One concept: merge."""
    reason: str
    """The evidence, for the import report."""
    extends: bool = False
    """Same by words the longer name adds after the shorter one's (not by generic words or
    expansions): the kind of evidence several longer names can give for one shorter."""


@dataclass(frozen=True)
class _Side:
    """What :func:`compare` knows of one topic."""

    words: set[str]
    """Stems of its text."""
    expansions: set[str]
    """Stems of its names and of the expansions in its titles' parentheses."""


def compare(
    short: Name, long: Name, side: _Side, score: float, topics: Container[frozenset[str]]
) -> Verdict | None:
    """Whether ``long`` (whose words include all of ``short``'s) names the same concept.

    ``side`` describes the topic ``short`` names; ``topics`` holds the word sets of every
    topic's own names, so that a word that is a topic (``LoRA`` in ``LoRA Adapter``) is a
    kind of it, not a library.
    """
    shared = set(short.words)
    if "whole" in (short.kind, long.kind):
        same = short.kind == long.kind and shared == set(long.words)
        return Verdict(True, f"same parts, score {score:.2f}") if same else None
    if not shared <= set(long.words) or all(w in _GENERIC for w in shared):
        return None
    extra = [w for w in long.words if w not in shared]
    if not extra:
        return Verdict(True, f"same words, score {score:.2f}")

    def explains(w: str) -> bool:
        if w.isdigit() or frozenset({w}) in topics:
            return False
        library = w in long.proper and (w in side.words or score >= SIMILAR)
        return w in side.expansions or w in _GENERIC or library

    unexplained = [w for w in extra if not explains(w)]
    generic = any(w in _GENERIC and w not in side.expansions for w in extra)
    if not unexplained:
        same = score >= SIMILAR or not generic
        return Verdict(same, f"`{' '.join(extra)}` adds nothing to it, score {score:.2f}")
    named = " ".join(unexplained)
    first = min(long.words.index(w) for w in shared)
    # A word before the name, a version (``2``) or a symbol (``C++``) makes another thing.
    if long.qualified or any(
        long.words.index(w) < first or w.isdigit() or not re.search(r"\w", w) for w in unexplained
    ):
        return Verdict(False, f"`{named}` names a kind of it, score {score:.2f}")
    if score >= STRONG or (score >= SIMILAR and all(w in side.words for w in unexplained)):
        return Verdict(
            True, f"`{named}` after its name, similar text, score {score:.2f}", extends=True
        )
    return Verdict(False, f"`{named}` after its name, score {score:.2f}")


def _combined(part: Name, other: _Side, score: float, topics: Iterable[frozenset[str]]) -> str:
    """Why the ``A / B`` title ``part`` comes from is not the other topic, or ``""``.

    Its other parts must be no topic of their own (``topics``: names of the topics but
    these two) and be named or said in the other's text.
    """
    for rest in part.rest:
        if any((t <= set(rest) or set(rest) <= t) and not t <= _GENERIC for t in topics):
            return f"`{' '.join(rest)}` in the same title is a topic of its own"
        said = set(rest) <= other.words and score >= SIMILAR / 2
        # No score alone: the words of the vocabulary around shift it, and a merge must not.
        if not (set(rest) <= other.expansions or said):
            return f"`{' '.join(rest)}` in the same title is not about it"
    return ""


@dataclass(frozen=True)
class Pair:
    """Two topics whose names overlap, and what to do about them."""

    a: int
    """Index of one topic (the lower)."""
    b: int
    """Index of the other."""
    verdict: Verdict
    words: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    """The words of the shorter name and of the longer one the verdict compared."""


def name_pairs(topics: list[list[Entry]], scores=None) -> list[Pair]:
    """Every pair of topics (each a list of entries) where one name's words hold the other's.

    ``scores`` is :func:`similarities` of their :func:`text_of`, when the caller has it.
    Pairs left apart are listed only when their texts are similar.
    """
    acronyms, ambiguous = _acronyms([e for entries in topics for e in entries])
    names = [
        [n for e in entries for n in entry_names(e, acronyms) if not set(n.words) <= ambiguous]
        for entries in topics
    ]
    texts = [text_of(entries) for entries in topics]
    scores = similarities(texts, idf=False) if scores is None else scores
    sides = [
        _Side(
            {stem(w) for w in _WORD.findall(plain_dashes(text))},
            {
                w
                for e in entries
                for x in _main(e.title)[1]
                if _expands(e.title, x)
                for w in _stems(x)
            }
            | {w for n in own for w in n.words},
        )
        for entries, own, text in zip(topics, names, texts, strict=True)
    ]
    owners: dict[frozenset[str], set[int]] = defaultdict(set)
    for t, own in enumerate(names):
        for n in own:
            if n.kind == "name":
                owners[frozenset(n.words)].add(t)
    holding = _Holding(names)
    best: dict[tuple[int, int], Verdict] = {}
    compared: dict[tuple[int, int], tuple[frozenset[str], frozenset[str]]] = {}
    for t, own in enumerate(names):
        for short in own:
            for o in holding.candidates(short.words, t):
                score = float(scores[t, o])
                own_names = _OwnedBut(owners, (t, o))
                for long in names[o]:
                    found = compare(short, long, sides[t], score, own_names)
                    if found and found.same and "part" in (short.kind, long.kind):
                        # A combined entry is one topic with another only when all its parts
                        # are (``whole``): by one part, it would depend on the other topics.
                        found = Verdict(False, f"one part of a combined entry, score {score:.2f}")
                    if found and found.same:
                        why = short.kind == "part" and _combined(short, sides[o], score, own_names)
                        why = why or (
                            long.kind == "part" and _combined(long, sides[t], score, own_names)
                        )
                        if why:
                            found = Verdict(False, f"{why}, score {score:.2f}")
                    key = (min(t, o), max(t, o))
                    if found and (key not in best or (found.same and not best[key].same)):
                        best[key] = found
                        compared[key] = (frozenset(short.words), frozenset(long.words))
    return [
        Pair(a, b, v, compared[a, b])
        for (a, b), v in sorted(best.items())
        if v.same or scores[a, b] >= SIMILAR
    ]


class _Holding:
    """Which topics have a name holding all of some words: the only ones :func:`compare`
    can find the same as, or a kind of, a name of those words.

    Indexed by word and by pair of words, so that the candidates of a name are found from
    its rarest pair, not by comparing every two topics that share one word.
    """

    def __init__(self, names: list[list[Name]]) -> None:
        self._by_word: dict[str, set[int]] = defaultdict(set)
        self._by_pair: dict[tuple[str, str], set[int]] = defaultdict(set)
        for t, own in enumerate(names):
            for name in own:
                words = sorted(set(name.words))
                for i, w in enumerate(words):
                    self._by_word[w].add(t)
                    for v in words[i + 1 :]:
                        self._by_pair[w, v].add(t)

    def candidates(self, words: tuple[str, ...], own: int) -> list[int]:
        """The topics but ``own`` with a name holding all ``words``, in index order."""
        unique = sorted(set(words))
        if len(unique) == 1:
            found = self._by_word.get(unique[0], set())
        else:
            empty: set[int] = set()
            sets = sorted(
                (
                    self._by_pair.get((w, v), empty)
                    for i, w in enumerate(unique)
                    for v in unique[i + 1 :]
                ),
                key=len,
            )
            found = sets[0].intersection(*sets[1:])
        return sorted(found - {own})


class _OwnedBut:
    """The word sets of the topics' own names, less those only ``but`` go by: a view of
    ``owners`` (word set → topics) that costs nothing to make for each pair of topics."""

    def __init__(self, owners: dict[frozenset[str], set[int]], but: tuple[int, ...]) -> None:
        self._owners, self._but = owners, set(but)

    def __contains__(self, words: object) -> bool:
        return bool(self._owners.get(words, self._but) - self._but)  # type: ignore[call-overload]

    def __iter__(self):
        return (k for k, ts in self._owners.items() if ts - self._but)


def _expands(title: str, inside: str) -> bool:
    """Whether a parenthetical (or subtitle) spells out a title's acronym, or the reverse."""
    main = _main(title)[0]
    return (
        "/" not in inside
        and "," not in inside
        and (re.fullmatch(r"\S+", main) is not None or re.fullmatch(r"\S+", inside) is not None)
    )


def word_names(topics: list[list[Entry]]) -> Callable[[str], list[int]]:
    """A lookup of the topics (each a list of entries) a name names by its stemmed words:
    ``KV-Cache`` finds ``Key-Value (KV) Caching``."""
    acronyms, _ = _acronyms([e for entries in topics for e in entries])
    owners: dict[frozenset[str], list[int]] = defaultdict(list)
    for t, entries in enumerate(topics):
        for e in entries:
            for n in entry_names(e, acronyms):
                if n.kind == "name" and t not in owners[frozenset(n.words)]:
                    owners[frozenset(n.words)].append(t)
    return lambda name: list(owners.get(frozenset(_canonical(_stems(name), acronyms)), []))

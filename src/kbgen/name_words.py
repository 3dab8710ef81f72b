"""The words of names, as :mod:`kbgen.similarity` compares them: stems, and acronyms
standing for their expansions (``Key-Value (KV) Caching``: ``kv cach``)."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Mapping

from kbgen.names import CACHED_TITLES
from kbgen.records import Entry
from kbgen.slugs import plain_dashes

_WORD = re.compile(r"[^\W_]+|[+#]+")
_PARENS = re.compile(r"\s*\(([^()]*)\)")
_STOP = frozenset(("a", "an", "and", "or", "of", "the", "for", "in", "on", "with", "to", "vs"))
_SUFFIXES = ("ization", "isation", "ations", "ation", "ings", "ing", "ive", "ion", "ers", "er")
_SUFFIXES += ("ed", "es", "e", "s")


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude stem, enough for name variants: ``tuning``, ``tune`` → ``tun``."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _is_proper(word: str) -> bool:
    """A library-, organisation- or model-like word: an inner capital (``DeepSpeed``)."""
    return re.search(r"[a-z][A-Z]|^[A-Z][a-z]*[A-Z][a-z]", word) is not None


class Acronyms:
    """Stemmed expansion → its acronym, and the same indexed by the expansion's first word.

    One object per mapping (:func:`acronym_index`), compared by identity: a cache key of
    :func:`title_names` hashed in constant time, where a tuple of every acronym was hashed
    and compared at each call, and looked up by the word at hand, where every acronym was
    tried at each word: both grew with the acronyms, for each title.
    """

    __slots__ = ("by_first", "mapping")

    def __init__(self, mapping: dict[tuple[str, ...], str]) -> None:
        self.mapping = mapping
        self.by_first: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for long, short in mapping.items():
            self.by_first[long[0]].append((long, short))


@functools.lru_cache(maxsize=8)
def _interned(items: tuple[tuple[tuple[str, ...], str], ...]) -> Acronyms:
    return Acronyms(dict(items))


def acronym_index(acronyms: Mapping[tuple[str, ...], str] | Acronyms) -> Acronyms:
    """The :class:`Acronyms` of a mapping: the same object for equal mappings."""
    if isinstance(acronyms, Acronyms):
        return acronyms
    return _interned(tuple(acronyms.items()))


def _acronyms(entries: list[Entry]) -> tuple[Acronyms, set[str]]:
    """Stemmed expansion → its acronym, for acronyms spelled out one way only; and the
    acronyms spelled out several ways (``sam``), which say nothing alone."""
    found: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for entry in entries:
        title = plain_dashes(entry.title)
        inside = [p.strip() for p in _PARENS.findall(title)]
        main = _PARENS.sub("", title).strip()
        for short, long in [(p, main) for p in inside] + [(main, p) for p in inside]:
            if re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", short) and re.search("[A-Z].*[A-Z]", short):
                words = _spelled(re.sub("[^A-Z]", "", short).lower(), _stems(long))
                if len(words) > 1:
                    found[short.lower()].add(words)
    one = {next(iter(longs)): short for short, longs in found.items() if len(longs) == 1}
    return acronym_index(one), {short for short, longs in found.items() if len(longs) > 1}


def _spelled(letters: str, words: tuple[str, ...]) -> tuple[str, ...]:
    """The run of ``words`` whose initials are ``letters`` (``kv``: ``key valu``), or ``()``."""
    for i in range(len(words) - len(letters) + 1):
        if "".join(w[0] for w in words[i : i + len(letters)]) == letters:
            return words[i : i + len(letters)]
    return ()


@functools.lru_cache(maxsize=CACHED_TITLES)
def _stems(text: str) -> tuple[str, ...]:
    """Stemmed words; a hyphenated name of a library or version (``ZeRO-Infinity``,
    ``GPT-4``, ``DP-SGD``) stays one word, another name than its parts."""
    out = []
    for token in plain_dashes(text).split():
        parts = _WORD.findall(token)
        if len(parts) > 1 and "-" in token and _bound(parts):
            out.append("-".join(parts).lower())
        else:
            out += [stem(w) for w in parts if w.lower() not in _STOP]
    return tuple(out)


def _bound(parts: list[str]) -> bool:
    return any(_is_proper(p) or p.isdigit() for p in parts) or all(
        re.fullmatch("[A-Z0-9]{2,}", p) for p in parts
    )


def _abbreviates(word: str, words: tuple[str, ...]) -> bool:
    """Whether ``word`` is made of a prefix of each of ``words`` (``RetNet``, Retention
    Networks)."""
    if not words:
        return not word
    head = words[0]
    return any(
        word.startswith(head[:n]) and _abbreviates(word[n:], words[1:])
        for n in range(min(len(head), len(word)), 0, -1)
    )


def _canonical(words: tuple[str, ...], acronyms: Acronyms) -> tuple[str, ...]:
    """Words with each spelled-out acronym replaced by the acronym (the first, in the
    mapping's order, of those spelled out from the word at hand)."""
    out, i = [], 0
    while i < len(words):
        for long, short in acronyms.by_first.get(words[i], ()):
            if words[i : i + len(long)] == long:
                out.append(short)
                i += len(long)
                break
        else:
            out.append(words[i])
            i += 1
    return tuple(dict.fromkeys(out))

"""The names other documentation types to link to a topic, and which topic each one means.

The topic store holds each topic's title and aliases as editors wrote them; people type
more than that. :func:`name_variants` derives the other spellings of a name: each part of
``Name (Other Name)`` when one part is the acronym of the other (``Mixture of Experts``,
``MoE``), the singular of a plural acronym (``LLMs`` → ``LLM``), the name with the acronym
in place of its expansion (``Key-Value (KV) Caching`` → ``KV Caching``), the acronym before
a colon (``RLVR: RL from Verifiable Rewards``) and spaces for hyphens (``KV-Cache`` →
``KV Cache``). An acronym that spells only the end of a name (``Sparsely-Gated Mixture of
Experts (MoE)``) names the topic that bears that end as a name, if one does.

:func:`term_table` decides what each name means, in tiers: titles, then aliases, then
derived spellings, compared ignoring case (as Sphinx's ``:term:`` does). The first tier in
which a name occurs decides; a name that two topics share there points at its
disambiguation page when the site has one, and is left out otherwise, never given to one
of them. Names that are not names (comma lists, sentences, citations) are never terms.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kbgen.merge import is_acronym
from kbgen.slugs import plain_dashes

MAX_WORDS = 12
"""A longer "name" is a description, not something anyone types as a link."""
MAX_CHARS = 200
"""Nor is a name longer than this."""

_SMALL_WORDS = frozenset({"a", "an", "and", "for", "from", "in", "of", "on", "the", "to", "with"})
_PARENS = re.compile(r"^(?P<before>[^()]*?)\s*\((?P<inner>[^()]+)\)\s*(?P<after>[^()]*)$")
# Between two words of two letters or more: ``KV-Cache`` → ``KV Cache``, not ``k-NN``.
_HYPHEN = re.compile(r"(?<=[^\W\d_]{2})-(?=[^\W\d_]{2})")


def fold(name: str) -> str:
    """A name compared ignoring case and repeated whitespace, after NFC normalization."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


@dataclass(frozen=True)
class Term:
    """One name other documentation may link with, and what it leads to."""

    name: str
    """The name as spelled by the topic (or derived from its spelling)."""
    slug: str
    """The topic it names; ``""`` for a name that several topics share."""
    url: str
    """Relative to the site root: the topic page, or the name's disambiguation page."""


def is_term_name(name: str) -> bool:
    """False for what is not a name: a comma list, a sentence, a citation, a description."""
    name = name.strip()
    return bool(
        name
        and not re.search(r"[,;]|\bet al\b", name)
        and not re.search(r"[.?!:]$", name)
        and len(name.split()) <= MAX_WORDS
        and len(name) <= MAX_CHARS
    )


def _initials_match(acronym: str, words: list[str]) -> bool:
    """True when ``acronym`` is spelled by the starts of ``words`` in order.

    Each word gives a prefix of itself (``Low``→``Lo`` in LoRA). A small word such as
    ``of`` and the later parts of a hyphenated word (``Rank`` of ``Low-Rank``) may give
    nothing; every other word gives at least its first letter.
    """
    letters = acronym.lower()
    parts: list[tuple[str, bool]] = []
    for word in words:
        for i, part in enumerate(p for p in word.lower().split("-") if p):
            parts.append((part, i > 0 or part in _SMALL_WORDS))

    @functools.cache
    def match(i: int, j: int) -> bool:
        if j == len(parts):
            return i == len(letters)
        part, optional = parts[j]
        if optional and match(i, j + 1):
            return True
        return any(
            letters[i : i + k] == part[:k] and match(i + k, j + 1)
            for k in range(1, min(len(part), len(letters) - i) + 1)
        )

    return bool(letters) and bool(parts) and match(0, 0)


def _singular_acronym(acronym: str) -> str:
    """``LLMs`` → ``LLM``; any other acronym as it is."""
    return acronym[:-1] if re.fullmatch(r"[A-Za-z0-9-]*[A-Z0-9]s", acronym) else acronym


def _singular_phrase(phrase: str) -> str:
    return re.sub(r"(?<=[^\Ws])s$", "", phrase)


def looks_like_acronym(name: str) -> bool:
    """One word with a capital after its first character: ``MoE``, ``LLMs``, ``k-NN``."""
    return is_acronym(name) or bool(re.fullmatch(r"[^\W_][\w-]*[A-Z][\w-]*", name))


def acronym_span(acronym: str, text: str) -> str:
    """The shortest end of ``text`` whose words ``acronym`` abbreviates, or ``""``."""
    if not looks_like_acronym(acronym):
        return ""
    letters = _singular_acronym(acronym).replace("-", "")
    words = plain_dashes(text).split()
    for start in range(len(words) - 1, -1, -1):
        if words[start].lower() in _SMALL_WORDS:
            continue
        if _initials_match(letters, words[start:]) or _initials_match(
            acronym.replace("-", ""), words[start:]
        ):
            # Back to the spelling in ``text``: from the start word to the end.
            return " ".join(text.split()[start:])
    return ""


@dataclass(frozen=True)
class _Derived:
    own: tuple[str, ...]
    """Other spellings of the topic's own name."""
    elsewhere: tuple[tuple[str, str], ...]
    """(acronym, expansion): an acronym that names whichever topic bears the expansion."""


@functools.lru_cache(maxsize=65536)
def _derive(name: str) -> _Derived:
    own: list[str] = []
    elsewhere: list[tuple[str, str]] = []
    if not is_term_name(name) or len(name) > MAX_CHARS:
        return _Derived((), ())
    if m := _PARENS.match(name.strip()):
        before, inner, after = m["before"].strip(), m["inner"].strip(), m["after"].strip()
        for acronym, expansion in ((inner, before), (before, inner)):
            span = acronym_span(acronym, expansion) if expansion else ""
            if not span:
                continue
            singular = _singular_acronym(acronym)
            head = expansion[: len(expansion) - len(span)].strip()
            if not head and not after:
                own += [expansion, acronym, singular]
                if singular != acronym:
                    own.append(_singular_phrase(expansion))
            else:
                # The acronym stands for some words of the name: ``Key-Value (KV) Caching``.
                own.append(" ".join(p for p in (before, after) if p))
                own.append(" ".join(p for p in (head, singular, after) if p))
                elsewhere.append((singular, span))
            break
    if ":" in name:
        head = name.split(":", 1)[0].strip()
        if is_acronym(head):
            own.append(head)
    spaced = [_HYPHEN.sub(" ", v) for v in [name, *own]]
    own += [v for v in spaced if v != name]
    return _Derived(tuple(dict.fromkeys(v for v in own if v != name)), tuple(elsewhere))


def number_variants(name: str) -> list[str]:
    """The name with its last word in the other number: ``LLM``/``LLMs``, ``KV cache``/``KV
    caches``, ``Diffusion Models``/``Diffusion Model``; none for a name with parentheses."""
    name = name.strip()
    if "(" in name or len(name.split()) > 4 or not re.search(r"[A-Za-z]{2}$", name):
        return []
    if looks_like_acronym(name) and " " not in name:
        return [name[:-1]] if re.search(r"[A-Z0-9]s$", name) else [name + "s"]
    last = name.split()[-1]
    if last.isupper() or not last.isalpha():
        return [name + "s"] if last.isupper() else []
    if re.search(r"(?:ss|us|is|ics)$", last):
        return []
    if last.endswith("ies"):
        return [name[:-3] + "y"]
    if last.endswith("s"):
        return [name[:-1]]
    if re.search(r"(?:x|ch|sh)$", last):
        return [name + "es"]
    if re.search(r"[^aeiou]y$", last):
        return [name[:-1] + "ies"]
    return [name + "s"]


def name_variants(name: str) -> list[str]:
    """Other spellings of ``name`` that people type, each once, ``name`` itself excluded."""
    return [v for v in _derive(name).own if v != name and is_term_name(v)]


Owners = dict[str, dict[str, set[str]]]
"""Folded name → slug → the spellings under which that topic bears the name."""


def name_tiers(topics: Iterable[tuple[str, list[str]]]) -> tuple[Owners, Owners, Owners]:
    """Who bears each name: as a title, as an alias, as a derived spelling.

    ``topics`` gives each topic's slug and names, the title first.
    """
    topics = sorted(topics)
    tiers: tuple[Owners, Owners, Owners] = ({}, {}, {})

    def add(tier: int, slug: str, name: str) -> None:
        if is_term_name(name):
            spelling = " ".join(name.split())
            tiers[tier].setdefault(fold(name), {}).setdefault(slug, set()).add(spelling)

    for slug, names in topics:
        for i, name in enumerate(names):
            add(0 if i == 0 else 1, slug, name)
    for slug, names in topics:
        for name in names:
            derived = _derive(name)
            for variant in derived.own:
                add(2, slug, variant)
            for acronym, expansion in derived.elsewhere:
                owners = {s for tier in tiers[:2] for s in tier.get(fold(expansion), {})}
                if len(owners) == 1:
                    add(2, owners.pop(), acronym)
    return tiers


def term_table(
    topics: Iterable[tuple[str, list[str]]],
    url_of: Mapping[str, str],
    disambiguation: Mapping[str, str] | None = None,
) -> list[Term]:
    """Every name and what it leads to, sorted by name.

    ``topics`` gives each topic's slug and names (the title first); ``url_of`` maps a slug
    to its URL; ``disambiguation`` maps a folded shared name to its disambiguation page.
    Each name is listed in every spelling a topic gives it.
    """
    disambiguation = disambiguation or {}
    terms: list[Term] = []
    decided: set[str] = set()
    for tier in name_tiers(topics):
        for key, owners in tier.items():
            if key in decided:
                continue
            decided.add(key)
            spellings = sorted({s for names in owners.values() for s in names})
            if len(owners) == 1:
                (slug,) = owners
                terms += [Term(s, slug, url_of[slug]) for s in spellings]
            elif key in disambiguation:
                terms += [Term(s, "", disambiguation[key]) for s in spellings]
    return sorted(terms, key=lambda t: (t.name, t.url))

"""Names of concepts in entry titles: long names, acronyms, expansions, name keys.

A *long name* is a title or parenthetical that is not an acronym, compared case-,
hyphen-, space- and plural-insensitively (``Tree of Thought`` = ``Tree-of-Thoughts
(ToT)``), or the same set of names joined by ``/`` or ``&``. A parenthetical after a name
of several words is a qualifier, not a long name (``Distributed Computing (ML Training)``),
unless it spells an acronym of the name; a one-word name made of words (``FlashAttention``)
is a long name too; a name with a generic head word (``Adam Optimizer``) is the concept a
title spells out in parentheses (``Adam (Adaptive Moment Estimation)``); a one-word
lower-case parenthetical is part of the name (``Fine-tuning (full)`` is full fine-tuning).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from kbgen.slugs import plain_dashes

CACHED_TITLES = 1 << 18
"""How many titles the caches of what a title says hold: more than a knowledge base of
100,000 entries has. Above a cache's size each import pass misses on every title (the
least recently used is always the next one wanted), and the time per entry jumps."""
_PARENS = re.compile(r"\s*\(([^()]*)\)")
# Words, and the ``+`` and ``#`` that make ``C++`` and ``C#`` names other than ``C``.
_WORD = re.compile(r"[^\W_]+|[+#]+")
_SEPARATORS = re.compile(r"\s+(?:/|&|and)\s+|(?<=\w)/(?=\w)")
# Head words that say what kind of thing a name is (``Adam Optimizer``), not which one.
_GENERIC_HEADS = frozenset({"optimizer", "optimiser", "algorithm", "method", "technique"})


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def name_key(name: str) -> str:
    """Compare names ignoring case, hyphens, spaces, punctuation but ``+#`` and plural ``s``.

    Names are NFC first, so ``Café`` composed or decomposed is one name.
    """
    plain = plain_dashes(unicodedata.normalize("NFC", name)).lower()
    return "".join(_singular(w) for w in _WORD.findall(plain))


def is_acronym(name: str) -> bool:
    """A name whose every hyphen-part is one word with an inner capital or a digit.

    ``RAG``, ``LoRA``, ``vLLM``, ``DP-SGD``, ``GPT-4`` are; ``Tree-of-Thoughts``, ``1-3`` are not.
    """
    parts = plain_dashes(name).strip().split("-")
    return bool(re.search("[A-Za-z]", name)) and all(
        re.fullmatch(r"[^\W_][\w.+]*", p) and re.search(r"(?<=.)[A-Z]|\d|^[A-Z]+$", p)
        for p in parts
    )


@dataclass(frozen=True)
class Names:
    """What an entry's title says about the concept it names."""

    longs: frozenset[str]
    """Keys of its long names."""
    acronyms: frozenset[str]
    """Acronyms as written (case matters)."""
    expansions: tuple[str, ...]
    """Other spellings worth an alias: the acronym and the expansion in parentheses."""
    headed: str = ""
    """Key of the name before a generic head word: ``adam`` for ``Adam Optimizer``."""
    defined: str = ""
    """Key of a name given with its acronym or expansion in parentheses: ``adam`` for
    ``Adam (Adaptive Moment Estimation)``."""


def _is_word_name(name: str) -> bool:
    """An acronym-like name made of words (``FlashAttention``, ``DeepSpeed``), not ``LoRA``."""
    return is_acronym(name) and re.search("[a-z]{3}", name) is not None


def _spells(long: str, main: str) -> bool:
    """Whether the initials of ``long`` are the capitals of an acronym in ``main``.

    ``Vision Transformer`` spells ``ViT`` in ``Original ViT``.
    """
    initials = "".join(w[0] for w in _WORD.findall(long)).upper()
    return any(is_acronym(w) and "".join(re.findall("[A-Z]", w)) == initials for w in main.split())


def _abbreviates(letters: str, words: list[tuple[str, bool]]) -> bool:
    """Whether ``letters`` are prefixes of ``words`` in order; a word flagged True (written in
    lower case: ``of``, ``aware``) may give none. ``awq``: Activation-aware Weight Quantization."""
    if not words:
        return not letters
    (word, optional), rest = words[0], words[1:]
    if optional and _abbreviates(letters, rest):
        return True
    return any(
        letters.startswith(word[:n]) and _abbreviates(letters[n:], rest)
        for n in range(min(len(word), len(letters)), 0, -1)
    )


def _words_of(text: str) -> list[tuple[str, bool]]:
    return [(w.lower(), w[0].islower()) for w in _WORD.findall(text)]


def _letters(name: str) -> str:
    """An acronym's letters, lower-cased, without a plural ``s`` (``LLMs`` → ``llm``)."""
    name = re.sub(r"(?<=[A-Z])s$", "", name)
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _spelled_within(letters: str, name: str) -> bool:
    """Whether an acronym's letters run through ``name`` in order from its first letter.

    Acronyms take letters from inside words and skip words: ``MAE`` for Masked
    Autoencoder, ``SPIN`` for Self-Play Fine-Tuning, ``RFT`` for Rejection Sampling
    Fine-Tuning; ``MoE`` in ``Load Balancing (MoE)`` does not start with its ``l``.
    """
    plain = _letters(name)
    if not letters or not plain or letters[0] != plain[0]:
        return False
    rest = iter(plain[1:])
    return all(c in rest for c in letters[1:])


def _short(name: str) -> bool:
    return bool(name) and " " not in name and len(_letters(name)) >= 2


def names_concept(title: str, match: re.Match[str]) -> bool:
    """Whether the parenthetical ``match`` of ``title`` is another name of the concept.

    It is when it abbreviates all that comes before it (``Mixture of Experts (MoE)``,
    ``k-Nearest Neighbors (k-NN)``, ``Large Language Models (LLMs)``) and nothing but a
    qualifier follows (``Graph Neural Networks (GNNs) for Learning``, not ``Chain-of-Thought
    (CoT) Distillation``), or when a short name before it abbreviates it (``AWQ
    (Activation-aware Weight Quantization)``). A description (``Feature Extraction (Frozen
    Weights)``), a context (``Load Balancing (MoE)``) or a list of examples is not; a name
    with the same head word (``Top-p Sampling (Nucleus Sampling)``) is.
    """
    inside = match[1].strip()
    before = _PARENS.sub("", title[: match.start()]).strip()
    after = title[match.end() :].strip()
    if re.search(r"\bvs\b", title) or not before:
        return False
    if _short(inside) and not after[:1].isupper():
        letters = _letters(inside)
        return _abbreviates(letters, _words_of(before)) or (
            is_acronym(inside) and _spelled_within(letters, before)
        )
    if after:
        return False
    if _short(before):
        return _abbreviates(_letters(before), _words_of(inside))
    # Another name of the same kind of thing: ``Top-p Sampling (Nucleus Sampling)``,
    # ``Key-Value Caching (KV Cache)``,
    # ``Belief Propagation (Sum-Product Algorithm)``.
    heads = [_singular(_words_of(t)[-1][0]) for t in (before, inside) if _words_of(t)]
    return (
        len(heads) == 2
        and len(inside.split()) > 1
        and inside[:1].isupper()
        and (_same_word(*heads) or heads[1] in _GENERIC_HEADS)
    )


def _same_word(a: str, b: str) -> bool:
    """Equal, or two forms of one word (``cache``, ``caching``)."""
    common = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return a == b or (common >= 4 and min(len(a), len(b)) - common <= 1)


def _head_stripped(main: str) -> str:
    """``main`` without a trailing generic head word (``Adam`` of ``Adam Optimizer``), or ``""``."""
    words = main.split()
    if len(words) > 1 and _singular(words[-1].lower()) in _GENERIC_HEADS:
        return " ".join(words[:-1])
    return ""


@functools.lru_cache(maxsize=CACHED_TITLES)
def parse_names(title: str) -> Names:
    """Split ``Long Name (ACR)`` / ``ACR (Long Name)`` into long names and acronyms.

    A parenthetical is a long name only after a one-word name (``Mamba (State Space
    Models)``) or when it spells an acronym of the name (``Original ViT (Vision
    Transformer)``); after a longer name it is a qualifier (``Distributed Computing (ML
    Training)``), kept as an other spelling only.
    """
    title = plain_dashes(title)
    main = _PARENS.sub("", title).strip()
    # ``Fine-tuning (full)`` is full fine-tuning, not fine-tuning.
    main = " ".join([*(p for p in _PARENS.findall(title) if re.fullmatch("[a-z]+", p)), main])
    longs, acronyms, expansions = set(), set(), []
    defined = False
    inside = [(m[1].strip(), names_concept(title, m)) for m in _PARENS.finditer(title)]
    # A one-word name a qualifier narrows (``Sampling (in Language Models)``) is a word in
    # every other sense: no alias, so that it links and redirects nowhere.
    narrowed = (
        any(not n and len(p.split()) > 1 for p, n in inside)
        and len(main.split()) == 1
        and not is_acronym(main)
    )
    for part, is_main, named in [(main, True, not narrowed), *((p, False, n) for p, n in inside)]:
        if not part:
            continue
        if named:  # an alias: the name itself, or another name of the concept
            expansions.append(part)
            if not is_main and re.fullmatch(r"[A-Z][\w-]*[A-Z]s", part):
                expansions.append(part[:-1])  # ``LLMs`` is ``LLM`` too
        if is_acronym(part):
            acronyms.add(part)
            defined |= not is_main
            if _is_word_name(part):
                longs.add(name_key(part))
        elif is_main or (
            len(part.split()) > 1
            and part[:1].isupper()
            and (len(main.split()) == 1 or _spells(part, main))
        ):
            longs.add(name_key(part))
            defined |= not is_main
    parts = [p.strip() for p in _SEPARATORS.split(main) if p and p.strip()]
    if len(parts) > 1:
        longs.add("set:" + "|".join(sorted(name_key(p) for p in parts)))
    longs.discard("")
    return Names(
        frozenset(longs),
        frozenset(acronyms),
        tuple(expansions),
        headed=name_key(_head_stripped(main)),
        defined=name_key(main) if defined else "",
    )

"""Titles and labels of long-form guides: which headings are techniques, and their names.

:func:`clean_title` turns heading text into a topic's title; :func:`section_name` maps a
block label or generic heading to a section; the vocabularies tell generic, collection,
navigation and attribution words apart (:mod:`kbgen.sources.guide` uses them all).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "COLLECTIONS",
    "GENERIC",
    "KNOWN_SECTIONS",
    "NAVIGATION",
    "SMALL_WORDS",
    "TRAILING_PAREN",
    "abbreviates",
    "clean_title",
    "is_emoji",
    "names_technique",
    "section_name",
]

KNOWN_SECTIONS = (
    "What",
    "Use When",
    "How",
    "Pitfalls",
    "Strengths",
    "Example",
    "References",
    "Comparison",
)
"""Section names a label or generic heading can map to; any other label names its own."""

_NUMBERING = re.compile(r"^\d+(?:\.\d+)*[.):]?\s+")
TRAILING_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")
_YEAR = re.compile(r"(?:19|20)\d\d(?:\s*[-–/]\s*\d{2,4})?s?")
_COMPANY = re.compile(r"[A-Z][a-z]+(?:AI|Mind|Labs?)")


def _vocabulary(entries: str) -> frozenset[str]:
    """A set of words or phrases written as one comma-separated string."""
    return frozenset(" ".join(e.split()) for e in entries.split(",") if e.strip())


NAVIGATION = re.compile(
    r"\b(?:table of contents|executive summary|interview questions?|tools (?:and|&) frameworks"
    r"|key papers|further (?:learning|reading)|next steps|hands-on projects"
    r"|decision (?:tree|guide)|comparison|selection matrix|real-world examples|terminology"
    r"|glossary|quick reference|common (?:pitfalls|mistakes)|summary tree|inventory"
    r"|by use case|future trends|cheat ?sheet)\b"
    r"|^(?:contents|summary|references?|resources|faq|appendix|use cases?|when to use)\b"
)
"""Titles of navigation and reference parts, which are not topics (matched lower-cased)."""

GENERIC = _vocabulary(
    """versus, its, it, overview, introduction, background, summary, definition, description,
    basics, fundamentals, key, main, core, general, common, basic, modern, advanced, popular,
    notable, recent, new, latest, state-of-the-art, sota, architecture, architectures, design,
    structure, evolution, model, models, technique, techniques, method, methods, approach,
    approaches, variant, variants, type, types, algorithm, algorithms, advantages, advantage,
    benefits, benefit, strengths, pros, disadvantages, drawbacks, limitations, weaknesses, cons,
    challenges, pitfalls, issues, risks, mathematical, math, mathematics, foundation,
    foundations, formulation, formula, formulas, equations, theory, training, process, pipeline,
    implementation, workflow, procedure, steps, step, stage, stages, three-stage, two-stage,
    multi-stage, practical, example, examples, usage, use, uses, cases, applications, when, how,
    why, what, works, each, best, practices, tips, guidelines, characteristics, features,
    properties, details, notes, comparison, levels, results, objective, objectives, code,
    references, reference, further, reading"""
)
"""Words that name an aspect of a technique rather than a technique (with :data:`SMALL_WORDS`)."""

COLLECTIONS = _vocabulary(
    "models, techniques, methods, approaches, variants, types, algorithms, architectures, evolution"
)
"""Generic words that make a heading a grouping of techniques rather than a section."""

_ORGANISATIONS = _vocabulary(
    """openai, anthropic, meta, meta ai, facebook, fair, google, google ai, google brain,
    google research, google deepmind, deepmind, microsoft, microsoft research, nvidia, apple,
    amazon, aws, ibm, mistral, mistral ai, stability ai, cohere, hugging face, huggingface,
    eleutherai, ai2, allen ai, baidu, alibaba, tencent, deepseek, xai, salesforce, uc berkeley,
    stanford, mit, tsinghua"""
)
"""Well-known AI organisations, for ``(Org)`` suffixes of headings without bold titles."""

_QUALIFIERS = _vocabulary(
    """rumored, rumoured, unconfirmed, speculative, leaked, unofficial, proprietary, open source,
    open-source, closed source, deprecated, experimental, beta, preview, legacy"""
)
"""Asides that qualify a heading's claim rather than name the technique (``(Rumored)``)."""

_SECTION_PATTERNS = (
    (
        "Pitfalls",
        r"\b(?:weakness(?:es)?|pitfalls?|challenges?|limitations?|drawbacks?|disadvantages?"
        r"|cons|risks?|caveats?|gotchas?|failure modes?)\b",
    ),
    ("Strengths", r"\b(?:strengths?|advantages?|benefits?|pros|why it helps)\b"),
    ("Comparison", r"\b(?:comparisons?|compared|vs|versus|differs?|differences?)\b"),
    (
        "Use When",
        r"\b(?:use cases?|use when|when to use|applications?|best for|ideal for|good for)\b"
        r"|^uses?$",
    ),
    ("Example", r"\bexamples?\b"),
    ("References", r"\b(?:references?|papers?|citations?|further reading|bibliography)\b"),
    (
        "What",
        r"^(?:what\b|overview|definition|description|introduction|summary|characteristics"
        r"|key (?:ideas?|insights?|innovations?)|intuition)",
    ),
    (
        "How",
        r"\b(?:how|process(?:es)?|formulas?|formulation|equations?|mathematical|math"
        r"|architecture|algorithm|mechanism|implementation|pipeline|code|concept|components"
        r"|training|procedure|steps|workflow|objective|solution|why it works)\b",
    ),
)
_SECTION_RULES = tuple((name, re.compile(pattern)) for name, pattern in _SECTION_PATTERNS)
SMALL_WORDS = _vocabulary(
    "a, an, and, as, at, by, for, from, in, of, on, or, the, to, vs, vs., with"
)


def section_name(label: str) -> str:
    """Map a block label or generic heading to a section name.

    Known aspects map to :data:`KNOWN_SECTIONS` (``Weaknesses`` → ``Pitfalls``, ``Formula``
    → ``How``); any other label names a section of its own, in title case.
    """
    label = " ".join(label.strip().rstrip(":").split())
    lowered = label.lower()
    for name, rule in _SECTION_RULES:
        if rule.search(lowered):
            return name
    return _title_case(label)


def _title_case(text: str) -> str:
    words = text.split(" ")
    return " ".join(
        w[:1].upper() + w[1:] if w[:1].islower() and (i == 0 or w not in SMALL_WORDS) else w
        for i, w in enumerate(words)
    )


def clean_title(raw: str) -> str:
    """Turn heading text into a title: no numbering, bold, emoji, links or ``(Org)`` suffix.

    A parenthetical after a bold title and outside the bold (``**Llama 3** (Meta)``) is an
    attribution; without bold, one naming a known organisation, a company-style name
    (``OpenAI``), a year or a qualifier (``Rumored``) is. Either kind is kept when it
    expands or abbreviates the title (``**LoRA** (Low-Rank Adaptation)``, ``(MoE)``).
    """
    text = "".join(c for c in raw if not is_emoji(c))
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("`", "")
    if m := re.fullmatch(r"([^*]*)\*\*(.+?)\*\*(.*)", text):
        before, name, after = m.groups()
        paren = TRAILING_PAREN.fullmatch(after)
        if paren and not _expands(paren.group(1), name):
            after = ""
        text = f"{before}{name}{after}"
    text = " ".join(text.replace("**", "").replace("__", "").split()).strip("*_ ")
    text = _NUMBERING.sub("", text).rstrip(":").strip()
    while (paren := TRAILING_PAREN.search(text)) and paren.start() > 0:
        if _expands(paren.group(1), text[: paren.start()]) or not _is_attribution(paren.group(1)):
            break
        text = text[: paren.start()].rstrip()
    return text


def is_emoji(char: str) -> bool:
    return (
        unicodedata.category(char) == "So"
        or char in "\ufe0e\ufe0f\u200d\u20e3"
        or "\U0001f3fb" <= char <= "\U0001f3ff"
    )


def _is_attribution(aside: str) -> bool:
    """Whether every part of a parenthetical names an organisation, a year or a qualifier."""
    parts = [p for p in re.split(r"\s*(?:,|&|/|\band\b)\s*", aside.strip()) if p]
    return bool(parts) and all(
        p.lower() in _ORGANISATIONS
        or p.lower() in _QUALIFIERS
        or _YEAR.fullmatch(p) is not None
        or _COMPANY.fullmatch(p) is not None
        for p in parts
    )


def _expands(aside: str, name: str) -> bool:
    """Whether a parenthetical spells out or abbreviates ``name``, or shares a word with it."""
    shared = {w for w in _plain_words(aside) if len(w) > 2} & set(_plain_words(name))
    return bool(shared) or abbreviates(aside, name) or abbreviates(name, aside)


def abbreviates(short: str, long: str) -> bool:
    short = short.strip()
    capitals = "".join(c for c in short if c.isupper())
    if " " in short or len(capitals) < 2:
        return False
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z0-9]+", long)).upper()
    long_capitals = "".join(c for c in long if c.isupper())
    return any(
        seq[:1] == capitals[:1] and _subsequence(capitals, seq) for seq in (initials, long_capitals)
    )


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def _plain_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def names_technique(label: str) -> bool:
    """Whether a bold label names a technique with its acronym: ``LoRA (Low-Rank Adaptation)``."""
    m = TRAILING_PAREN.search(label)
    if m is None or section_name(label) in KNOWN_SECTIONS:
        return False
    before = label[: m.start()].strip()
    return abbreviates(m.group(1), before) or abbreviates(before, m.group(1))

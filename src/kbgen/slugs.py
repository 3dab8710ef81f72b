"""Short, readable, unique ASCII slugs for file names and URLs."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kbgen.records import Topic

RESERVED = frozenset({"index", "tags", "search", "browse", "assets", "a-z", "topics", "404"})
"""Names the site uses for its own pages and folders."""

WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul", *(f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10))]
)
"""File names Windows will not create, whatever the extension: a clone there would fail."""

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""What every slug looks like."""

MAX_LENGTH = 60

_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρστυφχψω",
        [
            *("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota"),
            *("kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau"),
            *("upsilon", "phi", "chi", "psi", "omega"),
        ],
        strict=True,
    )
)


_GREEK_WORDS = str.maketrans({letter: f" {name} " for letter, name in _GREEK.items()})
_UNSAFE = RESERVED | WINDOWS_DEVICES

_DASHES = re.compile("[\u2010-\u2015\u2212\u00ad]")


def plain_dashes(text: str) -> str:
    """Replace Unicode hyphens and dashes (U+2010–U+2015, minus, soft hyphen) with ``-``."""
    return _DASHES.sub("-", text)


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens; ``""`` when nothing of ``text`` survives."""
    text = plain_dashes(text).lower().translate(_GREEK_WORDS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", text)
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > MAX_LENGTH and slug:
            break
        slug = f"{slug}-{word}" if slug else word[:MAX_LENGTH]
    return slug


def topic_slug(title: str) -> str:
    """A topic's preferred slug: its title without parenthetical asides, made safe."""
    base = slugify(re.sub(r"\([^)]*\)", " ", title)) or slugify(title) or "topic"
    return f"{base}-topic" if base in _UNSAFE else base


def unique_slug(preferred: str, taken: set[str]) -> str:
    """``preferred``, or ``preferred-2``, ``-3``… whichever is not yet taken."""
    slug, n = preferred, 2
    while slug in taken:
        slug, n = f"{preferred}-{n}", n + 1
    return slug


def redirect_map(topics: list[Topic], merged: dict[str, str]) -> dict[str, str]:
    """Old or alternative slug → canonical slug, for every alias with a slug of its own.

    The title's slug redirects too, for a topic whose title was edited. A name whose slug
    is a topic's own, a reserved name, or shared by names of two different topics gets no
    redirect (it would shadow a page or be ambiguous).
    """
    slugs = {t.slug for t in topics}
    owners: dict[str, set[str]] = {}
    for topic in topics:
        for name in topic.names:
            slug = topic_slug(name)
            # topic_slug suffixes a reserved name: such a name gets no redirect at all.
            if slug != topic.slug and slug.removesuffix("-topic") not in RESERVED:
                owners.setdefault(slug, set()).add(topic.slug)
    redirects = {old: new for old, new in merged.items() if old not in slugs and new in slugs}
    for slug, targets in owners.items():
        if len(targets) == 1 and slug not in slugs:
            redirects.setdefault(slug, next(iter(targets)))
    return dict(sorted(redirects.items()))

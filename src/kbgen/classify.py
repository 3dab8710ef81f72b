"""Subject tags for every topic: from keywords in the title, else from the nearest topics.

A topic's area headings give it subject tags (:func:`kbgen.importer.topic_tags`); a
glossary entry has none. Here each topic first takes the tags whose ``keywords`` (in
``kbgen.yml``) its title holds; a topic still without a subject tag then takes the tag its
nearest tagged topics share (k nearest neighbours over TF-IDF vectors of title and text,
scikit-learn). Each assignment carries its evidence, for the import report, so an editor
can see why and override it in the topic file.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kbgen.config import Config
from kbgen.similarity import similarities

NEIGHBOURS = 7
"""How many of the nearest tagged topics vote."""


@dataclass(frozen=True)
class Assignment:
    """One subject tag given to a topic, and why."""

    topic: int
    """Index of the topic in the list classified."""
    tag: str
    """The tag's slug."""
    evidence: str
    """The keyword, or the nearest topics that carry the tag with their similarity."""


def subject_tags(config: Config) -> set[str]:
    """The configured tags that say what a topic is about."""
    return {slug for slug, info in config.tags.items() if info.subject}


def classify(
    titles: list[str], texts: list[str], tags: list[list[str]], config: Config
) -> list[Assignment]:
    """Subject tags to add to each topic (``tags`` are those it has): keyword tags to
    every topic, then a nearest-neighbour tag to each topic still without one."""
    subjects = subject_tags(config)
    if not subjects or not titles:
        return []
    found = []
    for t, title in enumerate(titles):
        for slug, info in config.tags.items():
            keyword = info.keyword_in(title)
            if keyword and slug not in tags[t]:
                found.append(Assignment(t, slug, f"keyword `{keyword}` in the title"))
    known = [set(tags[t]) & subjects for t in range(len(titles))]
    for a in found:
        known[a.topic].add(a.tag)
    labelled = [t for t in range(len(titles)) if known[t]]
    unlabelled = [t for t in range(len(titles)) if not known[t]]
    if not labelled or not unlabelled:
        return found
    docs = [f"{title}\n{title}\n{text}" for title, text in zip(titles, texts, strict=True)]
    nearest = similarities(docs).nearest(unlabelled, labelled, NEIGHBOURS)
    for t, near in zip(unlabelled, nearest, strict=True):
        votes: dict[str, float] = defaultdict(float)
        for n, score in near:
            for tag in sorted(known[n]):
                votes[tag] += score
        if not votes:
            continue
        tag = min(votes, key=lambda k: (-votes[k], k))
        evidence = [f"{titles[n]} ({score:.2f})" for n, score in near if tag in known[n]][:3]
        found.append(Assignment(t, tag, f"nearest tagged topics: {'; '.join(evidence)}"))
    return found

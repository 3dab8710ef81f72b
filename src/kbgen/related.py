"""Content-similar topics, so that no page is a dead end.

A page shows its links, its backlinks and the topics its front matter relates it to; when
those are fewer than :data:`MIN_RELATED`, the build adds the topics whose text is most
like its own (TF-IDF cosine over title and body, scikit-learn).
"""

from __future__ import annotations

from kbgen.records import Topic
from kbgen.similarity import similarities

MIN_RELATED = 3
"""Every topic page shows at least this many other topics (when there are that many)."""


def similar_topics(
    topics: list[Topic], count: int = MIN_RELATED, only: set[str] | None = None
) -> dict[str, list[str]]:
    """Each topic's slug → the slugs of the ``count`` topics whose texts are most alike;
    for the topics of ``only`` alone when given (the texts of all are compared still)."""
    if only is not None and not only:
        return {}
    docs = [f"{t.title}\n{' '.join(t.aliases)}\n{t.body}" for t in topics]
    every = list(range(len(topics)))
    rows = every if only is None else [i for i, t in enumerate(topics) if t.slug in only]
    nearest = similarities(docs).nearest(rows, every, count, unlike=True)
    return {
        topics[i].slug: [topics[j].slug for j, _ in near]
        for i, near in zip(rows, nearest, strict=True)
    }


def fill_related(shown: set[str], candidates: list[str], own: str) -> list[str]:
    """The candidates to add, in order, until ``shown`` holds :data:`MIN_RELATED` topics."""
    added: list[str] = []
    for slug in candidates:
        if len(shown) + len(added) >= MIN_RELATED:
            break
        if slug != own and slug not in shown and slug not in added:
            added.append(slug)
    return added

"""Content-similar topics, so that no page is a dead end.

A page shows its links, its backlinks and the topics its front matter relates it to; when
those are fewer than :data:`MIN_RELATED`, the build adds the topics whose text is most
like its own: TF-IDF cosine over the title, aliases and body, cut into the terms the
search index uses (its words, stop words and stems: :mod:`kbgen.search_index`).
"""

from __future__ import annotations

from collections.abc import Collection

from kbgen.neighbours import TextScores
from kbgen.records import Topic
from kbgen.search_index import Vocabulary, stem

MIN_RELATED = 3
"""Every topic page shows at least this many other topics (when there are that many)."""


def similar_topics(
    topics: list[Topic], count: int = MIN_RELATED, only: Collection[str] | None = None
) -> dict[str, list[str]]:
    """Each topic's slug (or each of ``only``) → the slugs of the ``count`` topics whose
    texts are most alike.

    ``only`` names the topics whose page needs them: the others cost nothing.
    """
    every = list(range(len(topics)))
    rows = every if only is None else [i for i, t in enumerate(topics) if t.slug in only]
    if not rows:
        return {}
    vocabulary = Vocabulary()
    texts = (f"{t.title}\n{' '.join(t.aliases)}\n{t.body}" for t in topics)
    scores = TextScores.of_terms([stem(w) for w in vocabulary.terms(text)] for text in texts)
    nearest = scores.nearest(rows, every, count, unlike=True)
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

"""Summaries: a dangling colon or a What of only code still gives a proper sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbgen.store import load_topics, parse_body
from kbgen.summary import first_sentence, summary

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("Lead-in:\n\n```\ncode\n```\n\n- not joined", "Lead-in: code."),
        ("Joint embeddings:\n\n- text\n- images.\n\nAfter.", "Joint embeddings: text; images."),
        ("Steps:\n\n```\nStage 1: a\n\nStage 2: b\n```\n", "Steps: Stage 1: a; Stage 2: b."),
        ("Generate answers, then retrieve:", "Generate answers, then retrieve."),
        ("Distribute states:\n\n**Bold claim!**\n", "Distribute states."),
        ("**Label**\n\nThe text. More.", "The text."),
        ("**Label:**\n\n```\nx = 1\n```\n", "Label: x = 1."),
    ],
)
def test_first_sentence_never_ends_in_a_colon(markdown: str, expected: str) -> None:
    assert first_sentence(markdown) == expected


def test_a_what_of_only_code_is_summed_up_by_title_and_code() -> None:
    body = "## What\n\n```\nw = w - lr · ∇Loss\nSimple, slow convergence\n```\n"
    assert (
        summary(parse_body(body)[1], "SGD") == "SGD: w = w - lr · ∇Loss; Simple, slow convergence."
    )
    # Prose anywhere still wins over code.
    assert summary(parse_body(body + "\n## How\n\nStep it. More.\n")[1], "SGD") == "Step it."


def test_real_topics_have_a_summary_that_is_a_sentence() -> None:
    loaded, _ = load_topics(ROOT / "topics")
    summaries = {t.topic.slug: summary(parse_body(t.topic.body)[1], t.topic.title) for t in loaded}
    assert all(summaries.values()), [s for s, v in summaries.items() if not v]
    assert not [s for s, v in summaries.items() if v.endswith(":")]

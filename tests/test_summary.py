"""Summaries: a dangling colon or a What of only code still gives a proper sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kbgen.summary as summary_module
from kbgen.store import load_topics, parse_body
from kbgen.summary import first_sentence, plain_text, summary

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
    # What the topic is comes from its What: a How paragraph or a Use When item says less.
    how = body + "\n## How\n\nStep it. More.\n\n## Use When\n\n- Small models\n"
    assert summary(parse_body(how)[1], "SGD").startswith("SGD: w = w - lr")
    # With neither code nor prose in What, another section's paragraph, never a list item.
    bare = "## What\n\n**Idea**\n\n## Use When\n\n- Small models\n\n## How\n\nStep it.\n"
    assert summary(parse_body(bare)[1], "SGD") == "Step it."


def test_a_what_of_only_a_table_or_a_list_is_summed_up_with_the_title() -> None:
    table = "## What\n\n| Aspect | RLHF | DPO |\n|---|---|---|\n| Stages | 3 | 1 |\n"
    table += "| Cost | hi | lo |\n"
    assert summary(parse_body(table)[1], "RLHF vs DPO") == "RLHF vs DPO: Stages; Cost."
    parts = "## What\n\n- Batch Normalization (BN)\n- Layer Normalization (LN)\n"
    assert summary(parse_body(parts)[1], "Norms") == (
        "Norms: Batch Normalization (BN); Layer Normalization (LN)."
    )


def test_real_topics_have_a_summary_that_is_a_sentence() -> None:
    loaded, _ = load_topics(ROOT / "topics")
    summaries = {t.topic.slug: summary(parse_body(t.topic.body)[1], t.topic.title) for t in loaded}
    assert all(summaries.values()), [s for s, v in summaries.items() if not v]
    assert not [s for s, v in summaries.items() if v.endswith(":")]
    # A What of only code, a table or a list is introduced by the topic's title.
    titles = {t.topic.slug: t.topic.title for t in loaded}
    for slug in ("dynamic-architectures", "comparison-rlhf-vs-dpo-vs-ipo", "gemini-ultra"):
        assert summaries[slug].startswith(f"{titles[slug]}: "), summaries[slug]


_PIECES = [
    "word", "$x$", "\\(a_1\\)", "[link](x.md)", "![alt](i.png)", "<b>bold</b>", "`code`",
    "*em*", "_em_", "~~gone~~", "<!-- note -->", "<https://example.org>", "a.", "\\[y\\]",
]  # fmt: skip


def _every_pattern(text: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """``plain_text`` with its shortcut for plain text off: every pattern runs."""
    with monkeypatch.context() as patch:
        patch.setattr(summary_module, "_MARKUP", re.compile(""))
        return plain_text(text)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(st.sampled_from("ab \n.,:-'\"()!?<>[]`*_~$\\{}0é\t"), max_size=40),
        st.lists(st.sampled_from(_PIECES), max_size=6).map(" ".join),
    )
)
def test_plain_texts_shortcut_gives_what_every_pattern_gives(text, monkeypatch) -> None:
    assert plain_text(text) == _every_pattern(text, monkeypatch)


def test_plain_texts_shortcut_on_the_bundled_topics(monkeypatch) -> None:
    texts = [
        text
        for topic in load_topics(ROOT / "topics")[0]
        for section in parse_body(topic.topic.body)[1]
        for part in section.parts
        for text in [part.text, *part.text.split("\n\n")]
    ]
    assert len(texts) > 1000
    shortcut = sum(1 for t in texts if not summary_module._MARKUP.search(t))
    assert shortcut > 100  # the shortcut is taken, and gives the same text
    for text in texts:
        assert plain_text(text) == _every_pattern(text, monkeypatch), text

"""The prose shortcut renders exactly as Python-Markdown does, or declines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbgen.links import Linker
from kbgen.prose import prose_html, prose_renderer
from kbgen.render import link_targets, page_sections
from kbgen.sanitize import Fragments, SiteMarkdown, site_markdown
from kbgen.store import load_topics

ROOT = Path(__file__).resolve().parent.parent
SITE = site_markdown(ROOT)


@pytest.fixture(scope="module")
def fragments() -> Fragments:
    return Fragments(SITE)


def markdown_html(fragments: Fragments, text: str, page: str = "topics/x.md") -> str:
    """What Python-Markdown, with the site's extensions, makes of ``text``."""
    fragments._md.reset()
    fragments._previews.page = page
    return fragments._md.convert(text)


def shortcut_html(fragments: Fragments, text: str, page: str = "topics/x.md") -> str | None:
    fragments._previews.page = page
    return prose_html(text, fragments._targeted)


def test_the_site_takes_the_shortcut() -> None:
    assert prose_renderer(tuple(n for n in SITE.extensions if n != "toc"), SITE.configs)


@pytest.mark.parametrize(
    "extension", ["smarty", "pymdownx.magiclink", "pymdownx.emoji", "nl2br", "meta"]
)
def test_an_extension_that_changes_prose_turns_it_off(extension: str) -> None:
    assert prose_renderer(("abbr", extension), {}) is None
    assert prose_renderer(("abbr",), {"abbr": {"glossary": {"HTML": "x"}}}) is None


@pytest.mark.parametrize(
    "text",
    [
        "Plain words, and a [Link](lora.md) to [Another Topic (AT)](other.md#how).",
        "Two lines\nof one paragraph.\n\nA second paragraph: with 50% “quotes” — and dashes.",
        "[LoRA](lora.md) starts the line; so does Über.",
    ],
)
def test_prose_renders_as_markdown(fragments: Fragments, text: str) -> None:
    fast = shortcut_html(fragments, text)
    assert fast is not None
    assert fast == markdown_html(fragments, text)


@pytest.mark.parametrize(
    "text",
    [
        "Note: metadata?",  # fine: meta is not among the site's extensions
    ],
)
def test_colon_lines_are_prose(fragments: Fragments, text: str) -> None:
    assert shortcut_html(fragments, text) == markdown_html(fragments, text)


@pytest.mark.parametrize(
    "text",
    [
        "1. a list",
        "- item",
        "a *b*",
        "x_y_z",
        "a `code`",
        "line  \nbreak",
        "    indented",
        "a <b>",
        "a & b",
        "[ref]",
        "[x]: http://example.com",
        "Term\n: definition",
        "a | b\n--|--",
        "Title\n===",
        "x [a](javascript:alert(1))",
        "![img](x.md)",
        "a\\[b",
        "$x$ and \\(y\\)",
    ],
)
def test_anything_else_declines(fragments: Fragments, text: str) -> None:
    assert shortcut_html(fragments, text) is None


_ALPHABET = st.sampled_from(
    [*"aZ09 .,;:'\"?/%-()[]\n", "é", "—", "→", "\u00a0", "*", "_", "`", "#", "!", "&", "<"]
)
_WORDS = st.lists(
    st.one_of(
        st.text(_ALPHABET, max_size=12),
        st.sampled_from(["[LoRA](lora.md)", "[A (B)](../x.md#y)", "[x](topics/y.md)", "\n\n"]),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_WORDS, st.sampled_from(["topics/x.md", "index.md", "about/x.md"]))
def test_shortcut_never_differs_from_markdown(text: str, page: str) -> None:
    fragments = Fragments(SITE)
    fast = shortcut_html(fragments, text, page)
    if fast is not None:
        assert fast == markdown_html(fragments, text, page)


def test_every_topic_of_the_seed_renders_the_same_either_way(fragments: Fragments) -> None:
    loaded, _ = load_topics(ROOT / "topics")
    topics = [t.topic for t in loaded]
    linker = Linker(link_targets(topics))
    taken = 0
    for topic in topics:
        page = f"topics/{topic.slug}.md"
        for section in page_sections(topic.body):
            for part in section.parts:
                text, _ = linker.link(part.markdown, topic.slug, lambda s: f"{s}.md")
                fast = shortcut_html(fragments, text, page)
                if fast is not None:
                    taken += 1
                    assert fast == markdown_html(fragments, text, page), text
    assert taken > 100


def test_without_the_shortcut_the_same_pages(tmp_path: Path) -> None:
    """Fragments with an extension outside the safe set render every text with Markdown."""
    setup = SiteMarkdown((*SITE.extensions, "pymdownx.smartsymbols"), SITE.configs)
    slow, fast = Fragments(setup), Fragments(SITE)
    assert slow._prose is None and fast._prose is not None
    text = "A [LoRA](lora.md) part, plain."
    assert slow.html(text, "topics/x.md") == fast.html(text, "topics/x.md")

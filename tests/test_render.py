"""The renderer: source text made safe, page sections, cross-links and backlinks."""

from __future__ import annotations

import re

import pytest

from kbgen.config import TagInfo
from kbgen.records import Topic
from kbgen.render import (
    build_pages,
    inline,
    is_safe_url,
    page_sections,
    safe_markdown,
    tag_anchor,
    template_env,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a <script>alert(1)</script> b", "a &lt;script>alert(1)&lt;/script> b"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)>"),
        (
            "<iframe src='https://evil.example'></iframe>",
            "&lt;iframe src='https://evil.example'>&lt;/iframe>",
        ),
        ("see [this](javascript:alert(1)) now", "see this now"),
        ("see [this](JaVaScRiPt:alert(document.cookie)) now", "see this now"),
        ("see [this](java&#115;cript:alert(1)) now", "see this now"),
        ("![pic](data:text/html;base64,PHNjcmlwdD4=)", "pic"),
        ("[ok](https://example.com/a_(b)) stays", "[ok](https://example.com/a_(b)) stays"),
        ("[rel](../other/) stays", "[rel](../other/) stays"),
        ("<https://example.com>", "[https://example.com](https://example.com)"),
        ("code `<b>` stays", "code `<b>` stays"),
        ("# Not a page title", "### Not a page title"),
        ("## Not a section", "### Not a section"),
        ("### Sub-heading stays", "### Sub-heading stays"),
        ("a line\n---\nmore", "a line\n\n---\nmore"),
        ("[x]: javascript:alert(1)", "\\[x]: javascript:alert(1)"),
        ("{{ config }} and {% raw %}", "{{ config }} and {% raw %}"),
        (r"product \( \Delta W = BA \) here", r"product `\Delta W = BA` here"),
        (r"code `\(z\)` stays", r"code `\(z\)` stays"),
    ],
)
def test_safe_markdown(text: str, expected: str) -> None:
    assert safe_markdown(text) == expected


def test_safe_markdown_leaves_fenced_code_verbatim_and_closes_an_open_fence() -> None:
    text = "Intro <b>\n\n```python\nx = '<script>'\n# comment\n```\n\nafter"
    assert (
        safe_markdown(text) == "Intro &lt;b>\n\n```python\nx = '<script>'\n# comment\n```\n\nafter"
    )
    unclosed = "Intro\n\n~~~\ncode <x>\n## heading inside code"
    assert safe_markdown(unclosed) == unclosed + "\n~~~"


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://x.org", True),
        ("mailto:a@b.c", True),
        ("../topic/", True),
        ("#pitfalls", True),
        ("javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("vbscript:msgbox", False),
        ("data:text/html,x", False),
        ("file:///etc/passwd", False),
    ],
)
def test_is_safe_url(url: str, safe: bool) -> None:
    assert is_safe_url(url) is safe


def test_inline_escapes_markdown_and_html() -> None:
    assert inline("A *b* [c](d) <e>") == "A \\*b\\* \\[c\\](d) &lt;e&gt;"
    assert inline("two\nlines") == "two lines"


@pytest.mark.parametrize(
    "name", ["Parameter-Efficient Fine-Tuning (PEFT)", "Inference & Efficiency", "Ünïcode Tag"]
)
def test_tag_anchor_matches_the_material_tags_plugin(name: str) -> None:
    from material.plugins.tags.config import TagsConfig

    config = TagsConfig()
    config.load_dict({})
    config.validate()
    slug = config.tags_slugify(name, config.tags_slugify_separator)
    assert tag_anchor(name) == config.tags_slugify_format.format(slug=slug)


def test_page_sections_put_the_core_four_first_and_keep_the_rest_in_order() -> None:
    body = (
        "## Strengths\n\nfast\n\n## How\n\nlike this\n\n## Example\n\nx\n\n"
        "## What\n\n<!-- source: a.txt:1 -->\n\none\n\n<!-- source: b.md:9 -->\n\ntwo\n"
    )
    sections = page_sections(body)
    assert [s.anchor for s in sections] == ["what", "how", "strengths", "example"]
    assert [p.label for p in sections[0].parts] == ["a.txt:1", "b.md:9"]
    assert sections[0].labelled and not sections[1].labelled


def _topic(slug: str, title: str, body: str, aliases=(), tags=(), related=()) -> Topic:
    return Topic(slug, title, list(aliases), list(tags), [], list(related), body)


@pytest.fixture
def pages() -> dict[str, str]:
    topics = [
        _topic(
            "lora",
            "Low-Rank Adaptation (LoRA)",
            "## What\n\nLoRA adapts a frozen model; unlike full fine-tuning it trains little.\n\n"
            "## How\n\nFull fine-tuning again, and `full fine-tuning` in code.\n\n"
            "## Pitfalls\n\nRank too low.\n",
            aliases=["LoRA"],
            tags=["peft"],
            related=["qlora"],
        ),
        _topic(
            "full-fine-tuning",
            "Full Fine-Tuning",
            "## What\n\nTrains every weight, unlike LoRA or LoRA again.\n",
        ),
        _topic("qlora", "QLoRA", "## What\n\nQuantized <b>LoRA</b>: see Low-Rank Adaptation.\n"),
    ]
    tags = {"peft": TagInfo("peft", "PEFT & Friends", "")}
    return build_pages(topics, tags, template_env())


def test_topic_page_layout(pages: dict[str, str]) -> None:
    page = pages["lora"]
    order = [
        page.index(s)
        for s in ("# Low-Rank", "Also known as", "kb-tags", "## What", "## How", "## Pitfalls")
    ]
    assert order == sorted(order)
    assert '!!! warning ""\n\n    Rank too low.' in page
    assert "[PEFT & Friends](../tags.md#tag:peft--friends)" in page
    assert "## Related topics" in page and "- [QLoRA](qlora.md)" in page
    assert "hide:\n- navigation\n- tags" in page


def test_cross_links_first_mention_per_section_never_in_code_or_self(pages: dict[str, str]) -> None:
    page = pages["lora"]
    what = page.split("## What")[1].split("## How")[0]
    how = page.split("## How")[1].split("## Pitfalls")[0]
    assert what.count("](full-fine-tuning.md)") == 1
    assert how.count("](full-fine-tuning.md)") == 1
    assert "`full fine-tuning`" in how
    assert "](lora.md)" not in page
    full_what = pages["full-fine-tuning"].split("## What")[1].split("## Referenced by")[0]
    assert full_what.count("](lora.md)") == 1


def test_backlinks_list_the_pages_that_link_here(pages: dict[str, str]) -> None:
    backlinks = pages["lora"].split("## Referenced by")[1]
    assert "- [Full Fine-Tuning](full-fine-tuning.md)" in backlinks
    assert "- [QLoRA](qlora.md)" in backlinks
    assert "## Referenced by" not in pages["qlora"]


def test_source_html_is_escaped_in_the_page(pages: dict[str, str]) -> None:
    assert "<b>" not in pages["qlora"]
    assert "Quantized &lt;b>" in pages["qlora"]
    assert re.search(r"\[LoRA\]\(lora\.md\)", pages["qlora"])

"""The renderer: source text made safe, page sections, cross-links and backlinks."""

from __future__ import annotations

import re

import pytest

from kbgen.config import TagInfo
from kbgen.records import Topic
from kbgen.render import build_pages, inline, page_sections, source_markdown
from kbgen.sanitize import Fragments, site_markdown
from kbgen.store import fenced_lines, load_topics, parse_body
from kbgen.templating import tag_anchor, template_env
from tests.helpers import ROOT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# Not a page title", "### Not a page title"),
        ("## Not a section", "### Not a section"),
        ("### Sub-heading stays", "### Sub-heading stays"),
        ("a line\n---\nmore", "a line\n\n---\nmore"),
        ("Where:\n- a\n- b", "Where:\n\n- a\n- b"),
        ("Steps:\n1. one\n2. two", "Steps:\n\n1. one\n2. two"),
        ("Uses:\n* x\n  more\n+ y", "Uses:\n\n* x\n  more\n+ y"),
        ("- a\nlazy line\n- b", "- a\nlazy line\n- b"),
        ("In\n2019. Not a list", "In\n2019. Not a list"),
        ("a -b\n-not an item", "a -b\n-not an item"),
        ("{{ config }} and {% raw %}", "{{ config }} and {% raw %}"),
        ("<b>html</b> stays for the sanitizer", "<b>html</b> stays for the sanitizer"),
    ],
)
def test_source_markdown(text: str, expected: str) -> None:
    assert source_markdown(text) == expected


def test_source_markdown_leaves_fenced_code_verbatim_and_closes_an_open_fence() -> None:
    text = "Where:\n```python\n# comment\nlist:\n- x\n```\nafter"
    assert source_markdown(text) == text
    unclosed = "Intro\n\n~~~\ncode <x>\n## heading inside code"
    assert source_markdown(unclosed) == unclosed + "\n~~~"


_ITEM = re.compile(r"(?:[-*+]|1[.)]) ")
_ANY_ITEM = re.compile(r"\s*(?:[-*+]|\d+[.)]) ")


def test_lists_after_a_line_of_text_in_the_seed_topics_render_as_lists() -> None:
    """``Where:`` then ``- item`` lines: on the page a list, never run-on text."""
    fragments = Fragments(site_markdown(ROOT))
    places = run_on = 0
    for loaded in load_topics(ROOT / "topics")[0]:
        for section in parse_body(loaded.topic.body)[1]:
            for part in section.parts:
                lines = part.text.split("\n")
                code = fenced_lines(lines)
                places += sum(
                    1
                    for i in range(1, len(lines))
                    if not (code[i] or code[i - 1])
                    and _ITEM.match(lines[i])
                    and lines[i - 1].strip()
                    and not _ANY_ITEM.match(lines[i - 1])
                )
                html = fragments.html(source_markdown(part.text), "topics/x.md")
                # A list Markdown did not see shows as "- item" lines inside a paragraph.
                for paragraph in re.findall(r"<p>(.*?)</p>", html, re.S):
                    run_on += len(re.findall(r"\n(?:[-*+]|1[.)]) ", paragraph))
    assert places >= 16
    assert run_on == 0


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
    assert '<div class="admonition warning">\n<p>Rank too low.</p>\n</div>' in page
    assert '<a href="../../tags/#tag:peft--friends">PEFT &amp; Friends</a>' in page
    assert "## Related topics" in page and '<li><a href="../qlora/">QLoRA</a></li>' in page
    assert "hide:\n- navigation\n- tags" in page


def test_cross_links_first_mention_per_section_never_in_code_or_self(pages: dict[str, str]) -> None:
    page = pages["lora"]
    what = page.split("## What")[1].split("## How")[0]
    how = page.split("## How")[1].split("## Pitfalls")[0]
    assert what.count('href="../full-fine-tuning/"') == 1
    assert how.count('href="../full-fine-tuning/"') == 1
    assert "<code>full fine-tuning</code>" in how
    assert 'href="../lora/"' not in page
    full_what = pages["full-fine-tuning"].split("## What")[1].split("## Referenced by")[0]
    assert full_what.count('href="../lora/"') == 1


def test_backlinks_list_the_pages_that_link_here(pages: dict[str, str]) -> None:
    backlinks = pages["lora"].split("## Referenced by")[1]
    assert '<li><a href="../full-fine-tuning/">Full Fine-Tuning</a></li>' in backlinks
    assert '<li><a href="../qlora/">QLoRA</a></li>' in backlinks
    assert "## Referenced by" not in pages["qlora"]


def test_source_html_is_escaped_in_the_page(pages: dict[str, str]) -> None:
    assert "<b>" not in pages["qlora"]
    assert "Quantized &lt;b&gt;" in pages["qlora"]
    assert '<a href="../lora/">LoRA</a>' in pages["qlora"]

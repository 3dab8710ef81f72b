"""Generated pages' blocks of HTML handed to Python-Markdown as they are
(:mod:`kbgen.prerendered`): the same HTML as parsing them, on fixtures, on hostile text and
on the whole bundled site."""

from __future__ import annotations

import re
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbgen import prerendered
from kbgen.generated_page import GeneratedPage
from kbgen.prerendered import Blocks, Prerendered, find_blocks
from kbgen.publish import build_site
from kbgen.sanitize import SKIPPED_EXTENSIONS, Fragments, site_markdown
from tests.helpers import ROOT
from tests.safety import HOSTILE_MARKDOWN
from tests.sitekit import make_site_project

SETUP = site_markdown(ROOT)
EXTENSIONS = [e for e in SETUP.extensions if e not in SKIPPED_EXTENSIONS and "preview" not in e]
CONFIGS = {k: dict(v) for k, v in SETUP.configs.items() if k in EXTENSIONS}


def convert(text: str, extension: Prerendered | None = None) -> str:
    """``text`` as Python-Markdown renders it with this site's extensions (and
    ``extension``), as MkDocs converts a page after its front matter."""
    extra = [extension] if extension else []
    md = markdown.Markdown(extensions=[*EXTENSIONS, "toc", *extra], extension_configs=CONFIGS)
    return md.convert(text)


def page(blocks: list[str]) -> tuple[str, list[str]]:
    """A page of headings, Markdown and the blocks, as the templates lay them out."""
    parts = ["---\ntitle: T\n---\n", "# Title"]
    for n, block in enumerate(blocks):
        parts += [f"## Part {n}", block, f"Some *Markdown* {n}."]
    return "\n\n".join(parts) + "\n", blocks


def fast(text: str, blocks: list[str]) -> tuple[str, int]:
    """The page rendered with its blocks taken as they are, and how many were taken."""
    found = find_blocks(text, blocks)
    body = text.split("\n---\n", 1)[1].lstrip("\n")
    extension = Prerendered()
    cut = extension.cut(body, found)
    taken = len(extension.pending)
    return convert(cut, extension), taken


def body_of(text: str) -> str:
    return text.split("\n---\n", 1)[1].lstrip("\n")


FRAGMENTS = Fragments(SETUP)
HOSTILE_BLOCKS = [FRAGMENTS.html(text, "topics/x.md") for text in HOSTILE_MARKDOWN.values()]


def test_hostile_fragments_render_the_same_taken_as_they_are():
    text, blocks = page(HOSTILE_BLOCKS)
    html, taken = fast(text, blocks)
    assert html == convert(body_of(text))
    assert taken == len(find_blocks(text, blocks).spans) > len(blocks) // 2


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Plain words and a [link](other.md).",
                "Code:\n\n```python\nx = 1\n\n\ny = '<b>'\n```",
                "| a | b |\n|---|---|\n| 1 | 2 |",
                "- one\n- two\n\n    indented",
                "> quote with `code` & <em>html</em>",
                "Term\n:   definition",
                "!!! note\n    An admonition.",
                "Formula \\(a^2\\) and text\ttab.",
                "Footnote[^1].\n\n[^1]: The note.",
            ]
        ),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_rendered_fragments_render_the_same_taken_as_they_are(texts, adjacent):
    blocks = [FRAGMENTS.html(t, "topics/x.md") for t in texts]
    if adjacent:  # blocks on consecutive lines, as a section's parts are
        blocks = ["\n".join(blocks)]
    text, blocks = page(blocks)
    html, taken = fast(text, blocks)
    assert html == convert(body_of(text))
    assert taken >= 1


@pytest.mark.parametrize(
    "block",
    [
        "<p>a</p>\n\n<p>b</p>",  # a blank line ends a raw HTML block early
        "<pre>a\tb</pre>",  # tabs are expanded by Python-Markdown
        "<pre>a\r\nb</pre>",
        "<pre>a\n   \nb</pre>",  # a line of spaces is emptied
        "<p>a</p>\n  ",
        "text <b>not HTML first</b>",
        "<p>\x02wzxhzdk:0\x03</p>",
    ],
)
def test_blocks_python_markdown_would_change_are_not_taken(block):
    text = f"# T\n\n{block}\n\nafter\n"
    assert find_blocks(text, [block]).spans == ()


def test_a_block_needs_a_blank_line_before_and_after():
    text = "# T\n\nintro\n<p>a</p>\n\n<p>b</p>\nafter\n\n<p>c</p>\n"
    spans = find_blocks(text, ["<p>a</p>", "<p>b</p>", "<p>c</p>"]).spans
    assert [text[s:e] for s, e, _ in spans] == ["<p>c</p>"]


def test_blocks_on_consecutive_lines_are_one():
    text = "# T\n\n<p>a</p>\n<p>b</p>\n\nafter\n"
    spans = find_blocks(text, ["<p>a</p>", "<p>b</p>"]).spans
    assert [text[s:e] for s, e, _ in spans] == ["<p>a</p>\n<p>b</p>"]


def test_a_page_changed_since_it_was_recorded_is_parsed_as_written():
    text = "---\ntitle: T\n---\n\n# T\n\n<p>a</p>\n\n<p>b</p>\n"
    found = find_blocks(text, ["<p>a</p>", "<p>b</p>"])
    extension = Prerendered()
    body = body_of(text)
    assert extension.cut(body, found) != body
    changed = body.replace("<p>b</p>", "<p>B</p>")  # as another plugin might
    assert extension.cut(changed, found) == changed
    assert extension.pending == {}
    assert extension.cut(body[:5], found) == body[:5]  # shorter than recorded


def test_a_block_python_markdown_does_not_copy_is_parsed_as_written():
    # Not a block-level element: Python-Markdown reads it as Markdown, and so does kbgen.
    text = "---\nt: 1\n---\n\n# T\n\n<span>*a*</span>\n\nafter\n"
    found = find_blocks(text, ["<span>*a*</span>"])
    assert len(found.spans) == 1
    extension = Prerendered()
    html = convert(extension.cut(body_of(text), found), extension)
    assert html == convert(body_of(text))
    assert "<em>a</em>" in html


def test_blocks_survive_the_manifest():
    blocks = Blocks(40, ((3, 9, 12345), (20, 30, 7)))
    assert Blocks.from_json(blocks.to_json()) == blocks


def _set_prerendered(root: Path, enabled: bool) -> None:
    path = root / "mkdocs.yml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\n      prerendered: \w+", "", text)
    text = text.replace("  - kbgen:\n", f"  - kbgen:\n      prerendered: {str(enabled).lower()}\n")
    path.write_text(text, encoding="utf-8")


def _pages(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*.html")}


@pytest.mark.slow
def test_the_bundled_site_is_the_same_with_and_without(tmp_path, monkeypatch):
    """Every page of the bundled knowledge base, byte for byte; and with the option on,
    every topic page and the A–Z and Tags pages had their blocks taken as they are, and
    nearly every topic page was rendered by its skeleton, with no converter of its own."""
    config = make_site_project(tmp_path / "project")
    taken: dict[str, int] = {}
    real_cut = Prerendered.cut
    skipped: list[str] = []
    real_render = GeneratedPage.render

    def counting_render(self, config, files):
        real_render(self, config, files)
        if self.skipped_converter:
            skipped.append(self.file.src_uri)

    monkeypatch.setattr(GeneratedPage, "render", counting_render)

    def counting_cut(self, markdown_text, blocks):
        result = real_cut(self, markdown_text, blocks)
        taken[markdown_text[:80]] = len(self.pending)
        return result

    monkeypatch.setattr(prerendered.Prerendered, "cut", counting_cut)
    _set_prerendered(config.root, False)
    build_site(config, tmp_path / "plain")
    assert taken == {} and skipped == []  # off: never asked
    _set_prerendered(config.root, True)
    report = build_site(config, tmp_path / "fast")
    with_blocks = [n for n in taken.values() if n]
    assert len(with_blocks) >= report.generated.topics + 2
    assert len(skipped) >= report.generated.topics * 0.95
    assert all(uri.startswith("topics/") for uri in skipped)
    plain, fast_pages = _pages(tmp_path / "plain"), _pages(tmp_path / "fast")
    assert plain.keys() == fast_pages.keys()
    differ = [p for p in plain if plain[p] != fast_pages[p]]
    assert differ == []
    # Nothing to generate the second time: the manifest still says where the blocks are.
    taken.clear()
    again = build_site(config, tmp_path / "again")
    assert again.generated.rendered == 0
    assert len([n for n in taken.values() if n]) == len(with_blocks)
    assert _pages(tmp_path / "again") == fast_pages

"""Source text to sanitized HTML: hostile Markdown never yields script, Material's markup stays."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest

from kbgen import sanitize
from kbgen.exceptions import BuildError
from kbgen.publish import build_site
from kbgen.sanitize import Fragments, SiteMarkdown, is_safe_url, relative_url, site_markdown
from tests.helpers import ROOT
from tests.safety import HOSTILE_MARKDOWN, unsafe_markup
from tests.sitekit import make_site_project
from tests.test_build import NOTES

EVERY_EXTENSION = (
    *site_markdown(ROOT).extensions,
    *("attr_list", "pymdownx.tasklist", "pymdownx.tabbed", "pymdownx.magiclink"),
    *("pymdownx.critic", "pymdownx.snippets", "pymdownx.smartsymbols", "pymdownx.betterem"),
    *("pymdownx.emoji", "pymdownx.escapeall", "pymdownx.saneheaders", "pymdownx.blocks.html"),
)
"""The site's extensions and more that a publisher might add (some write raw HTML)."""


@pytest.fixture(scope="module", params=["site", "every-extension"])
def fragments(request) -> Fragments:
    site = site_markdown(ROOT)
    if request.param == "site":
        return Fragments(site)
    return Fragments(SiteMarkdown(tuple(dict.fromkeys(EVERY_EXTENSION)), site.configs))


@pytest.mark.parametrize("name", HOSTILE_MARKDOWN)
def test_hostile_markdown_renders_to_html_without_script(fragments: Fragments, name: str) -> None:
    html = fragments.html(HOSTILE_MARKDOWN[name], "topics/x.md")
    assert unsafe_markup(html) == [], html
    assert "javascript:" not in re.sub(r">[^<]*<", "><", html).lower(), html
    assert not re.search(r"\n[ \t]*\n", html), "a blank line would end the raw HTML block"


def test_the_scan_finds_what_the_sanitizer_removes(monkeypatch) -> None:
    """Without nh3, most cases get script or markup through: the scan above can fail."""

    class NoCleaner:
        def __init__(self, **options: object) -> None:
            pass

        def clean(self, html: str) -> str:
            return html

    monkeypatch.setattr(sanitize.nh3, "Cleaner", NoCleaner)
    raw = Fragments(SiteMarkdown(tuple(dict.fromkeys(EVERY_EXTENSION))))
    flagged = [n for n, text in HOSTILE_MARKDOWN.items() if unsafe_markup(raw.html(text, "x.md"))]
    assert len(flagged) >= 20, flagged


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a <script>alert(1)</script> b", "a &lt;script&gt;alert(1)&lt;/script&gt; b"),
        ("token <s> and <pad>", "token &lt;s&gt; and &lt;pad&gt;"),
        ("see [this](javascript:alert(1)) now", "see <a>this</a> now"),
        ("{{ config }} {% raw %}", "{{ config }} {% raw %}"),
        ("&lt;b&gt;", "&lt;b&gt;"),
        ("![tracker](https://evil.example/p.png)", '<img alt="tracker">'),
        ("[ok](https://example.com/a_(b))", '<a href="https://example.com/a_(b)">ok</a>'),
        ("[mail](mailto:a@b.c)", '<a href="mailto:a@b.c">mail</a>'),
        ("[other](other.md#how)", '<a data-preview="" href="../other/#how">other</a>'),
        ("[tag](../tags.md#tag:x)", '<a href="../../tags/#tag:x">tag</a>'),
        ("[home](../index.md)", '<a href="../../">home</a>'),
        ("![local](img/a.png)", '<img alt="local" src="../img/a.png">'),
    ],
)
def test_text_stays_visible_and_safe_links_keep_working(text: str, shown: str) -> None:
    assert shown in Fragments(site_markdown(ROOT)).html(text, "topics/x.md")


def test_material_markup_survives_the_sanitizer() -> None:
    text = (
        '| a | b |\n|:-:|--:|\n| 1 | 2 |\n\n!!! note "Title"\n    body\n\n??? tip\n    folded\n\n'
        "Foo[^1] and HTML\n\n[^1]: note\n\n*[HTML]: Hyper Text\n\n"
        "```python\nx = 1\n```\n\n++ctrl+c++ ~~del~~ ^^ins^^ ==mark==\n\nTerm\n:   definition\n\n"
        "Math \\( a < b \\) and\n\n\\[ x^2 \\]\n"
    )
    html = Fragments(site_markdown(ROOT)).html(text, "topics/x.md")
    for piece in (
        '<th style="text-align:center">a</th>',
        '<div class="admonition note">\n<p class="admonition-title">Title</p>',
        '<details class="tip">\n<summary>Tip</summary>',
        '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>',
        '<li id="fn:1">',
        '<abbr title="Hyper Text">HTML</abbr>',
        '<div class="highlight"><pre><span></span><code><a id="__codelineno-0-1"',
        '<span class="n">x</span>',
        '<kbd class="key-control">Ctrl</kbd>',
        "<del>del</del> <ins>ins</ins> <mark>mark</mark>",
        "<dt>Term</dt>\n<dd>definition</dd>",
        '<span class="arithmatex">\\( a &lt; b \\)</span>',
        '<div class="arithmatex">\\[ x^2 \\]</div>',
    ):
        assert piece in html, piece


def test_theme_classes_and_ids_from_the_text_are_dropped() -> None:
    setup = SiteMarkdown(("attr_list",))
    html = Fragments(setup).html("para\n{: .md-header .kb-tags .mine #__search }", "x.md")
    assert html == '<p class="mine">para</p>'


def test_code_line_anchors_are_unique_on_a_page() -> None:
    fragments = Fragments(site_markdown(ROOT))
    code = "```\na\n```\n\n```\nb\n```"
    first = fragments.html(code, "topics/x.md")
    second = fragments.html(code, "topics/x.md")
    ids = re.findall(r'id="(__codelineno-[\d-]+)"', first + second)
    assert ids == [f"__codelineno-{n}-1" for n in range(4)]
    assert 'id="__codelineno-0-1"' in fragments.html(code, "topics/y.md")


@pytest.mark.parametrize(
    ("url", "page", "directory_urls", "expected"),
    [
        ("other.md", "topics/x.md", True, "../other/"),
        ("other.md#how", "topics/x.md", True, "../other/#how"),
        ("other.md?q=1#how", "topics/x.md", True, "../other/?q=1#how"),
        ("../tags.md#t", "topics/x.md", True, "../../tags/#t"),
        ("../index.md", "topics/x.md", True, "../../"),
        ("sub/index.md", "topics/x.md", True, "../sub/"),
        ("img/a.png", "topics/x.md", True, "../img/a.png"),
        ("#pitfalls", "topics/x.md", True, "#pitfalls"),
        ("/abs/path/", "topics/x.md", True, "/abs/path/"),
        ("other.md", "topics/x.md", False, "other.html"),
        ("../tags.md#t", "topics/x.md", False, "../tags.html#t"),
        ("../../outside.md", "topics/x.md", True, "../../outside.md"),
        ("java\tscript:alert(1)", "topics/x.md", True, None),
        ("JAVASCRIPT:alert(1)", "topics/x.md", True, None),
    ],
)
def test_relative_url(url: str, page: str, directory_urls: bool, expected: str | None) -> None:
    assert relative_url(url, page, directory_urls) == expected


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://x.org", True),
        ("mailto:a@b.c", True),
        ("../topic/", True),
        ("#pitfalls", True),
        ("a/b:c", True),
        ("javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java&#115;cript:alert(1)", False),
        ("vbscript:msgbox", False),
        ("data:text/html,x", False),
        ("file:///etc/passwd", False),
    ],
)
def test_is_safe_url(url: str, safe: bool) -> None:
    assert is_safe_url(url) is safe


def test_site_markdown_reads_the_extensions_as_mkdocs_does(tmp_path: Path) -> None:
    assert site_markdown(tmp_path) == SiteMarkdown()
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\nuse_directory_urls: false\nmarkdown_extensions:\n"
        "  - abbr\n  - toc:\n      permalink: true\n  - pymdownx.highlight:\n"
        "      anchor_linenums: true\n  - site_url: !ENV [NOT_SET_ANYWHERE, '']\n",
        encoding="utf-8",
    )
    setup = site_markdown(tmp_path)
    assert setup.extensions == (
        "toc",
        "tables",
        "fenced_code",
        "abbr",
        "pymdownx.highlight",
        "site_url",
    )
    assert setup.configs["pymdownx.highlight"] == {"anchor_linenums": True}
    assert setup.directory_urls is False


@pytest.mark.parametrize(
    ("yml", "message"),
    [
        ("markdown_extensions: abbr\n", "`markdown_extensions` must be a list"),
        ("markdown_extensions:\n  - [abbr]\n", "is not a name"),
        ("markdown_extensions:\n  - abbr: 5\n", "options of extension `abbr` must be a mapping"),
        ("- a list\n", "not a mapping of settings"),
        ("markdown_extensions: [abbr\n", "error parsing the configuration file: while parsing"),
    ],
)
def test_a_broken_markdown_setup_is_an_error_naming_mkdocs_yml(
    tmp_path: Path, yml: str, message: str
) -> None:
    (tmp_path / "mkdocs.yml").write_text(yml, encoding="utf-8")
    with pytest.raises(BuildError, match=re.escape(message)) as caught:
        site_markdown(tmp_path)
    assert "mkdocs.yml" in str(caught.value)


def test_an_extension_that_does_not_load_is_an_error_naming_it() -> None:
    with pytest.raises(BuildError, match=r"markdown_extensions: cannot load .*no_such_extension"):
        Fragments(SiteMarkdown(("no_such_extension",)))


PREVIEWED = re.compile(r'<a data-preview="" href="([^"]*)">')


def test_links_to_topics_carry_the_preview_attribute_external_ones_never() -> None:
    """As material.extensions.preview marks Markdown pages, for the site's own targets."""
    setup = site_markdown(ROOT)
    assert setup.configs["material.extensions.preview"]["targets"] == {"include": ["topics/*"]}
    text = (
        "See [LoRA](lora.md), [its How](lora.md#how), [a site](https://example.org/lora.md),"
        " [mail](mailto:a@example.org), [protocol-relative](//example.org/x.md),"
        " [About](../about.md), [here](#how) and a note[^1].\n\n[^1]: [QLoRA](qlora.md)"
    )
    html = Fragments(setup).html(text, "topics/x.md")
    # An anchor of the page links to the page itself, a topic page: marked, as Material
    # marks it (the footnote's link back too; the footnote's own link never).
    assert PREVIEWED.findall(html) == ["../lora/", "../lora/#how", "#how", "../qlora/"]
    assert re.search(r'class="footnote-backref" data-preview="" href="#fnref:1"', html)
    assert html.count("data-preview") == 5
    # Another page's links, where targets do not include the linking page's folder.
    about = Fragments(setup).html("[LoRA](topics/lora.md) [x](other.md)", "about.md")
    assert PREVIEWED.findall(about) == ["../topics/lora/"]


def test_the_text_cannot_put_the_preview_attribute_on_a_link() -> None:
    site = site_markdown(ROOT)
    setup = SiteMarkdown((*site.extensions, "attr_list", "pymdownx.magiclink"), site.configs)
    text = (
        "[out](https://example.org/){data-preview} [a](../about.md){data-preview=x}"
        " [b](lora.md){data-preview=x} https://example.org/topics/y.md"
        " *x*{data-preview}"
    )
    html = Fragments(setup).html(text, "topics/x.md")
    assert PREVIEWED.findall(html) == ["../lora/"]
    assert html.count("data-preview") == 1


def test_no_preview_attribute_without_the_preview_extension() -> None:
    site = site_markdown(ROOT)
    names = tuple(n for n in site.extensions if n != "material.extensions.preview")
    setup = SiteMarkdown((*names, "attr_list"), site.configs)
    html = Fragments(setup).html("[a](lora.md) [b](lora.md){data-preview}", "topics/x.md")
    assert "data-preview" not in html and html.count('href="../lora/"') == 2


def test_preview_sources_and_exclusions_are_honoured() -> None:
    config = {
        "sources": {"include": ["topics/*"]},
        "targets": {"include": ["topics/*"], "exclude": ["topics/secret.md"]},
    }
    setup = SiteMarkdown(("material.extensions.preview",), {"material.extensions.preview": config})
    html = Fragments(setup).html("[a](lora.md) [s](secret.md)", "topics/x.md")
    assert PREVIEWED.findall(html) == ["../lora/"]
    assert "data-preview" not in Fragments(setup).html("[a](topics/lora.md)", "index.md")


@pytest.mark.parametrize("directory_urls", [True, False])
@pytest.mark.parametrize(
    ("page", "target"),
    [
        ("a-z.md", "topics/lora.md"),
        ("index.md", "topics/lora.md"),
        ("tags.md", "topics/q-lora.md"),
        ("guide/more/page.md", "topics/lora.md"),
        ("topics/x.md", "topics/lora.md"),
        ("about.md", "other.md"),
    ],
)
def test_an_html_link_is_the_one_python_markdown_writes_for_a_markdown_link(
    page, target, directory_urls
) -> None:
    """The index pages write their links as HTML: each must be the link MkDocs would
    have written for ``[label](target)``, its address and its preview mark alike."""
    site = site_markdown(ROOT)
    setup = SiteMarkdown(site.extensions, site.configs, directory_urls)
    fragments = Fragments(setup)
    written = posixpath.relpath(target, posixpath.dirname(page) or ".")
    expected = fragments.html(f"[A &amp; B]({written})", page).removeprefix("<p>")
    assert fragments.link(target, page, "A &amp; B") == expected.removesuffix("</p>")


def test_the_index_pages_link_each_topic_as_its_markdown_link_would(tmp_path) -> None:
    """A–Z and Tags of a built site: every link to a topic is an address the site has,
    marked for the preview."""
    project = make_site_project(tmp_path, {"notes.md": NOTES})
    build_site(project)
    for page in ("a-z/index.html", "tags/index.html"):
        text = (project.site_dir / page).read_text()
        links = re.findall(r'<a ([^>]*)href="\.\./topics/([^"]+)"', text)
        assert {slug for _, slug in links} >= {"key-value-caching/", "speculative-decoding/"}, page
        for attributes, slug in links:
            assert attributes == 'data-preview="" ', (page, slug)
            assert (project.site_dir / "topics" / slug / "index.html").is_file()

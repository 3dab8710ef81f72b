"""A site built from hostile sources and hostile topic files: no markup or script from the
input reaches the pages, and no page opens a dialog in Chromium.

The topic files carry every case of :data:`tests.safety.HOSTILE_MARKDOWN` in their sections,
and markup in their titles and aliases; the sources carry payloads in titles, descriptions
and area headings.
"""

from __future__ import annotations

import json
import re

import pytest

from kbgen.importer import run_import
from kbgen.publish import build_site
from tests.safety import HOSTILE_MARKDOWN, unsafe_markup
from tests.sitekit import make_site_project, serve_directory

pytestmark = pytest.mark.slow

PAYLOADS = [
    "<script>alert('script')</script>",
    "<img src=x onerror=alert('img')>",
    "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "<svg onload=alert('svg')>",
    "[click me](javascript:alert('link'))",
    "[entity](java&#115;cript:alert('entity'))",
    "![pic](javascript:alert('image'))",
    "<a href=\"javascript:alert('a')\">a</a>",
    "{{ config }} {% for x in range(3) %}loop{% endfor %}",
    "<style>body{display:none}</style>",
]
HOSTILE_LIST = "Tag: implementation\n3 topic(s)\n" + "".join(
    f"- Evil Title {n} {p}Evil entry {n} does {p} things.\n" for n, p in enumerate(PAYLOADS[:3])
)
HOSTILE_NOTES = "## Area <b>bold</b>\n" + "".join(
    f"- Hostile {n} {p} — summary {p}\n"
    f"  [What] What text {p} mentions Hostile {(n + 1) % len(PAYLOADS)}.\n"
    f"  [How] ## Not a heading\n"
    f"  [Pitfalls] ```\n"
    for n, p in enumerate(PAYLOADS)
)
KBGEN_SCRIPTS = re.compile(
    r'<script src="\.\./assets/kbgen/[a-z-]+\.js" defer></script>'
    r"|<script>\n/\* The scripts load from data-root, .*?</script>",
    re.S,
)
"""The browse page's own scripts: the files, or the loader that adds them."""
REDIRECT_HEAD = re.compile(
    r'<link rel="canonical" href="\.\./[a-z0-9-]+/">\n'
    r'<meta http-equiv="refresh" content="0; url=\.\./[a-z0-9-]+/">\n'
    r'<script>location\.replace\("\.\./[a-z0-9-]+/" \+ location\.search \+ location\.hash\);'
    r"</script>\n</head>"
)
"""A redirect page's own head: it leads to a slug, nowhere else."""


def topic_file(n: int, name: str, text: str) -> str:
    """A topic holding one hostile case in each section, with markup in its names."""
    front = {
        "title": f"Case {name} <img src=x onerror=alert('title-{n}')>",
        "aliases": [f"<script>alert('alias-{n}')</script> {name}", f"[{name}](javascript:x)"],
        "tags": ["implementation"],
    }
    mention = f"Case {list(HOSTILE_MARKDOWN)[(n + 1) % len(HOSTILE_MARKDOWN)]}"
    lines = [f"{key}: {json.dumps(value)}" for key, value in front.items()]  # JSON is YAML
    return (
        "---\n" + "\n".join(lines) + "\n---\n\n"
        f"## What\n\n{text}\n\n## How\n\nSee {mention}.\n\n{text}\n\n## Pitfalls\n\n{text}\n\n"
        f"## Example\n\n{text}\n"
    )


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    config = make_site_project(
        tmp_path_factory.mktemp("hostile"),
        {"evil.txt": HOSTILE_LIST, "evil.md": HOSTILE_NOTES},
        kbgen_yml="",
    )
    # Extensions a publisher may add, which let text set attributes (onerror=…).
    mkdocs_yml = config.root / "mkdocs.yml"
    text = mkdocs_yml.read_text(encoding="utf-8")
    mkdocs_yml.write_text(text.replace("  - abbr\n", "  - abbr\n  - attr_list\n"), "utf-8")
    run_import(config)
    for n, (name, text) in enumerate(HOSTILE_MARKDOWN.items()):
        path = config.topics_dir / f"case-{n}.md"
        path.write_text(topic_file(n, name, text), encoding="utf-8")
    build_site(config)
    return config


def article(html: str) -> str:
    """The part of a page that kbgen fills with input (the rest is Material's own)."""
    if "<article" not in html:  # a redirect page
        assert REDIRECT_HEAD.search(html), html
        return html.split("<body>", 1)[1]
    return html.split("<article", 1)[1].split("</article>", 1)[0]


def test_no_markup_from_the_input_survives_in_the_html(hostile_site):
    site = hostile_site.site_dir
    pages = sorted(site.rglob("*.html"))
    topics = [p for p in pages if p.parent.parent.name == "topics"]
    assert len(topics) >= len(PAYLOADS) + len(HOSTILE_MARKDOWN)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        ours = KBGEN_SCRIPTS.sub("", article(html))
        assert unsafe_markup(ours) == [], page
        if "<title>" in html:
            title = html.split("<title>", 1)[1].split("</title>", 1)[0]
            assert "<" not in title, page
        for meta in re.findall(r"<meta [^>]*>", html):
            # Every attribute is a quoted value: nothing broke out of `content="…"`.
            assert re.fullmatch(r'<meta(?: [a-z-]+="[^"<>]*")+ ?/?>', meta), meta
    text = "\n".join(p.read_text(encoding="utf-8") for p in topics)
    assert "&lt;script&gt;alert(" in text  # shown as text, not dropped
    assert "{{ config }}" in text  # template syntax stays literal
    assert "root:x:0:0" not in text  # no snippet read a file into a page
    assert text.count('class="arithmatex"') >= 2  # the math cases are still math


def test_hostile_topics_json_and_objects_inv_hold_data_only(hostile_site):
    data = json.loads((hostile_site.site_dir / "topics.json").read_text(encoding="utf-8"))
    for topic in data["topics"]:
        assert re.fullmatch(r"topics/[a-z0-9-]+/", topic["url"]), topic["url"]


@pytest.mark.browser
def test_no_script_from_the_input_runs_in_the_browser(hostile_site, watched):
    page = watched.page
    site = hostile_site.site_dir
    with serve_directory(site) as url:
        paths = ["", "a-z/", "tags/", "browse/"] + [
            f"topics/{p.parent.name}/" for p in sorted((site / "topics").glob("*/index.html"))
        ]
        for path in paths:
            page.goto(url + path)
            page.wait_for_load_state("load")
            # Math renders after load: give KaTeX its turn before leaving the page.
            page.wait_for_function("!document.querySelector('.arithmatex:not([data-kb-math])')")
            for link in page.locator("article a").all():
                href = (link.get_attribute("href") or "").strip().lower()
                assert not href.startswith(("javascript:", "data:", "vbscript:")), href
            if path.startswith("topics/"):  # the live page, after every script ran
                for element in ("script", "iframe", "object", "embed", "form", "base", "svg"):
                    assert page.locator(f"article {element}").count() == 0, (path, element)
                assert page.locator("article [onerror], article [onclick]").count() == 0
        # Search results show hostile titles and summaries as text, in both search boxes.
        page.goto(url + "browse/?q=hostile")
        page.wait_for_selector("html[data-kb-browse-ready]", state="attached")
        browse = page.locator(".kb-browse__results").inner_text()
        page.fill("input.md-search__input", "hostile")
        page.wait_for_function(
            "document.querySelector('[data-kb-search]').dataset.kbSearchDone === 'hostile'"
        )
        header = page.locator("[data-kb-search-results]").inner_text()
        for shown in (browse, header):
            assert "<script>alert('script')</script>" in shown or "<img src=x" in shown
        assert page.locator(".md-search-result__list img, .kb-browse__results img").count() == 0
    assert watched.dialogs == []
    assert len(paths) > len(HOSTILE_MARKDOWN)

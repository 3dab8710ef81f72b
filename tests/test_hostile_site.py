"""A site built from hostile sources: no markup or script from the input reaches the pages."""

from __future__ import annotations

import re

import pytest

from kbgen.publish import build_site
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
# Real tags and attributes (not escaped text) that the input tries to inject.
FORBIDDEN = re.compile(
    r"<(?:script|iframe|svg|img|style|b)\b|<[^>]*\son[a-z]+=|<[^>]*(?:href|src)=\"?\s*javascript:",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    config = make_site_project(
        tmp_path_factory.mktemp("hostile"),
        {"evil.txt": HOSTILE_LIST, "evil.md": HOSTILE_NOTES},
        kbgen_yml="",
    )
    build_site(config)
    return config


def test_no_markup_from_the_input_survives_in_the_html(hostile_site):
    pages = list((hostile_site.site_dir / "topics").glob("*/index.html"))
    assert len(pages) >= len(PAYLOADS)
    for page in [*pages, hostile_site.site_dir / "a-z/index.html"]:
        html = page.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in html:  # a redirect page: one script, kbgen's own
            html = re.sub(r'<script>location\.replace\("\.\./[a-z0-9-]+/"[^<]*</script>', "", html)
            assert not FORBIDDEN.search(html), (page, FORBIDDEN.search(html))
            continue
        # The theme's own share button is a `javascript:` link; the article is all ours.
        article = html.split("<article", 1)[1].split("</article>", 1)[0]
        assert not FORBIDDEN.search(article), (page, FORBIDDEN.search(article))
        title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        assert "<" not in title, page
        for meta in re.findall(r"<meta [^>]*>", html):
            # Every attribute is a quoted value: nothing broke out of `content="…"`.
            assert re.fullmatch(r'<meta(?: [a-z-]+="[^"<>]*")+ ?/?>', meta), meta
    text = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    assert "&lt;script&gt;alert(" in text  # shown as text, not dropped
    assert "{{ config }}" in text  # template syntax stays literal


@pytest.mark.browser
def test_no_script_from_the_input_runs_in_the_browser(hostile_site, watched):
    page = watched.page
    with serve_directory(hostile_site.site_dir) as url:
        paths = ["", "a-z/", "tags/", "browse/"] + [
            f"topics/{p.parent.name}/"
            for p in sorted((hostile_site.site_dir / "topics").glob("*/index.html"))
        ]
        for path in paths:
            page.goto(url + path)
            page.wait_for_load_state("load")
            for link in page.locator("article a").all()[:20]:
                href = link.get_attribute("href") or ""
                assert not href.strip().lower().startswith(("javascript:", "data:")), href
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

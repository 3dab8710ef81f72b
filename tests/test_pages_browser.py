"""The reader's pages in Chromium: previews, provenance, phones, A–Z, Tags, 404, footer.

Runs against the real knowledge base built from the bundled sources (``built_site``), at
desktop (1280 px) and phone (390 px) width. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import json
import random
import re
import urllib.parse
from urllib.parse import urlparse

import pytest

from kbgen.store import load_topics
from tests.conftest import REPO_URL

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def _records(built_site) -> list[dict]:
    return json.loads((built_site.site / "topics.json").read_text(encoding="utf-8"))["topics"]


def _topics(built_site):
    loaded, _ = load_topics(built_site.config.topics_dir)
    return {t.topic.slug: t.topic for t in loaded}


def _open(browser, built_site, path: str, scheme: str = "light", **device):
    context = browser.new_context(color_scheme=scheme, **(device or DESKTOP))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(built_site.url + path)
    page.wait_for_load_state("networkidle")
    return context, page, errors


def _hover_previews(page, links, summaries) -> int:
    """Hovers the first, middle and last of ``links``; each shows its topic's summary."""
    checked = 0
    for i in sorted({0, links.count() // 2, links.count() - 1}):
        link = links.nth(i)
        slug = urlparse(link.get_attribute("href")).path.split("/topics/")[1].strip("/")
        page.mouse.move(0, 0)
        page.wait_for_function("() => !document.querySelector('.md-tooltip2--active')")
        link.scroll_into_view_if_needed()
        link.hover()
        page.locator(".md-tooltip2--active").wait_for(timeout=10000)
        page.wait_for_function(
            "s => document.querySelector('.md-tooltip2--active')?.innerText.includes(s)",
            arg=summaries[slug][:60],
            timeout=10000,
        )
        checked += 1
    return checked


@pytest.mark.parametrize(
    ("where", "inside"),
    [("cross-links in the text", False), ("related and referenced-by lists", True)],
)
def test_hovering_a_link_to_a_topic_previews_it(built_site, browser, artifacts, where, inside):
    summaries = {r["slug"]: r["summary"] for r in _records(built_site)}
    context, page, errors = _open(browser, built_site, "topics/low-rank-adaptation/")
    # Links to other topics (the page's own anchors have previews too), in the text (the
    # sanitized HTML) or in the lists below it.
    page.evaluate(
        """inside => document.querySelectorAll("article a[data-preview]").forEach(a => {
             const listed = a.closest(".kb-topic-list, .kb-hatnote") !== null;
             if (a.pathname !== location.pathname && listed === inside)
               a.dataset.kbTest = "other"; })""",
        inside,
    )
    found = page.locator("article a[data-kb-test='other']")
    assert found.count() >= 3, where
    assert _hover_previews(page, found, summaries) == 3
    page.screenshot(path=str(artifacts / f"preview-{where.split()[0]}.png"))
    context.close()
    assert errors == []


def test_every_link_to_a_topic_has_a_preview_and_no_external_link_does(built_site):
    """Every topic page as built from the bundled sources: its text's cross-links (the
    sanitized HTML), hatnotes, related and referenced-by lists."""
    pages = previews = external = 0
    for html_file in sorted((built_site.site / "topics").glob("*/index.html")):
        html = html_file.read_text(encoding="utf-8")
        if "<article" not in html:
            continue  # a redirect
        pages += 1
        article = html.split("<article", 1)[1].split("</article>", 1)[0]
        for tag in re.findall(r"<a\s[^>]*>", article):
            href = re.search(r'href="([^"]*)"', tag)
            if href is None:
                continue
            if "data-preview" in tag:
                assert not urlparse(href[1]).scheme and not href[1].startswith("//"), tag
                previews += 1
            elif urlparse(href[1]).scheme:
                external += 1  # source labels and links written in the sources
            elif re.fullmatch(r"\.\./[^/#.]+/(#.*)?", href[1]):
                raise AssertionError(f"{html_file.parent.name}: no preview on {tag}")
    assert pages > 400 and previews > 5 * pages and external > pages


def test_the_summary_lead_is_only_shown_in_previews(built_site, browser):
    context, page, _ = _open(browser, built_site, "topics/low-rank-adaptation/")
    lead = page.locator("article .kb-lead")
    assert lead.count() == 1 and not lead.is_visible()
    context.close()


def test_source_labels_link_to_their_lines_and_the_page_to_its_topic_file(built_site, browser):
    topics = _topics(built_site)
    slug = "low-rank-adaptation"
    context, page, _ = _open(browser, built_site, f"topics/{slug}/")
    labels = page.locator("article .kb-source a")
    hrefs = labels.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert len(hrefs) >= 2
    expected = {f"{REPO_URL}/blob/main/sources/{r.file}#L{r.line}" for r in topics[slug].sources}
    assert set(hrefs) <= expected
    footer = page.locator("footer.kb-sources a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert set(footer) == expected
    # Each link names a line that exists in its source file.
    for ref in topics[slug].sources:
        lines = (built_site.config.sources_dir / ref.file).read_text(encoding="utf-8").split("\n")
        assert 1 <= ref.line <= len(lines) and lines[ref.line - 1].strip()
    edit = page.locator("a.md-content__button[rel='edit']")
    assert edit.get_attribute("href") == f"{REPO_URL}/edit/main/topics/{slug}.md"
    assert edit.get_attribute("aria-label")
    # Labels are small and out of the reading line: right-aligned, smaller than the text.
    style = labels.first.evaluate(
        """a => { const p = a.closest('.kb-source'), t = p.nextElementSibling;
                  return [getComputedStyle(p).textAlign, parseFloat(getComputedStyle(p).fontSize),
                          parseFloat(getComputedStyle(t).fontSize)]; }"""
    )
    assert style[0] == "right" and style[1] < 0.8 * style[2]
    context.close()


def test_a_topic_page_shows_when_it_last_changed(built_site, browser):
    context, page, _ = _open(browser, built_site, "topics/low-rank-adaptation/")
    date = page.locator("footer.kb-sources time").get_attribute("datetime")
    context.close()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", date)


def test_generated_index_pages_have_no_edit_link(built_site, browser):
    context, page, _ = _open(browser, built_site, "a-z/")
    assert page.locator("a.md-content__button[rel='edit']").count() == 0
    page.goto(built_site.url + "about/")
    edit = page.locator("a.md-content__button[rel='edit']").get_attribute("href")
    context.close()
    assert edit == f"{REPO_URL}/edit/main/docs/about.md"


def test_the_table_of_contents_is_reachable_on_a_phone(built_site, browser, artifacts):
    context, page, errors = _open(browser, built_site, "topics/low-rank-adaptation/", **PHONE)
    headings = page.locator("article h2[id]").evaluate_all("els => els.map(e => e.id)")
    toc = page.locator("details.kb-toc")
    assert toc.is_visible()
    toc.locator("summary").click()
    targets = toc.locator("a").evaluate_all("els => els.map(e => e.hash.slice(1))")
    assert targets == headings
    page.screenshot(path=str(artifacts / "topic-phone-toc.png"))
    toc.locator("a").nth(2).click()
    page.wait_for_function("id => location.hash === '#' + id", arg=headings[2])
    page.wait_for_function(
        "id => { const top = document.getElementById(id).getBoundingClientRect().top;"
        " return top >= 0 && top < innerHeight / 2; }",
        arg=headings[2],
    )
    context.close()
    assert errors == []


def test_code_wraps_clear_of_the_copy_button_on_a_phone(built_site, browser):
    context, page, _ = _open(browser, built_site, "topics/low-rank-adaptation/", **PHONE)
    gaps = page.locator("article pre").evaluate_all(
        """pres => pres.filter(p => p.querySelector(".md-code__button")).map(p => {
             const code = p.querySelector("code"), button = p.querySelector(".md-code__button");
             const text = code.getBoundingClientRect().right
               - parseFloat(getComputedStyle(code).paddingRight);
             return [button.getBoundingClientRect().left - text,
                     code.scrollWidth - code.clientWidth]; })"""
    )
    context.close()
    assert len(gaps) >= 2
    assert all(gap >= 0 and overflow == 0 for gap, overflow in gaps), gaps


def test_the_in_page_toc_gives_way_to_the_sidebar_on_desktops(built_site, browser):
    context, page, _ = _open(browser, built_site, "topics/low-rank-adaptation/")
    assert not page.locator("details.kb-toc").is_visible()
    assert page.locator(".md-sidebar--secondary .md-nav__link").first.is_visible()
    context.close()


@pytest.mark.parametrize(("device", "visible"), [(PHONE, False), (DESKTOP, True)])
def test_key_hints_only_where_there_is_a_keyboard(built_site, browser, device, visible):
    context, page, _ = _open(browser, built_site, "", **device)
    hint = page.locator(".kb-keyhint")
    assert hint.count() == 1
    assert hint.is_visible() is visible
    context.close()


def test_the_home_tag_descriptions_use_a_phone_s_whole_width(built_site, browser):
    context, page, _ = _open(browser, built_site, "", **PHONE)
    rows = page.locator(".kb-home-tags tbody tr")
    assert rows.count() >= 10
    widths = rows.evaluate_all(
        """trs => trs.map(tr => [tr.cells[2].getBoundingClientRect().width,
                                 tr.getBoundingClientRect().width])"""
    )
    context.close()
    assert all(cell >= 0.9 * row for cell, row in widths), widths


def test_a_z_has_a_letter_bar_and_columns(built_site, browser, artifacts):
    context, page, errors = _open(browser, built_site, "a-z/")
    bar = page.locator("nav.kb-letters a")
    hashes = bar.evaluate_all("els => els.map(e => e.hash.slice(1))")
    assert len(hashes) >= 20
    ids = page.locator("article h2[id]").evaluate_all("els => els.map(e => e.id)")
    assert hashes == ids
    # Every topic is listed; the lists run in more than one column.
    listed = page.locator(".kb-az-list a").evaluate_all(
        "els => els.map(e => new URL(e.href).pathname)"
    )
    slugs = {p.split("/topics/")[1].strip("/") for p in listed}
    assert slugs == {r["slug"] for r in _records(built_site)}
    lefts = page.locator(".kb-az-list ul").evaluate_all(
        """uls => Math.max(...uls.map(ul => new Set([...ul.children].map(
                   li => Math.round(li.getBoundingClientRect().left))).size))"""
    )
    assert lefts >= 2
    page.screenshot(path=str(artifacts / "a-z.png"))
    context.close()
    assert errors == []


def test_tags_page_is_folded_with_counts(built_site, browser, artifacts):
    topics = _topics(built_site).values()
    context, page, errors = _open(browser, built_site, "tags/", **PHONE)
    folded = page.locator("details.kb-tag")
    assert folded.count() >= 5
    assert folded.evaluate_all("els => els.every(e => !e.open)")
    page.screenshot(path=str(artifacts / "tags-phone.png"))
    # The page fits on a phone screen or two, folded.
    assert page.evaluate("document.documentElement.scrollHeight") < 3 * 844
    for i in range(folded.count()):
        tag = folded.nth(i).get_attribute("id").removeprefix("tag:")
        count = int(folded.nth(i).locator(".kb-count").inner_text().split()[0])
        assert count == len(folded.nth(i).locator(".kb-tag__list a").all()), tag
    total = sum(1 for t in topics for _ in t.tags)
    counted = sum(int(c.split()[0]) for c in page.locator(".kb-count").all_inner_texts())
    assert counted == total
    context.close()
    assert errors == []


def _typo(slug: str, rng: random.Random) -> str:
    """The slug as mistyped: one letter dropped and two swapped, or a word left out."""
    words = slug.split("-")
    if len(words) > 2 and rng.random() < 0.5:
        del words[rng.randrange(1, len(words))]
        return "-".join(words)
    chars = list(slug)
    i = rng.randrange(1, len(chars) - 1)
    del chars[i]
    j = rng.randrange(0, len(chars) - 1)
    chars[j], chars[j + 1] = chars[j + 1], chars[j]
    return "".join(chars)


def test_404_page_suggests_the_closest_topics(built_site, browser, artifacts):
    rng = random.Random(404)
    records = [r for r in _records(built_site) if len(r["slug"]) >= 8]
    wanted = rng.sample(records, 12)
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    found = 0
    for record in wanted:
        missing = _typo(record["slug"], rng)
        response = page.goto(built_site.url + f"topics/{missing}/")
        assert response.status == 404
        page.wait_for_selector(".kb-suggest:not([hidden]) li", timeout=10000)
        hrefs = page.locator(".kb-suggest a").evaluate_all(
            "els => els.map(e => new URL(e.href).pathname)"
        )
        assert len(hrefs) <= 5
        # topics.json gives absolute URLs when the site's address is known.
        found += urllib.parse.urlsplit(urllib.parse.urljoin("/", record["url"])).path in hrefs
    page.goto(built_site.url + "topics/lora-adaptr/")
    page.wait_for_selector(".kb-suggest:not([hidden]) li")
    page.screenshot(path=str(artifacts / "404.png"))
    assert page.title() == "Page not found - ML Knowledge Base"
    context.close()
    assert found >= 11, found


def test_404_page_suggests_nothing_for_nonsense(built_site, browser):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(built_site.url + "qqqq/zzzz/")
    page.wait_for_load_state("networkidle")
    assert page.locator(".kb-suggest").is_hidden()
    assert page.locator("a[href$='/a-z/']").count() >= 1
    context.close()


@pytest.mark.parametrize("path", ["", "topics/low-rank-adaptation/", "tags/", "a-z/", "browse/"])
def test_every_page_has_a_footer_and_a_single_site_name_in_its_title(built_site, browser, path):
    context, page, _ = _open(browser, built_site, path)
    title = page.title()
    footer = page.locator("footer .kb-footer__links a")
    assert footer.count() >= 4
    context.close()
    site_name = "ML Knowledge Base"
    assert title.count(site_name) == 1
    assert (title == site_name) is (path == "")


def test_home_title_is_the_site_name_alone_in_the_html(built_site):
    html = (built_site.site / "index.html").read_text(encoding="utf-8")
    assert "<title>ML Knowledge Base</title>" in html


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshots(built_site, browser, artifacts, device, scheme):
    """The pages to look at, at both widths and in both modes; they must fit the width."""
    width = 1280 if device == "desktop" else 390
    for name, path in {
        "home": "",
        "topic": "topics/low-rank-adaptation/",
        "a-z": "a-z/",
        "tags": "tags/",
        "404": "topics/lora-adaptr/",
    }.items():
        context, page, errors = _open(
            browser, built_site, path, scheme, **(DESKTOP if device == "desktop" else PHONE)
        )
        if name == "404":
            page.wait_for_selector(".kb-suggest:not([hidden]) li")
        page.screenshot(path=str(artifacts / f"page-{name}-{width}-{scheme}.png"))
        scroll = page.evaluate("document.documentElement.scrollWidth")
        context.close()
        assert scroll <= width, name
        assert errors == [], name


def test_kbgen_scripts_never_hold_up_the_first_paint(built_site):
    """Every page's own scripts are deferred (Lighthouse: render-blocking resources)."""
    pages = [p for p in built_site.site.rglob("index.html") if "<article" in p.read_text()]
    assert len(pages) > 400
    for html_file in pages:
        tags = re.findall(r"<script [^>]*assets/kbgen/[^>]*>", html_file.read_text())
        assert len(tags) >= 4, html_file
        assert all(" defer" in t or " async" in t for t in tags), (html_file, tags)

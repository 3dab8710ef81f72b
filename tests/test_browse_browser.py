"""The faceted browse page (/browse/) in Chromium, against the real knowledge base.

Facet counts are checked against ``topics.json``, results against ``kbgen search``; the
state must round-trip through the URL and history, on a direct load and after Material's
instant navigation. Screenshots and the measured index size and time to first results
land in ``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from itertools import combinations
from urllib.parse import parse_qs, urlparse

import pytest

from kbgen.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.slow]

READY = "html[data-kb-browse-ready]"
MOUNTED = "#kb-browse[data-kb-mounted] .kb-browse__status"

# (text, tags): typed into the box and ticked, then compared with `kbgen search`.
QUERIES = [
    ("lora", []),
    ("quant", []),
    ("quantiza", []),
    ("Low-Rank Adaptation", []),
    ("DoRA", []),
    ("adapters", []),
    ("kv cache", []),
    ("attention", ["advanced"]),
    ("fine-tun", ["implementation"]),
    ("mixture of experts", []),
    ("sam", []),  # a shared name: its disambiguation page first, then its topics
    ("experience replay", ["training-optimization"]),  # a tag drops the page (it has none)
    ("the", []),  # only a stop word: nothing
    ("", ["implementation"]),  # every topic with the tag, by slug, past the first page
]

STATE_JS = """() => {
  const boxes = [...document.querySelectorAll('#kb-browse input[type=checkbox]')];
  return {
    q: document.querySelector('#kb-browse input[type=search]').value,
    checked: boxes.filter(b => b.checked).map(b => b.value),
    disabled: boxes.filter(b => b.disabled).map(b => b.value),
    counts: Object.fromEntries(boxes.map(b => [b.value,
      Number(b.closest('label').querySelector('.kb-browse__count').textContent)])),
    status: document.querySelector('.kb-browse__status').textContent,
    shown: [...document.querySelectorAll('.kb-browse__result')].map(li => li.dataset.slug),
  };
}"""


def _topics(built_site) -> list[dict]:
    return json.loads((built_site.site / "topics.json").read_text(encoding="utf-8"))["topics"]


PAGE = 20  # results shown before "Show more"
IDLE = "#kb-browse:not([data-kb-busy])"


def _open(page, url: str) -> dict:
    page.goto(url)
    page.wait_for_selector(READY)
    return _state(page)


def _state(page) -> dict:
    """The page's state once the search started last has rendered (it fetches index files)."""
    page.wait_for_selector(IDLE, state="attached")
    return page.evaluate(STATE_JS)


def _all_results(page) -> list[str]:
    """Every result slug, pressing "Show more" until the list is complete."""
    more = page.locator(".kb-browse__more")
    while more.is_visible():
        more.click()
        page.wait_for_selector(IDLE, state="attached")
    return _state(page)["shown"]


def _params(page) -> dict[str, list[str]]:
    # Not page.url: Playwright learns of a pushState asynchronously.
    return parse_qs(page.evaluate("location.search").lstrip("?"))


def _total(state: dict) -> int:
    return int(state["status"].split()[0])


def _kbgen_search(built_site, text: str, tags: list[str]) -> dict:
    argv = ["--project", str(built_site.config.root), "search", "--json", "--limit", "0"]
    argv += [a for t in tags for a in ("--tag", t)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*argv, "--", text] if text else argv) == 0
    return json.loads(out.getvalue())


def _assert_clean(watched, built_site) -> None:
    """No console error, no dialog, and no request to any host but the local server."""
    host = urlparse(built_site.url).netloc
    outside = [u for u in watched.requests if urlparse(u).netloc not in (host, "")]
    assert outside == []
    assert watched.errors == []
    assert watched.dialogs == []


def test_facet_counts_match_topics_json(built_site, watched):
    page, topics = watched.page, _topics(built_site)
    state = _open(page, built_site.url + "browse/")
    every = Counter(t for topic in topics for t in topic["tags"])
    assert state["counts"] == {tag: every[tag] for tag in state["counts"]}
    assert set(state["counts"]) == set(every)
    assert _total(state) == len(topics) and state["checked"] == []

    # Select the two tags most often found together: topics must carry both.
    pair = Counter(p for t in topics for p in combinations(sorted(t["tags"]), 2))
    first, second = pair.most_common(1)[0][0]
    for tag in (first, second):
        page.locator(f"#kb-browse input[value='{tag}']").check()
    state = _state(page)
    both = [t for t in topics if {first, second} <= set(t["tags"])]
    narrowed = Counter(tag for topic in both for tag in topic["tags"])
    assert state["counts"] == {tag: narrowed[tag] for tag in state["counts"]}
    assert _total(state) == len(both) and sorted(state["checked"]) == [first, second]
    # The ticked tags are named under the facets and counted on their folded summary.
    names = {
        t: page.locator(f"#kb-browse input[value='{t}'] + span").text_content()
        for t in (first, second)
    }
    shown = sorted((first, second), key=lambda t: state["checked"].index(t))
    assert state["status"].endswith(f" tagged {names[shown[0]]} and {names[shown[1]]}")
    summary = page.locator("#kb-browse .kb-browse__fold-summary").text_content()
    assert summary.endswith(": 2 selected")
    # A facet that would find nothing is disabled; a selected one never is.
    assert set(state["disabled"]) == {t for t, n in state["counts"].items() if n == 0}
    assert _params(page)["tag"] == state["checked"]
    _assert_clean(watched, built_site)


def test_results_and_counts_match_kbgen_search(built_site, watched):
    page = watched.page
    _open(page, built_site.url + "browse/")
    found_some = 0
    for text, tags in QUERIES:
        page.fill("#kb-browse-q", "")  # so that no facet is disabled
        for box in page.locator("#kb-browse input[type=checkbox]:checked").all():
            box.uncheck()
        for tag in tags:
            page.locator(f"#kb-browse input[value='{tag}']").check()
        page.fill("#kb-browse-q", text)
        expected = _kbgen_search(built_site, text, tags)
        slugs = [r["slug"] for r in expected["results"]]
        state = _state(page)
        pages = sum(r["kind"] == "disambiguation" for r in expected["results"])
        assert _total(state) == expected["total"] - pages, (text, tags)
        assert state["status"].endswith(" and a disambiguation page") == (pages == 1)
        assert state["shown"] == slugs[: len(state["shown"])], (text, tags)
        assert len(state["shown"]) == min(len(slugs), PAGE)
        counts = Counter(t for r in expected["results"] for t in r["tags"])
        assert state["counts"] == {t: counts[t] for t in state["counts"]}, (text, tags)
        found_some += bool(slugs)
    assert found_some >= 8
    assert _all_results(page) == slugs  # the last query lists more than one page
    assert len(slugs) > PAGE
    _assert_clean(watched, built_site)


def test_a_shared_names_page_leads_and_leaves_the_facet_counts_alone(built_site, watched):
    page, topics = watched.page, _topics(built_site)
    state = _open(page, built_site.url + "browse/?q=ntk")
    ntk = _kbgen_search(built_site, "ntk", [])["results"][0]
    assert state["shown"][0] == ntk["slug"] == "ntk" and ntk["tags"] == []
    assert state["status"] == f"{len(state['shown']) - 1} topics and a disambiguation page"
    first = page.locator(".kb-browse__result").first
    assert first.locator("h2").inner_text() == "NTK (disambiguation)"
    assert first.locator(".kb-browse__topic-tags").count() == 0
    named = {t["slug"]: t for t in topics}
    listed = [s for s in state["shown"][1:] if s in named]
    assert len(listed) == len(state["shown"]) - 1  # every other result is a topic
    counts = Counter(tag for s in listed for tag in named[s]["tags"])
    assert state["counts"] == {tag: counts[tag] for tag in state["counts"]}
    tag = next(t for t, n in state["counts"].items() if n)
    page.locator(f"#kb-browse input[value='{tag}']").check()
    assert "ntk" not in _state(page)["shown"]
    _assert_clean(watched, built_site)


def test_url_state_round_trips_through_load_and_history(built_site, watched):
    page = watched.page
    url = built_site.url + "browse/?tag=advanced&tag=implementation&q=quant"
    state = _open(page, url)
    # Restored on load, the URL unchanged, and Material's own ?q= search left closed.
    assert page.evaluate("location.href") == url
    assert state["q"] == "quant" and state["checked"] == ["advanced", "implementation"]
    expected = _kbgen_search(built_site, "quant", ["advanced", "implementation"])
    assert state["shown"] == [r["slug"] for r in expected["results"]][:PAGE]
    assert not page.locator("#__search").is_checked()

    # Unknown tags are dropped from the URL.
    state = _open(page, built_site.url + "browse/?tag=no-such-tag&tag=advanced")
    assert _params(page) == {"tag": ["advanced"]} and state["checked"] == ["advanced"]

    # Clicking and typing update the URL; a burst of typing is one history entry.
    page.locator("#kb-browse input[value='implementation']").check()
    assert _params(page) == {"tag": ["advanced", "implementation"]}
    page.locator("#kb-browse input[value='advanced']").uncheck()
    assert _params(page) == {"tag": ["implementation"]}
    page.type("#kb-browse-q", "cache")
    assert _params(page) == {"tag": ["implementation"], "q": ["cache"]}
    typed = _state(page)

    page.go_back()
    page.wait_for_function("!location.search.includes('q=')")
    back = _state(page)
    assert back["q"] == "" and back["checked"] == ["implementation"]
    page.go_back()
    page.wait_for_function("location.search.includes('advanced')")
    assert _state(page)["checked"] == ["advanced", "implementation"]
    page.go_forward()
    page.go_forward()
    page.wait_for_function("location.search.includes('q=cache')")
    assert _state(page) == typed
    _assert_clean(watched, built_site)


def test_keyboard_toggles_facets_and_reaches_results(built_site, watched):
    page = watched.page
    total = _total(_open(page, built_site.url + "browse/"))
    page.focus("#kb-browse-q")
    page.keyboard.press("Tab")  # the facets' fold, open at this width
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.type, document.activeElement.value]")
    assert focused[0] == "checkbox"
    outline = page.evaluate(
        "getComputedStyle(document.activeElement.closest('label')).outlineStyle"
    )
    assert outline == "solid"  # a visible focus ring
    page.keyboard.press("Space")
    state = _state(page)
    assert state["checked"] == [focused[1]] and _total(state) < total
    assert _params(page) == {"tag": [focused[1]]}
    for _ in range(20):  # on through the enabled facets to the first result
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.kb-browse__results')"):
            break
    href = page.evaluate("document.activeElement.getAttribute('href')")
    assert href == "../topics/" + state["shown"][0] + "/"  # relative: any base path works
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/topics/{state['shown'][0]}/")
    _assert_clean(watched, built_site)


def test_works_after_instant_navigation(built_site, watched):
    page, base = watched.page, built_site.url
    # Material's instant navigation only follows links listed in sitemap.xml, which is empty
    # without site_url; serve one listing the pages used, as a site with site_url has.
    topic = _kbgen_search(built_site, "lora", ["implementation"])["results"][0]["slug"]
    locs = "".join(f"<url><loc>{base}{p}</loc></url>" for p in ("", "browse/", f"topics/{topic}/"))
    sitemap = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
    page.route("**/sitemap.xml", lambda route: route.fulfill(body=sitemap, content_type="text/xml"))
    page.goto(base)
    page.wait_for_load_state("networkidle")
    page.evaluate("window.kbNoReload = true")  # gone if a link reloads the page

    page.click(".md-tabs a[href$='browse/']")
    page.wait_for_selector(MOUNTED)
    page.locator("#kb-browse input[value='implementation']").check()
    page.fill("#kb-browse-q", "lora")
    assert _params(page) == {"tag": ["implementation"], "q": ["lora"]}
    state = _state(page)
    assert state["shown"][:1] == [topic]

    page.click(f".kb-browse__results a[href$='topics/{topic}/']")
    page.wait_for_url(f"**/topics/{topic}/")
    page.go_back()  # Material fetches /browse/?… again; the page mounts from the URL
    page.wait_for_selector(MOUNTED)
    assert _state(page) == state
    page.go_back()
    page.wait_for_function("!location.search.includes('q=')")
    assert _state(page)["checked"] == ["implementation"]
    page.go_back()
    page.wait_for_function("!location.search")
    assert _state(page)["checked"] == []
    page.go_back()
    page.wait_for_url(base)
    page.go_forward()
    page.wait_for_selector(MOUNTED)
    assert _state(page)["q"] == "" and page.locator("#kb-browse form").count() == 1
    assert page.evaluate("window.kbNoReload") is True
    _assert_clean(watched, built_site)


def test_phone_width_dark_palette_measurements_and_no_outside_request(
    built_site, browser, watched, artifacts
):
    page = watched.page
    _open(page, built_site.url + "browse/?tag=advanced&q=attention")
    timing = page.evaluate("window.kbBrowseTiming")
    page.screenshot(path=str(artifacts / "browse-desktop.png"))
    _assert_clean(watched, built_site)

    index = built_site.site / "assets/kbgen/search"
    whole = sum(p.stat().st_size for p in index.iterdir())
    measured = {"index_bytes_fetched": timing["bytes"], "whole_index_bytes": whole, **timing}
    (artifacts / "browse-measurements.json").write_text(json.dumps(measured, indent=1))
    # Only a few files of the index: meta, tag bitmaps, the query's shards, 20 topics.
    assert 0 < timing["bytes"] < min(whole / 4, 300_000) and timing["fromNavigation"] > 0

    for scheme in ("light", "dark"):
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, color_scheme=scheme
        )
        phone = context.new_page()
        phone.goto(built_site.url + "browse/?tag=implementation&q=cache")
        phone.wait_for_selector(READY)
        width = phone.evaluate("document.documentElement.scrollWidth")
        palette = phone.evaluate("document.body.dataset.mdColorScheme")
        # The facets fold away on a phone; their summary opens them.
        facet = phone.locator("#kb-browse input[value='implementation']")
        assert not facet.is_visible() and facet.is_checked()
        phone.locator(".kb-browse__fold > summary").click()
        assert facet.is_visible()
        phone.screenshot(path=str(artifacts / f"browse-phone-{scheme}.png"), full_page=True)
        context.close()
        assert width <= 390
        assert palette == ("slate" if scheme == "dark" else "default")


def test_tag_chips_of_results_link_to_the_tag(built_site, watched):
    page = watched.page
    _open(page, built_site.url + "browse/?q=lora")
    chips = page.locator(".kb-browse__result").first.locator(".kb-browse__topic-tags a")
    assert chips.count() >= 1
    name = chips.first.inner_text()
    chips.first.click()
    page.wait_for_url("**/tags/#tag:*")
    anchor = page.evaluate("decodeURIComponent(location.hash.slice(1))")
    heading = page.locator(f"[id='{anchor}']")
    heading.first.wait_for(state="attached", timeout=15000)  # instant navigation swaps late
    assert heading.count() == 1 and heading.inner_text().strip().startswith(name)
    _assert_clean(watched, built_site)


@pytest.mark.parametrize("held", ["first", "last"])
def test_results_show_in_order_as_their_chunks_arrive(built_site, watched, held):
    """The first result shows as soon as its chunk is in, before the rest of the page of
    results; a later result never shows before an earlier one whose chunk is late."""
    page = watched.page
    slugs = [r["slug"] for r in _kbgen_search(built_site, "", ["implementation"])["results"]]
    index = built_site.site / "assets" / "kbgen" / "search"

    def chunk_of(slug: str) -> str:
        found = [
            p.name
            for p in sorted(index.glob("d*.json"))
            if slug in {row[0] for row in json.loads(p.read_text(encoding="utf-8"))}
        ]
        assert len(found) == 1, (slug, found)
        return found[0]

    late = chunk_of(slugs[0] if held == "first" else slugs[PAGE - 1])
    assert chunk_of(slugs[0]) != chunk_of(slugs[PAGE - 1])
    waiting = []
    page.route(
        "**/assets/kbgen/search/d*.json",
        lambda route: waiting.append(route) if route.request.url.endswith("/" + late)
        else route.continue_(),
    )  # fmt: skip
    page.goto(built_site.url + "browse/?tag=implementation")
    if held == "first":
        page.wait_for_function("document.querySelector('#kb-browse .kb-browse__status')")
        page.wait_for_timeout(1000)  # every other chunk is in by now
        assert waiting and page.evaluate(STATE_JS)["shown"] == []
        assert page.evaluate("document.documentElement.dataset.kbBrowseShown") is None
    else:
        page.wait_for_selector("html[data-kb-browse-shown]", state="attached")
        page.wait_for_timeout(300)
        shown = page.evaluate(STATE_JS)["shown"]
        assert 0 < len(shown) < PAGE and shown == slugs[: len(shown)]
        assert page.evaluate("document.documentElement.dataset.kbBrowseReady") is None
    waiting.pop().continue_()
    page.wait_for_selector(READY, state="attached")
    assert _state(page)["shown"] == slugs[:PAGE]
    _assert_clean(watched, built_site)

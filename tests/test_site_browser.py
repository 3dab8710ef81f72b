"""The built site in Chromium: search, tags, cross-links, redirects, no external requests.

Runs against the real knowledge base built from the bundled sources and served on
127.0.0.1. Screenshots land in ``test-artifacts/`` (git-ignored); look at them.
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlparse

import pytest

from kbgen.store import load_topics

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# (query, a name of the topic that must come first). Typed into the header search box.
SEARCHES = [
    ("LoRA", "LoRA"),
    ("RLHF", "RLHF"),
    ("FSDP", "FSDP"),
    ("nucleus sampling", "Nucleus Sampling"),
    ("PagedAttention", "PagedAttention"),
    ("QLoRA", "QLoRA"),
    ("DPO", "DPO"),
    ("RAG", "RAG"),
    ("speculative decoding", "Speculative Decoding"),
    ("knowledge distillation", "Knowledge Distillation"),
    ("mixed precision training", "Mixed Precision Training"),
    ("gradient checkpointing", "Gradient Checkpointing"),
    ("ZeRO", "ZeRO"),
    ("vLLM", "vLLM & Continuous Batching"),
    ("FlashAttention", "FlashAttention"),
    ("beam search", "Beam Search"),
    ("dropout", "Dropout"),
    ("AdamW", "AdamW"),
    ("KV caching", "Key-Value (KV) Caching"),
    ("grouped query attention", "Grouped-Query Attention"),
    ("GQA", "Grouped-Query Attention"),
    ("byte pair encoding", "Byte Pair Encoding"),
    ("early stopping", "Early stopping"),
    ("prompt engineering", "Prompt Engineering"),
    ("DoRA", "LoRA / DoRA"),
    ("model merging", "Model Merging"),
    ("quantization", "Quantization"),
    ("direct preference optimization", "DPO"),
    ("low-rank adaptation", "LoRA"),
]
MUST_BE_FIRST = {"LoRA", "RLHF", "FSDP", "nucleus sampling", "PagedAttention"}


def _slug_of(built_site, name: str) -> str:
    loaded, _ = load_topics(built_site.config.topics_dir)
    found = [
        t.topic.slug for t in loaded if name.casefold() in (n.casefold() for n in t.topic.names)
    ]
    assert len(found) == 1, f"{name!r} should name exactly one topic, names {found}"
    return found[0]


def _result_hrefs(page) -> list[str]:
    return page.locator("li.md-search-result__item > a.md-search-result__link").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )


def _search(page, query: str) -> list[str]:
    """Type a query into the search box; the topic slugs of the results, best first."""
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("")
    page.wait_for_function(
        "() => !document.querySelector('li.md-search-result__item')", timeout=10000
    )
    box.press_sequentially(query)
    page.wait_for_selector("li.md-search-result__item", timeout=10000)
    previous, stable_since = _result_hrefs(page), time.monotonic()
    while time.monotonic() - stable_since < 0.3:
        time.sleep(0.05)
        hrefs = _result_hrefs(page)
        if hrefs != previous:
            previous, stable_since = hrefs, time.monotonic()
    slugs = []
    for href in previous:
        path = urlparse(href).path
        if "/topics/" in path:
            slug = path.split("/topics/")[1].strip("/")
            if slug not in slugs:
                slugs.append(slug)
    return slugs


def test_search_ranks_the_named_topic_first(built_site, watched, artifacts):
    page = watched.page
    page.goto(built_site.url)
    results = {}
    for query, name in SEARCHES:
        expected = _slug_of(built_site, name)
        found = _search(page, query)
        results[query] = {
            "expected": expected,
            "rank": found.index(expected) + 1 if expected in found else None,
            "top3": found[:3],
        }
    page.screenshot(path=str(artifacts / "search.png"))
    hit1 = sum(r["rank"] == 1 for r in results.values()) / len(results)
    hit3 = sum(r["rank"] is not None and r["rank"] <= 3 for r in results.values()) / len(results)
    (artifacts / "search-quality.json").write_text(
        json.dumps({"hit@1": hit1, "hit@3": hit3, "queries": results}, indent=1), encoding="utf-8"
    )
    misses = {q: r for q, r in results.items() if r["rank"] != 1}
    assert not {q for q in misses if q in MUST_BE_FIRST}, misses
    assert len(SEARCHES) >= 25
    assert hit1 >= 0.9, misses
    assert hit3 == 1.0, misses
    assert watched.errors == []


def test_search_by_tag_name_lists_tagged_topics(built_site, watched):
    page = watched.page
    page.goto(built_site.url)
    found = _search(page, "Inference & Efficiency")
    loaded, _ = load_topics(built_site.config.topics_dir)
    tagged = {t.topic.slug for t in loaded if "inference-efficiency" in t.topic.tags}
    assert len(tagged) >= 5
    top = found[:10]
    assert len(set(top) & tagged) >= 0.8 * min(len(tagged), 10), (top, tagged)


def test_a_result_shows_the_summary_and_tags_not_the_aliases(built_site, watched):
    page = watched.page
    page.goto(built_site.url)
    _search(page, "LoRA")
    first = page.locator("li.md-search-result__item").first
    topics = {
        t["slug"]: t for t in json.loads((built_site.site / "topics.json").read_text())["topics"]
    }
    slug = urlparse(first.locator("a").get_attribute("href")).path.split("/topics/")[1].strip("/")
    topic = topics[slug]
    assert first.locator("h1").inner_text() == topic["title"]
    assert first.locator("p").inner_text() == topic["summary"]
    assert len(first.locator(".md-tag").all()) == len(topic["tags"]) > 0
    assert "Also known as" not in first.inner_text()
    _search(page, "attention")  # many results: a dozen fit in the dropdown
    total = int(page.locator("[data-kb-search-meta]").inner_text().split()[0])
    assert page.locator("li.md-search-result__item").count() == min(total, 12) > 8
    # Six of them in view at once, without scrolling, on a 900 px high screen.
    shown = page.evaluate(
        """() => { const box = document.querySelector(".md-search__scrollwrap")
                     .getBoundingClientRect();
                   return [...document.querySelectorAll("li.md-search-result__item")]
                     .filter(li => li.getBoundingClientRect().bottom <= box.bottom).length; }"""
    )
    assert shown >= 6, shown


def test_tag_listing_shows_the_tagged_topics(built_site, watched, artifacts):
    page = watched.page
    loaded, _ = load_topics(built_site.config.topics_dir)
    titles = {t.topic.title for t in loaded if "inference-efficiency" in t.topic.tags}
    # A topic's tag chip leads to its tag, unfolded.
    page.goto(built_site.url + "topics/" + _slug_of(built_site, "Speculative Decoding") + "/")
    page.locator(".kb-tags a", has_text="Inference & Efficiency").click()
    page.wait_for_url("**/tags/#tag:*")
    folded = page.locator("details[id^='tag:']", has_text="Inference & Efficiency")
    # Instant navigation changes the address before it puts the new page in.
    folded.first.wait_for(timeout=30_000)
    assert folded.count() == 1
    page.wait_for_function("d => d.open", arg=folded.element_handle())
    listed = folded.locator(".kb-tag__list a").all_inner_texts()
    assert {t.strip() for t in listed} == titles
    assert folded.locator(".kb-count").inner_text() == f"{len(titles)} topics"
    page.screenshot(path=str(artifacts / "tags.png"), full_page=False)
    assert watched.errors == []


def test_cross_link_and_alias_url_land_on_the_right_topic(built_site, watched, artifacts):
    page = watched.page
    lora = _slug_of(built_site, "LoRA")
    page.goto(built_site.url + "topics/lora/")
    page.wait_for_url(f"**/topics/{lora}/")
    assert "LoRA" in page.locator("h1").inner_text()
    page.screenshot(path=str(artifacts / "topic-desktop.png"), full_page=True)
    # A cross-link in the text leads to the topic it names.
    # Material's instant navigation makes hrefs absolute.
    link = page.locator(f"h2#what ~ p a[href*='/topics/']:not([href*='/{lora}/'])").first
    target = urlparse(link.get_attribute("href")).path.split("/topics/")[1].strip("/")
    assert target and target != lora
    link.click()
    page.wait_for_url(f"**/topics/{target}/")
    assert page.locator("h1").count() == 1
    assert watched.errors == []


def test_topic_page_reads_well_at_phone_width(built_site, browser, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(built_site.url + "topics/" + _slug_of(built_site, "LoRA") + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(artifacts / "topic-phone.png"), full_page=True)
    context.close()
    assert width <= 390


def test_no_request_leaves_the_site_and_no_console_error(built_site, watched):
    page = watched.page
    host = urlparse(built_site.url).netloc
    for path in ("", "tags/", "a-z/", "browse/", "topics/" + _slug_of(built_site, "RAG") + "/"):
        page.goto(built_site.url + path)
        page.wait_for_load_state("networkidle")
    outside = [u for u in watched.requests if urlparse(u).netloc not in (host, "")]
    assert outside == []
    assert watched.errors == []


def test_links_use_instant_navigation(built_site, watched):
    page = watched.page
    page.goto(built_site.url + "topics/" + _slug_of(built_site, "LoRA") + "/")
    page.evaluate("window.kbMarker = 'still here'")
    page.locator("h2#what ~ p a[href*='/topics/']").first.click()
    page.wait_for_function("() => !location.pathname.includes('low-rank-adaptation')")
    page.wait_for_selector("h2#what")
    # A whole-page load would have dropped the marker.
    assert page.evaluate("window.kbMarker") == "still here"
    assert watched.errors == []


def _pages_with(built_site, needle: str) -> list[str]:
    """Paths of the topic pages whose HTML holds ``needle``."""
    return sorted(
        f"topics/{p.parent.name}/"
        for p in (built_site.site / "topics").glob("*/index.html")
        if needle in p.read_text(encoding="utf-8")
    )


def test_formulas_render_with_the_katex_shipped_in_the_site(built_site, watched, artifacts):
    pages = _pages_with(built_site, 'class="arithmatex"')
    assert len(pages) >= 50  # the bundled sources write \( … \) math in about 64 topics
    page = watched.page
    for path in (pages[0], pages[len(pages) // 2], pages[-1]):
        page.goto(built_site.url + path)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.arithmatex')].every("
            "  n => n.querySelector('.katex'))",
            timeout=15000,
        )
        assert page.locator(".arithmatex .katex-error").count() == 0, path
        # Typeset, not shown as code or as the TeX source.
        assert page.locator("article code .katex").count() == 0, path
        assert "\\(" not in page.locator("article").inner_text(), path
    page.screenshot(path=str(artifacts / "math.png"))
    host = urlparse(built_site.url).netloc
    katex = [u for u in watched.requests if "katex" in u]
    assert katex and all(urlparse(u).netloc == host for u in katex)
    assert watched.errors == []


def test_a_list_after_where_renders_as_a_list(built_site, watched):
    pages = _pages_with(built_site, "<p>Where:</p>")
    assert len(pages) >= 3
    page = watched.page
    for path in pages:
        page.goto(built_site.url + path)
        items = page.evaluate(
            """() => [...document.querySelectorAll("article p")]
                 .filter(p => p.textContent.trim() === "Where:")
                 .map(p => p.nextElementSibling?.tagName === "UL"
                   ? p.nextElementSibling.querySelectorAll(":scope > li").length : 0)"""
        )
        assert items and min(items) >= 2, path
    # And no page runs a list on after its "Where:" line.
    for html in (built_site.site / "topics").glob("*/index.html"):
        text = html.read_text(encoding="utf-8")
        assert not re.search(r"<p>[^<]*Where:\s*-\s", text), html.parent.name

"""One ranking in three places: the header search, the browse page and ``kbgen search`` give
the same top results for every query of the fixture list; one search fetches little.

Runs in Chromium against the real knowledge base. Hit rates of each path land in
``test-artifacts/search-paths.json``.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from urllib.parse import urlparse

import pytest

from kbgen.cli import main
from kbgen.resolve import fold

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUERIES = json.loads(
    (Path(__file__).parent / "fixtures" / "search" / "queries.json").read_text(encoding="utf-8")
)["queries"]
TOP = 3
HEADER_DONE = "() => document.querySelector('[data-kb-search]').dataset.kbSearchDone === {q}"


def _cli_top(built_site, text: str) -> list[str]:
    out = io.StringIO()
    argv = ["--project", str(built_site.config.root), "search", "--json", "--limit", str(TOP)]
    with contextlib.redirect_stdout(out):
        assert main([*argv, "--", text]) == 0
    return [r["slug"] for r in json.loads(out.getvalue())["results"]]


def _slug(href: str) -> str:
    return urlparse(href).path.split("/topics/")[1].strip("/")


def _header_top(page, text: str) -> list[str]:
    box = page.locator("input.md-search__input")
    box.fill(text)
    page.wait_for_function(HEADER_DONE.format(q=json.dumps(text)))
    hrefs = page.locator("[data-kb-search-results] a.md-search-result__link").evaluate_all(
        "els => els.map(e => e.href)"
    )
    return [_slug(h) for h in hrefs[:TOP]]


def _browse_top(page, text: str) -> list[str]:
    page.fill("#kb-browse-q", text)
    page.wait_for_selector("#kb-browse:not([data-kb-busy])", state="attached")
    slugs = page.locator(".kb-browse__result").evaluate_all("els => els.map(e => e.dataset.slug)")
    return slugs[:TOP]


def test_header_browse_and_cli_give_the_same_top_results(built_site, watched, artifacts):
    page = watched.page
    topics = json.loads((built_site.site / "topics.json").read_text(encoding="utf-8"))["topics"]
    page.goto(built_site.url + "browse/")
    page.wait_for_selector("html[data-kb-browse-ready]")
    found = {}
    for text, name, kind in QUERIES:
        # A shared name's expected result is its disambiguation page, named by its slug.
        (expected,) = [name] if kind == "shared-name" else [
            t["slug"] for t in topics if fold(name) in map(fold, [t["title"], *t["aliases"]])
        ]  # fmt: skip
        paths = {
            "header": _header_top(page, text),
            "browse": _browse_top(page, text),
            "cli": _cli_top(built_site, text),
        }
        found[text] = {"kind": kind, "expected": expected, **paths}
    differ = {q: r for q, r in found.items() if not r["header"] == r["browse"] == r["cli"]}
    rates = {
        path: {
            "hit@1": sum(r[path][:1] == [r["expected"]] for r in found.values()) / len(found),
            "hit@3": sum(r["expected"] in r[path] for r in found.values()) / len(found),
        }
        for path in ("header", "browse", "cli")
    }
    (artifacts / "search-paths.json").write_text(
        json.dumps({"rates": rates, "queries": found}, indent=1), encoding="utf-8"
    )
    assert differ == {}
    assert rates["header"]["hit@1"] >= 0.9 and rates["header"]["hit@3"] >= 0.97, rates
    in_body = {q: r for q, r in found.items() if r["kind"] == "body"}  # words of the text only
    assert in_body and all(r["expected"] in r["header"] for r in in_body.values()), in_body
    assert watched.errors == []


def test_header_search_lists_a_shared_names_page_then_its_topics(built_site, watched):
    page = watched.page
    page.goto(built_site.url + "topics/lora/")
    box = page.locator("input.md-search__input")
    page.keyboard.press("/")
    box.fill("SAM")
    page.wait_for_function(HEADER_DONE.format(q=json.dumps("SAM")))
    links = page.locator("[data-kb-search-results] a.md-search-result__link")
    first = links.first
    assert _slug(first.get_attribute("href")) == "sam"
    assert first.locator("h1").inner_text() == "SAM (disambiguation)"
    summary = first.locator(".kb-search__summary").inner_text()
    assert summary.startswith("SAM may mean: ") and "Sharpness-Aware Minimization" in summary
    assert first.locator(".md-tag").count() == 0
    listed = {_slug(h) for h in links.evaluate_all("els => els.map(e => e.href)")[1:3]}
    assert listed == {"sam-segment-anything-model", "sharpness-aware-minimization"}
    first.click()
    page.wait_for_url("**/topics/sam/")
    assert "SAM (disambiguation)" in page.locator("h1").first.inner_text()
    assert watched.errors == []


def test_one_search_fetches_a_few_small_index_files(built_site, watched):
    """Nothing on load; then, for one header search and one browse search, a few files."""
    page, responses = watched.page, []
    page.on("response", lambda r: responses.append(r))
    page.goto(built_site.url + "topics/lora/")
    page.wait_for_load_state("networkidle")

    def index_files() -> list[tuple[str, int]]:
        return [
            (r.url, int(r.headers["content-length"]))
            for r in responses
            if "/assets/kbgen/search/" in r.url or r.url.endswith("search_index.json")
        ]

    assert index_files() == []  # the header search fetches nothing before the first keystroke
    page.keyboard.press("/")
    page.keyboard.type("speculative decoding")
    page.wait_for_function(HEADER_DONE.format(q=json.dumps("speculative decoding")))
    page.goto(built_site.url + "browse/?q=kv+cache")
    page.wait_for_selector("html[data-kb-browse-ready]")
    fetched = index_files()
    assert not any(u.endswith("search_index.json") for u, _ in fetched)  # never Material's
    assert 0 < sum(n for _, n in fetched) < 300_000 and len(fetched) < 80
    assert watched.errors == []

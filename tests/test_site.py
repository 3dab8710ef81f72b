"""The whole built site: every internal link resolves, builds are reproducible, pages stay flat."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from kbgen.records import Topic
from kbgen.store import dump_topic
from tests.helpers import snapshot
from tests.sitekit import make_site_project

pytestmark = pytest.mark.slow


class _Links(HTMLParser):
    """Collects link targets and element ids of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        for name in ("href", "src"):
            if values.get(name) and tag in ("a", "link", "script", "img"):
                self.hrefs.append(values[name])


def crawl(site: Path) -> tuple[int, list[str], list[str]]:
    """Pages crawled, broken internal links and missing anchors of a built site."""
    pages: dict[str, _Links] = {}
    for path in site.rglob("*.html"):
        parser = _Links()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path.relative_to(site).as_posix()] = parser
    broken, missing = [], []
    for page, links in pages.items():
        base = "http://site/" + page
        for href in links.hrefs:
            url = urlparse(urljoin(base, href))
            if url.netloc != "site":
                continue
            target = unquote(url.path.lstrip("/"))
            if target == "" or target.endswith("/"):
                target += "index.html"
            if not (site / target).is_file():
                broken.append(f"{page} -> {href}")
            elif url.fragment and target.endswith(".html"):
                ids = pages[target].ids if target in pages else set()
                if unquote(url.fragment) not in ids:
                    missing.append(f"{page} -> {href}")
    return len(pages), broken, missing


def test_real_site_has_no_broken_internal_link_or_missing_anchor(built_site):
    count, broken, missing = crawl(built_site.site)
    assert count > 400
    assert broken == []
    assert missing == []


def test_alias_and_merge_redirects_land_on_existing_pages(built_site):
    stubs = [
        p
        for p in (built_site.site / "topics").glob("*/index.html")
        if "http-equiv" in p.read_text()
    ]
    assert len(stubs) > 20
    for stub in stubs:
        target = stub.read_text().split("url=")[1].split('"')[0]
        assert (stub.parent / target / "index.html").resolve().is_file(), stub


def _build_in_subprocess(project: Path, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run(
        [sys.executable, "-m", "kbgen", "--project", str(project), "build"],
        check=True,
        env=env,
        capture_output=True,
    )


def test_two_builds_are_byte_identical_whatever_the_hash_seed(tmp_path):
    """Everything but the sitemap's dates, which MkDocs stamps with the build day."""
    sites = []
    for n, seed in enumerate(("1", "4242")):
        project = make_site_project(tmp_path / f"p{n}").root
        _build_in_subprocess(project, seed)
        sites.append(snapshot(project / "site"))
        if n == 0:
            topics = snapshot(project / "topics")
        else:
            assert snapshot(project / "topics") == topics
    first, second = ({k: v for k, v in s.items() if not k.startswith("sitemap.xml")} for s in sites)
    assert first.keys() == second.keys()
    differing = [k for k in first if first[k] != second[k]]
    assert differing == []


def _synthetic(count: int) -> list[Topic]:
    return [
        Topic(
            slug=f"topic-{i}",
            title=f"Synthetic Topic {i}",
            aliases=[f"ST{i}"],
            tags=["implementation"],
            body=f"## What\n\nTopic {i} explains a thing; see Synthetic Topic {(i + 1) % count}.\n",
        )
        for i in range(count)
    ]


def test_a_topic_page_does_not_grow_with_the_number_of_topics(tmp_path):
    sizes = {}
    for count in (10, 120):
        config = make_site_project(tmp_path / str(count), {})
        config.topics_dir.mkdir()
        for topic in _synthetic(count):
            (config.topics_dir / f"{topic.slug}.md").write_text(dump_topic(topic))
        from kbgen.publish import build_site

        build_site(config)
        sizes[count] = len((config.site_dir / "topics/topic-3/index.html").read_bytes())
    assert abs(sizes[120] - sizes[10]) <= 0.02 * sizes[10], sizes


def test_every_anchor_in_topics_json_exists_on_its_page(built_site):
    topics = json.loads((built_site.site / "topics.json").read_text())["topics"]
    assert len(topics) > 400
    missing = []
    for topic in topics:
        parser = _Links()
        parser.feed(
            (built_site.site / "topics" / topic["slug"] / "index.html").read_text(encoding="utf-8")
        )
        missing += [f"{topic['url']}#{a}" for a in topic["anchors"] if a not in parser.ids]
    assert missing == []


@pytest.mark.parametrize("name", ["LoRA", "RAG", "DPO", "FSDP", "RLHF"])
def test_an_acronym_url_lands_on_its_topic(built_site, name):
    """``/topics/lora/`` is the topic named so, or a redirect to it."""
    page = built_site.site / "topics" / name.lower() / "index.html"
    html = page.read_text(encoding="utf-8")
    landing = page.parent.name
    if 'http-equiv="refresh"' in html:
        landing = html.split("url=../")[1].split("/")[0]
        assert (built_site.site / "topics" / landing / "index.html").is_file()
    topics = json.loads((built_site.site / "topics.json").read_text())["topics"]
    named = [t["slug"] for t in topics if name in [t["title"], *t["aliases"]]]
    assert named == [landing]


def test_the_search_index_holds_every_topic_once_and_no_redirect(built_site):
    """Every topic once, numbered below ``count``; above it, the disambiguation pages."""
    site = built_site.site
    index = site / "assets" / "kbgen" / "search"
    meta = json.loads((index / "meta.json").read_text(encoding="utf-8"))
    numbered = {
        int(p.stem[1:]) * meta["chunk"] + i: row
        for p in index.glob("d*.json")
        for i, row in enumerate(json.loads(p.read_text(encoding="utf-8")))
    }
    indexed = [row[0] for row in numbered.values()]
    topics = json.loads((site / "topics.json").read_text(encoding="utf-8"))["topics"]
    listed = [row[0] for n, row in numbered.items() if n < meta["count"]]
    assert sorted(listed) == sorted(t["slug"] for t in topics)
    pages = [row for n, row in numbered.items() if n >= meta["count"]]
    assert {row[0] for row in pages} >= {"sam", "ipo", "lookahead", "ntk", "experience-replay"}
    for slug, title, summary, tags in pages:
        html = (site / "topics" / slug / "index.html").read_text(encoding="utf-8")
        assert title.endswith(" (disambiguation)") and title in html and tags == []
        assert summary.startswith(title.removesuffix(" (disambiguation)") + " may mean: ")
    redirects = [p.parent.name for p in (site / "topics").glob("*/index.html")
                 if 'http-equiv="refresh"' in p.read_text(encoding="utf-8")]  # fmt: skip
    assert len(redirects) > 50 and not set(redirects) & set(indexed)

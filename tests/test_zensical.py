"""Publisher independence: Zensical builds the output of ``kbgen generate`` into the same site.

Zensical reads ``mkdocs.yml`` but runs no MkDocs plugin. Built from the same topics, its
site has the same topic pages (titles and section anchors), the same redirect pages and
byte-identical exports and assets as the MkDocs build; the browse page works with the site
served under a sub-path; and ``kbgen.wikilinks`` with ``errors: true`` fails its build.
"""

from __future__ import annotations

import html.parser
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from kbgen.cli import main
from tests.conftest import BuiltSite
from tests.sitekit import make_site_project, serve_directory

pytestmark = pytest.mark.slow

EXPORTS = [
    "topics.json",
    "topics.js",
    "topics.schema.json",
    "objects.inv",
    "llms.txt",
    "llms-full.txt",
]


def zensical_build(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zensical", "build", "-f", str(config), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=config.parent,
    )


@dataclass(frozen=True)
class ZensicalSite:
    root: Path
    """The project folder."""
    site: Path


@pytest.fixture(scope="module")
def zensical_site(built_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory):
    config = make_site_project(tmp_path_factory.mktemp("zensical"))
    with pytest.MonkeyPatch.context() as patch:
        # The address the MkDocs build was given, so that the exports can be compared.
        patch.setenv("KBGEN_SITE_URL", built_site.url)
        assert main(["--project", str(config.root), "generate"]) == 0
        result = zensical_build(config.root / "mkdocs.yml", "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    return ZensicalSite(config.root, config.site_dir)


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h1 = ""
        self.h2_ids: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        if tag == "h1" and not self.h1:
            self._in_h1 = True
        elif tag == "h2" and dict(attrs).get("id"):
            self.h2_ids.append(dict(attrs)["id"])

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def page_outline(path: Path) -> tuple[str, list[str]]:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(parser.h1.split()).removesuffix("¶").strip(), parser.h2_ids


def test_same_topic_pages_redirects_exports_and_assets(
    built_site: BuiltSite, zensical_site: ZensicalSite
) -> None:
    mkdocs, zensical = built_site.site, zensical_site.site
    for name in EXPORTS:
        assert (zensical / name).read_bytes() == (mkdocs / name).read_bytes(), name

    def assets(site: Path) -> dict[str, bytes]:
        folder = site / "assets" / "kbgen"
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }

    mkdocs_assets = assets(mkdocs)
    assert len(mkdocs_assets) > 5 and "embed.js" in mkdocs_assets
    assert assets(zensical) == mkdocs_assets

    generated = zensical_site.root / "docs" / "topics"
    redirects = sorted(p.parent.name for p in generated.glob("*/index.html"))
    topics = sorted(p.stem for p in generated.glob("*.md"))
    assert len(topics) > 400 and len(redirects) > 50
    pages = sorted(p.parent.name for p in (mkdocs / "topics").glob("*/index.html"))
    assert pages == sorted(p.parent.name for p in (zensical / "topics").glob("*/index.html"))
    assert pages == sorted(topics + redirects)
    for slug in redirects:
        page = f"topics/{slug}/index.html"
        assert (zensical / page).read_bytes() == (mkdocs / page).read_bytes(), page

    doc = json.loads((zensical / "topics.json").read_text(encoding="utf-8"))
    differ = []
    for topic in doc["topics"]:
        page = Path("topics") / topic["slug"] / "index.html"
        title, ids = page_outline(zensical / page)
        if (
            (title, ids) != page_outline(mkdocs / page)
            or title != topic["title"]
            or not set(topic["anchors"]) <= set(ids)
        ):
            differ.append(topic["slug"])
    assert differ == []


@pytest.mark.browser
@pytest.mark.parametrize("publisher", ["mkdocs", "zensical"])
def test_browse_page_works_under_a_sub_path(
    publisher: str, built_site: BuiltSite, zensical_site: ZensicalSite, watched
) -> None:
    root = built_site.config.root if publisher == "mkdocs" else zensical_site.root
    # The project folder served: the site is at /site/, as on a host serving it at /kb/.
    with serve_directory(root) as url:
        page = watched.page
        page.goto(f"{url}site/browse/?q=lora")
        page.wait_for_function("() => document.documentElement.dataset.kbBrowseReady")
        results = page.eval_on_selector_all(".kb-browse a[href*='/topics/']", "a => a.length")
        assert results > 0
        first = page.eval_on_selector(".kb-browse a[href*='/topics/']", "a => a.href")
        assert urlparse(first).path.startswith("/site/topics/")
    paths = [urlparse(u).path for u in watched.requests if urlparse(u).netloc in url]
    assert paths and all(p.startswith("/site/") for p in paths), paths
    assert watched.errors == []


def wikilinks_project(folder: Path, topics: Path, errors: bool) -> Path:
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "index.md").write_text("# Notes\n\n[[LoRA]] and [[Lora X]]\n")
    options = {"topics": str(topics), "base_url": "https://kb.example.com/", "errors": errors}
    config = {"site_name": "Team docs", "markdown_extensions": [{"kbgen.wikilinks": options}]}
    (folder / "mkdocs.yml").write_text(json.dumps(config), encoding="utf-8")
    return folder / "mkdocs.yml"


def test_wikilinks_errors_fail_a_zensical_build(tmp_path: Path, built_site: BuiltSite) -> None:
    topics = built_site.site / "topics.json"
    # A warning does not fail a strict Zensical build: hence the option.
    lenient = zensical_build(wikilinks_project(tmp_path / "warn", topics, False), "--strict")
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    html = (tmp_path / "warn" / "site" / "index.html").read_text(encoding="utf-8")
    assert 'class="kb-link"' in html and 'class="kb-missing"' in html
    failed = zensical_build(wikilinks_project(tmp_path / "fail", topics, True))
    assert failed.returncode != 0
    assert "[[Lora X]] names no topic" in failed.stdout + failed.stderr

"""Session fixtures: the real knowledge base built once, served on 127.0.0.1, and Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kbgen.config import Config
from kbgen.publish import build_site
from tests.sitekit import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    make_site_project,
    require_chromium,
    serve_directory,
)

REPO_URL = "https://github.com/example/ml-kb"
"""The repository the test site claims to come from."""


@dataclass(frozen=True)
class BuiltSite:
    """The bundled sources imported and built in a scratch project."""

    config: Config
    site: Path
    url: str
    """Base URL of the site served on 127.0.0.1."""


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    config = make_site_project(tmp_path_factory.mktemp("site-project"))
    port = free_port()
    # site_url as deployed: Material's instant navigation needs it to match the server.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KBGEN_SITE_URL", f"http://127.0.0.1:{port}/")
        # A repository address, so that source and edit links are built (never fetched).
        patch.setenv("KBGEN_REPO_URL", REPO_URL)
        build_site(config)
    with serve_directory(config.site_dir, port) as url:
        yield BuiltSite(config, config.site_dir, url)


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageWatch:
    """A browser page that records console errors, dialogs and every request it makes."""

    page: object
    errors: list[str]
    requests: list[str]
    dialogs: list[str]


@pytest.fixture
def watched(browser) -> Iterator[PageWatch]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = PageWatch(page, [], [], [])
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    page.on("request", lambda r: watch.requests.append(r.url))

    def on_dialog(dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield watch
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

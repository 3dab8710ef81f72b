"""``kbgen serve`` in Chromium: editing a topic file reloads the open page."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.sitekit import free_port, make_site_project
from tests.test_incremental import NOTES  # the same three topics

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


def test_editing_a_topic_reloads_the_page(tmp_path, browser):
    """The open page shows the edit by itself; a page the edit links to shows its new
    backlink; the rebuild renders those two pages only, not every page."""
    config = make_site_project(tmp_path, {"notes.md": NOTES})
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kbgen",
            "--project",
            str(config.root),
            "serve",
            "--dev-addr",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        url = f"http://127.0.0.1:{port}/topics/speculative-decoding/"
        _wait_for(url)
        page = browser.new_page()
        page.goto(url)
        assert "Latency matters." in page.inner_text("article")
        path = config.topics_dir / "speculative-decoding.md"
        edited = "Latency matters most; cache with Key-Value Caching."
        path.write_text(path.read_text().replace("Latency matters.", edited))
        page.wait_for_function(
            "() => document.querySelector('article')?.innerText.includes('Latency matters most')",
            timeout=120_000,  # a loaded CI machine; an idle one takes seconds
        )
        assert page.get_attribute("article a[href$='key-value-caching/']", "href")
        page.goto(f"http://127.0.0.1:{port}/topics/key-value-caching/", timeout=120_000)
        referenced = page.inner_text("article")
        assert "Referenced by" in referenced and "Speculative Decoding" in referenced
        page.goto(f"http://127.0.0.1:{port}/topics/beam-search/", timeout=120_000)
        assert "Referenced by" not in page.inner_text("article")
        page.close()
        rendered = [
            int(m[1])
            for m in re.finditer(r"\((\d+) rendered\)", (tmp_path / "serve.log").read_text())
        ]
        # The first build renders every page; the edit's rebuild only the two it changed (a
        # rebuild MkDocs starts for the files the first one wrote renders none).
        assert rendered[0] == 3 and 2 in rendered[1:] and max(rendered[1:]) == 2, rendered
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()

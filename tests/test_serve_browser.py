"""``kbgen serve`` in Chromium: editing a topic file reloads the open page."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest

from tests.sitekit import free_port, make_site_project

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTES = """## Inference & Efficiency
- Speculative Decoding — draft then verify.
  [What] A small model drafts tokens that a large model verifies.
  [Use When] Latency matters.
"""


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
    config = make_site_project(tmp_path, {"notes.md": NOTES})
    port = free_port()
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
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/topics/speculative-decoding/"
        _wait_for(url)
        page = browser.new_page()
        page.goto(url)
        assert "Latency matters." in page.inner_text("article")
        path = config.topics_dir / "speculative-decoding.md"
        path.write_text(path.read_text().replace("Latency matters.", "Latency matters most."))
        page.wait_for_function(
            "() => document.querySelector('article')?.innerText.includes('Latency matters most.')",
            timeout=30000,
        )
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

"""A project from ``kbgen init`` with another field's glossaries, served by ``kbgen serve``
and shown in Chromium at desktop and phone widths: its own name and text, no ML wording,
no request outside the site; serve prints its address and every rebuild."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from kbgen.init import init_project
from tests.sitekit import free_port
from tests.test_init import ML_WORDS, replace_sources
from tests.test_serve_browser import _wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _wait_for_text(path, pattern: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = path.read_text(encoding="utf-8", errors="replace")
        if re.search(pattern, text, re.M):
            return text
        time.sleep(0.3)
    raise TimeoutError(f"{pattern!r} never printed; got {text!r}")


def test_an_init_project_served_and_shown_at_two_widths(tmp_path, browser, artifacts):
    project = tmp_path / "db"
    init_project(project, "Database Handbook", "Terms of the storage and query layers.")
    replace_sources(project, "databases")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kbgen",
                "serve",
                "--project",
                str(project),
                "--dev-addr",
                f"127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        base = f"http://127.0.0.1:{port}/"
        _wait_for(base)
        printed = _wait_for_text(log, r"built 13 topics, \d+ file\(s\) changed in \d+\.\d s")
        assert f"Serving on {base} (Ctrl+C stops)" in printed
        for width, height in ((1280, 900), (390, 844)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            requests: list[str] = []
            page.on("request", lambda r, seen=requests: seen.append(r.url))
            page.goto(base)
            page.wait_for_load_state("load")
            text = page.inner_text("body")
            assert "Database Handbook" in text
            assert "Terms of the storage and query layers." in text
            assert not ML_WORDS.search(text), ML_WORDS.search(text)
            assert all(u.startswith(base) or u.startswith("data:") for u in requests), requests
            page.screenshot(path=str(artifacts / f"init-home-{width}.png"), full_page=True)
            context.close()
        path = project / "topics" / "sharding.md"
        path.write_text(path.read_text().replace("by a key", "by a shard key"))
        # The rebuild is printed with its time, and the edited page is among those changed.
        _wait_for_text(log, r"(?s)built 13 topics.*\n.*built 13 topics, [1-9]\d* file\(s\) changed")
    finally:
        server.terminate()
        server.wait(timeout=10)

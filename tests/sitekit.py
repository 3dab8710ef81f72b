"""Factories for tests that build a whole site: a project copy, a local server, a browser."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kbgen.config import Config, load_config
from tests.helpers import ROOT, make_project

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
"""Screenshots and measurements from the browser tests (git-ignored)."""

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def make_site_project(
    tmp_path: Path, sources: dict[str, str] | None = None, kbgen_yml: str | None = None
) -> Config:
    """A copy of this repository's knowledge base in ``tmp_path``, ready to build.

    ``sources`` replaces the bundled glossaries; ``kbgen_yml`` replaces the config.
    """
    config = (ROOT / "kbgen.yml").read_text(encoding="utf-8") if kbgen_yml is None else kbgen_yml
    make_project(tmp_path, sources, config)
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "docs").mkdir()
    for page in ("about.md", "benchmarks.md", "scaling.md"):
        shutil.copy(ROOT / "docs" / page, tmp_path / "docs" / page)
    return load_config(tmp_path)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        # As static hosts do (GitHub Pages, Netlify): a missing page gets the site's 404.html.
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_directory(directory: Path, port: int = 0) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (at a free port by default); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def require_chromium() -> None:
    """Skip without Chromium, except in CI, where browser tests must run."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")

"""Lighthouse scores of the built site: accessibility and mobile performance per page.

Usage: python scripts/lighthouse.py [--site DIR [--port N]] [--pages /,/browse/] [--desktop]
       [--no-gzip] [--json FILE]

Builds the bundled knowledge base into a scratch folder (or takes an already built
``--site``, served at ``--port``), serves it on 127.0.0.1, text files gzip-compressed as
static hosts send them (unless ``--no-gzip``), and runs Lighthouse (``npm ci`` installs it) in
headless Chromium on each page, with Lighthouse's default mobile emulation (a mid-range
phone on a throttled 4G connection) unless ``--desktop``. Prints a Markdown table and
checks the targets: accessibility at least 95 on every page, performance at least 90 on
``/browse/``. Chromium is ``$CHROME_PATH``, else ``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
PAGES = ("/", "/topics/low-rank-adaptation/", "/browse/", "/tags/", "/a-z/")
ACCESSIBILITY_TARGET = 95
PERFORMANCE_TARGET = {"/browse/": 90}


@dataclass(frozen=True)
class Score:
    """Lighthouse's verdict on one page."""

    page: str
    """Path of the page on the site."""
    accessibility: int
    """Accessibility score, 0–100."""
    performance: int
    """Performance score, 0–100."""
    transfer_kb: int
    """Bytes the page downloaded, in KB."""
    failed: tuple[str, ...]
    """Ids of the accessibility audits the page failed."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


COMPRESSED = (".html", ".css", ".js", ".json", ".xml", ".svg", ".txt")
"""Files a static host (GitHub Pages, Netlify) sends gzip-compressed to a browser that
accepts it; Lighthouse's simulated network counts the bytes sent (``--no-gzip``: none is)."""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Gzip(_Quiet):
    """Serves the site as a static host does: text files gzip-compressed."""

    def send_head(self):  # type: ignore[override]
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        accepted = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepted and path.suffix in COMPRESSED and path.is_file()):
            return super().send_head()  # and the redirect of a folder without its slash
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def build(site: Path, url: str) -> None:
    """``kbgen build`` of this repository into ``site``, served at ``url``."""
    env = {**os.environ, "KBGEN_SITE_URL": url}
    cmd = [sys.executable, "-m", "kbgen", "--project", str(ROOT), "build", "--site-dir", str(site)]
    subprocess.run(cmd, check=True, env=env)


def lighthouse(url: str, desktop: bool = False) -> dict:
    """Lighthouse's JSON report for one URL."""
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--only-categories=accessibility,performance",
            "--output=json",
            f"--output-path={out}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ]
        if desktop:
            cmd.append("--preset=desktop")
        subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": chrome})
        return json.loads(out.read_text(encoding="utf-8"))


def score(page: str, report: dict) -> Score:
    """The figures this script reports, from a Lighthouse report."""
    categories = report["categories"]
    audits = report["audits"]
    failed = tuple(
        ref["id"]
        for ref in categories["accessibility"]["auditRefs"]
        if audits[ref["id"]].get("score") == 0
    )
    return Score(
        page,
        round(100 * categories["accessibility"]["score"]),
        round(100 * categories["performance"]["score"]),
        round(audits["total-byte-weight"]["numericValue"] / 1024),
        failed,
    )


def table(scores: list[Score]) -> str:
    """The scores as a Markdown table."""
    lines = [
        "| page | accessibility | performance | downloaded (KB) | failed accessibility audits |",
        "|---|---:|---:|---:|---|",
    ]
    for s in scores:
        failed = ", ".join(f"`{f}`" for f in s.failed) or "none"
        lines.append(
            f"| `{s.page}` | {s.accessibility} | {s.performance} | {s.transfer_kb} | {failed} |"
        )
    return "\n".join(lines)


def verdicts(scores: list[Score]) -> list[str]:
    """One line per target: does it hold?"""
    out = []
    for s in scores:
        ok = s.accessibility >= ACCESSIBILITY_TARGET
        out.append(f"{s.page}: accessibility {s.accessibility} ≥ {ACCESSIBILITY_TARGET}: {ok}")
        if s.page in PERFORMANCE_TARGET:
            target = PERFORMANCE_TARGET[s.page]
            out.append(
                f"{s.page}: performance {s.performance} ≥ {target}: {s.performance >= target}"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated paths")
    parser.add_argument("--desktop", action="store_true", help="desktop instead of mobile")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    parser.add_argument("--port", type=int, default=0, help="serve on this port (default: free)")
    parser.add_argument(
        "--no-gzip", action="store_true", help="send files uncompressed (default: gzip)"
    )
    args = parser.parse_args(argv)
    if not LIGHTHOUSE.exists():
        parser.error(f"{LIGHTHOUSE} missing: run `npm ci` in the repository root")
    port = args.port or _free_port()
    base = f"http://127.0.0.1:{port}"
    scratch = Path(tempfile.mkdtemp(prefix="kbgen-lighthouse-"))
    try:
        site = args.site or scratch / "site"
        if args.site is None:
            build(site, base + "/")
        handler = functools.partial(_Quiet if args.no_gzip else _Gzip, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            scores = [
                score(p, lighthouse(base + p, args.desktop)) for p in args.pages.split(",") if p
            ]
        finally:
            server.shutdown()
            server.server_close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(table(scores))
    print("\n".join(verdicts(scores)))
    if args.json:
        args.json.write_text(json.dumps([asdict(s) for s in scores], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

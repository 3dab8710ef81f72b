"""Time how long an edit to one topic file takes to show under ``kbgen serve``.

Usage: python scripts/bench_serve.py [--sizes 2000 10000] [--edits 5] [--renames 3]
       [--no-builds] [--json FILE]

For each size, a scratch project of that many synthetic topics (those of
``scripts/bench_build.py``) is made untimed; then

1. ``kbgen serve`` starts, and the time until it serves its first page is noted;
2. ``--edits`` times, once the server is idle, one topic file gets a new sentence, and the
   served page is fetched every 50 ms until it shows the sentence: the time from the write
   to that fetch, and the CPU time the server used meanwhile (load on a shared machine
   stretches the first, hardly the second);
3. ``--renames`` times, the same topic gets a new title, and the page is fetched until it
   shows it (a rename changes every page that shows the name and the index pages);
4. unless ``--no-builds``, ``kbgen build`` runs twice, the second time with nothing
   changed: its time and the time its generation step took.

Prints a Markdown table with the median and the slowest reload and the median CPU time,
and checks the target: an edit shows within 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import kbgen_build, make_project

RELOAD_TARGET_S = 2.0


@dataclass(frozen=True)
class Row:
    """One size's figures."""

    topics: int
    first_build_s: float
    reload_median_s: float
    reload_max_s: float
    reload_cpu_s: float
    """Median CPU time the server spent from the write to the page showing it."""
    edits: int
    rename_median_s: float
    """Median time until the page shows a topic's new title (a rename), or 0."""
    rename_cpu_s: float
    renames: int
    build_s: float
    nochange_build_s: float
    nochange_generate_s: float


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _wait_for(url: str, text: str, seconds: float, poll: float = 0.05) -> float:
    """Seconds until ``url`` serves a page containing ``text``."""
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if text in _fetch(url):
            return time.perf_counter() - start
        time.sleep(poll)
    raise TimeoutError(f"{url} did not show {text!r} within {seconds} s")


class Server:
    """``kbgen serve`` in a subprocess, counting the rebuild lines it prints."""

    def __init__(self, project: Path) -> None:
        self.port = _free_port()
        args = [sys.executable, "-m", "kbgen", "--project", str(project), "serve"]
        args += ["--dev-addr", f"127.0.0.1:{self.port}"]
        self.process = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
        self.builds = 0
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if "] built " in line:
                self.builds += 1

    def settle(self, builds: int, seconds: float = 600) -> None:
        """Wait until the server has printed ``builds`` rebuild lines."""
        deadline = time.monotonic() + seconds
        while self.builds < builds:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("kbgen serve stopped or hung:\n" + "".join(self.lines[-30:]))
            time.sleep(0.05)

    def idle(self, quiet: float = 3.0, seconds: float = 600) -> None:
        """Wait until no rebuild line has come for ``quiet`` seconds (after the first one)."""
        self.settle(max(self.builds, 1), seconds)
        seen, since = self.builds, time.monotonic()
        while time.monotonic() - since < quiet:
            time.sleep(0.1)
            if self.builds != seen:
                seen, since = self.builds, time.monotonic()

    def cpu(self) -> float:
        """CPU seconds the server process has used (Linux ``/proc``; 0 elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _edit(
    server: Server, url: str, path: Path, old: str, new: str, shown: str
) -> tuple[float, float]:
    """Replace ``old`` by ``new`` in ``path`` once the server is idle; the seconds until
    ``url`` shows ``shown`` and the server's CPU seconds meanwhile."""
    # MkDocs' own `mkdocs serve` rebuilds once more for the files a build wrote: let any
    # such rebuild finish first.
    server.idle()
    text = path.read_text(encoding="utf-8")
    used = server.cpu()
    path.write_text(text.replace(old, new, 1), "utf-8")
    try:
        seconds = _wait_for(url, shown, 300)
    except TimeoutError as exc:
        raise RuntimeError("".join(server.lines[-20:])) from exc
    return seconds, server.cpu() - used


def bench(size: int, scratch: Path, edits: int, renames: int, builds: bool = True) -> Row:
    """Make a project of ``size`` topics, serve it, edit it ``edits`` times, rename a topic
    ``renames`` times, then build it twice (unless not ``builds``)."""
    project = scratch / f"kb-{size}"
    project.mkdir()
    config = make_project(project, str(size))
    topic = sorted(config.topics_dir.glob("*.md"))[size // 2]
    start = time.perf_counter()
    server = Server(project)
    times, cpu, rename_times, rename_cpu = [], [], [], []
    try:
        url = f"http://127.0.0.1:{server.port}/topics/{topic.stem}/"
        server.settle(1)
        first = time.perf_counter() - start
        for i in range(edits):
            marker = f"Edited for the benchmark, round {i}."
            seconds, used = _edit(server, url, topic, "## What\n", f"## What\n\n{marker}\n", marker)
            times.append(seconds)
            cpu.append(used)
        for i in range(renames):
            # A new title: every page that shows the topic's name changes, the index pages
            # and the pages whose text may mention it are built again.
            title = next(
                line for line in topic.read_text("utf-8").splitlines() if line.startswith("title: ")
            )
            new = f"{title} Revised {i}"
            seconds, used = _edit(server, url, topic, title + "\n", new + "\n", new[7:])
            rename_times.append(seconds)
            rename_cpu.append(used)
    finally:
        server.stop()
    build_s = again_s = generate = 0.0
    if builds:
        site = scratch / f"site-{size}"
        build_s = kbgen_build(project, site)[0].seconds
        again, generate = kbgen_build(project, site)
        again_s = again.seconds
    return Row(
        size,
        first,
        statistics.median(times),
        max(times),
        statistics.median(cpu),
        edits,
        statistics.median(rename_times) if rename_times else 0.0,
        statistics.median(rename_cpu) if rename_cpu else 0.0,
        renames,
        build_s,
        again_s,
        generate,
    )


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| topics | first build under serve (s) | edit shown, median / max (s) "
        "| server CPU per edit (s) | edits | rename shown, median (s) | server CPU per rename (s) "
        "| kbgen build (s) | same, nothing changed (s) | its generation step (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.topics:,} | {r.first_build_s:.1f} | {r.reload_median_s:.2f} / "
            f"{r.reload_max_s:.2f} | {r.reload_cpu_s:.2f} | {r.edits} "
            f"| {r.rename_median_s:.2f} | {r.rename_cpu_s:.2f} | {r.build_s:.1f} "
            f"| {r.nochange_build_s:.1f} | {r.nochange_generate_s:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[2000])
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--renames", type=int, default=3, help="title edits after the edits")
    parser.add_argument(
        "--no-builds", action="store_true", help="skip the two `kbgen build` runs at the end"
    )
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        rows = [
            bench(size, Path(scratch), args.edits, args.renames, not args.no_builds)
            for size in args.sizes
        ]
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n")
    ok = all(r.reload_median_s <= RELOAD_TARGET_S for r in rows)
    print(f"\nan edit shows within {RELOAD_TARGET_S:.0f} s (median): {'yes' if ok else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How long import, check and generate take on pathological input: lines of 100,000
characters (one run of a character or of a Markdown opener each) and lists and quotes
2,000 levels deep, in every source format and in hand-edited topic files.

Each command runs in a fresh subprocess; a command that has not finished after
``--timeout`` seconds counts as a hang. From the repository root::

    python scripts/bench_pathological.py [--length 100000] [--depth 2000] [--timeout 600]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUNS = [" ", "-", "`", "[", "]", "*", "<", "(", ")", "_", "\\", "$", ">", "!", "|", "#"]
RUNS += ["[a](", "\\(", "[[", "<!--", "<a ", "](", "a ", "**", "&", "{", "![", "$$", "``a`"]
"""What the lines repeat: single characters, and the openers of Markdown constructs."""


def line(run: str, length: int) -> str:
    """``run`` repeated to ``length`` characters."""
    return (run * (length // len(run) + 1))[:length]


def nested_list(depth: int) -> str:
    return "\n".join("  " * i + f"- level {i}" for i in range(depth))


def nested_quote(depth: int) -> str:
    return "> " * depth + "deep"


def sources(length: int, depth: int) -> dict[str, str]:
    """One file per source format, each with every pathological line; the guide also has
    the deep list and quote."""
    tagged = f"Tag: implementation\n{len(RUNS)} topic(s)\n" + "".join(
        f"- Run {n} {line(run, length)} ends here.\n" for n, run in enumerate(RUNS)
    )
    notes = "## Area\n" + "".join(
        f"- Note {n} — summary {line(run, length)}\n"
        f"  [What] {line(run, length)} mentions Run 1.\n  [How] {line(run, length)}\n"
        for n, run in enumerate(RUNS)
    )
    guide = "# Guide\n\n## Part 1: Things\n\n" + "".join(
        f"### Technique {n}\n\n**What It Is**\n\n{line(run, length)}\n\n**How It Works**\n\n"
        f"- {line(run, length)}\n\n"
        for n, run in enumerate(RUNS)
    )
    guide += (
        f"### Deep List\n\n**What It Is**\n\nNested:\n\n{nested_list(depth)}\n\n"
        f"### Deep Quote\n\n**What It Is**\n\n{nested_quote(depth)}\n"
    )
    return {"runs.txt": tagged, "notes.md": notes, "guide.md": guide}


def topic_file(title: str, body: str) -> str:
    return f"---\ntitle: {title}\ntags: [implementation]\n---\n\n## What\n\n{body}\n"


def edited_topics(length: int, depth: int) -> dict[str, str]:
    """Topic files, by name, with the same lines as if an editor had written them."""
    files = {
        f"edited-{n}.md": topic_file(f"Edited {n}", f"{line(run, length)}\n\nAfter.\n")
        for n, run in enumerate(RUNS)
    }
    files["edited-list.md"] = topic_file("Edited List", nested_list(depth))
    files["edited-quote.md"] = topic_file("Edited Quote", nested_quote(depth))
    return files


def make_project(root: Path, length: int, depth: int) -> None:
    """A project with the pathological sources, this repository's mkdocs.yml and templates."""
    (root / "sources").mkdir(parents=True)
    for name, text in sources(length, depth).items():
        (root / "sources" / name).write_text(text, encoding="utf-8")
    (root / "kbgen.yml").write_text("", encoding="utf-8")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "templates", root / "templates")
    (root / "docs").mkdir()


def kbgen(project: Path, timeout: float, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    """Run one kbgen command; returns its wall time and result (raises on a timeout)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "kbgen", "--project", str(project), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return time.perf_counter() - start, result


def measure(length: int, depth: int, timeout: float) -> dict[str, float]:
    """Seconds of import, check and generate on the pathological project."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        make_project(root, length, depth)
        took: dict[str, float] = {}
        took["import"], result = kbgen(root, timeout, "import")
        if result.returncode:
            raise RuntimeError(f"kbgen import failed: {result.stderr[-2000:]}")
        for name, text in edited_topics(length, depth).items():
            (root / "topics" / name).write_text(text, encoding="utf-8")
        for command in ("check", "generate"):
            took[command], result = kbgen(root, timeout, command)
            if result.returncode:
                raise RuntimeError(f"kbgen {command} failed: {result.stderr[-2000:]}")
        return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--length", type=int, default=100_000)
    parser.add_argument("--depth", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)
    took = measure(args.length, args.depth, args.timeout)
    for command, seconds in took.items():
        print(f"kbgen {command}: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

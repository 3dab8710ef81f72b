"""Pathological lines and nesting: import, check and generate finish in seconds, in time
linear in the input (each command runs in a subprocess with a timeout, so a regression
fails here instead of hanging the suite)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.sitekit import make_site_project

pytestmark = pytest.mark.slow

LENGTH = 100_000
"""Characters of each pathological line."""
DEPTH = 2000
"""Levels of each nested list and quote."""
TIMEOUT = 120
"""Seconds a command may take: today's runs take a few; before the fixes, hours."""

RUNS = [" ", "-", "`", "[", "]", "*", "<", "(", ")", "_", "\\", "$", ">", "!", "|", "#"]
RUNS += ["[a](", "\\(", "[[", "<!--", "<a ", "](", "a ", "**", "&", "{", "![", "$$", "``a`"]
"""What the lines repeat: single characters, and the openers of Markdown constructs."""


def line(run: str) -> str:
    return (run * (LENGTH // len(run) + 1))[:LENGTH]


def nested_list(depth: int = DEPTH) -> str:
    return "\n".join("  " * i + f"- level {i}" for i in range(depth))


def nested_quote(depth: int = DEPTH) -> str:
    return "> " * depth + "deep"


def sources() -> dict[str, str]:
    tagged = f"Tag: implementation\n{len(RUNS)} topic(s)\n" + "".join(
        f"- Run {n} {line(run)} ends here.\n" for n, run in enumerate(RUNS)
    )
    notes = "## Area\n" + "".join(
        f"- Note {n} — summary {line(run)}\n  [What] {line(run)} mentions Run 1.\n"
        f"  [How] {line(run)}\n"
        for n, run in enumerate(RUNS)
    )
    guide = "# Guide\n\n## Part 1: Things\n\n" + "".join(
        f"### Technique {n}\n\n**What It Is**\n\n{line(run)}\n\n**How It Works**\n\n"
        f"- {line(run)}\n\n"
        for n, run in enumerate(RUNS)
    )
    guide += (
        f"### Deep List\n\n**What It Is**\n\nNested:\n\n{nested_list()}\n\n"
        f"### Deep Quote\n\n**What It Is**\n\n{nested_quote()}\n"
    )
    return {"runs.txt": tagged, "notes.md": notes, "guide.md": guide}


def topic_file(title: str, body: str) -> str:
    return f"---\ntitle: {title}\ntags: [implementation]\n---\n\n## What\n\n{body}\n"


def kbgen(project: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "kbgen", "--project", str(project), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return time.perf_counter() - start, result


def test_pathological_input_is_imported_checked_and_rendered_in_seconds(tmp_path: Path) -> None:
    config = make_site_project(tmp_path, sources(), kbgen_yml="")
    took = {}
    took["import"], result = kbgen(config.root, "import")
    assert result.returncode == 0, result.stderr
    assert "title cut to 200 characters" in result.stderr
    # Hand-edited topics with the same lines, bypassing the readers.
    for n, run in enumerate(RUNS):
        (config.topics_dir / f"edited-{n}.md").write_text(
            topic_file(f"Edited {n}", f"{line(run)}\n\nAfter.\n"), encoding="utf-8"
        )
    (config.topics_dir / "edited-list.md").write_text(
        topic_file("Edited List", nested_list()), encoding="utf-8"
    )
    (config.topics_dir / "edited-quote.md").write_text(
        topic_file("Edited Quote", nested_quote()), encoding="utf-8"
    )
    for command in ("check", "generate"):
        took[command], result = kbgen(config.root, command)
        assert result.returncode == 0, (command, result.stderr[-2000:])
    print("seconds:", {k: round(v, 1) for k, v in took.items()})  # for the benchmarks
    page = (config.root / "docs" / "topics" / "edited-list.md").read_text(encoding="utf-8")
    assert '<p class="kb-plain">' in page  # too deep to render: shown as plain text
    assert "level 1999" in page


@pytest.mark.parametrize("run", ["[", "[a](", "\\(", "<a ", "`"])
def test_the_linker_is_linear_on_a_long_line(run: str) -> None:
    """Ten times the input takes about ten times as long, not a hundred."""
    code = (
        "import sys, time\n"
        "from kbgen.links import Linker, LinkTarget\n"
        "linker = Linker([LinkTarget('Foo Bar', 'foo'), LinkTarget('RAG', 'rag')])\n"
        "def took(n):\n"
        "    text = 'x ' + sys.argv[1] * n + ' Foo Bar'\n"
        "    start = time.perf_counter()\n"
        "    linker.link(text, 'self', lambda s: s + '.md')\n"
        "    return time.perf_counter() - start\n"
        "took(1000)\n"
        "print(took(100000) / max(took(10000), 1e-4))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, run], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 30, f"100,000 characters took {result.stdout.strip()}x 10,000"

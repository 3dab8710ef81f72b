"""Pathological lines and nesting: import, check and generate finish in seconds, in time
linear in the input (each command runs in a subprocess with a timeout, so a regression
fails here instead of hanging the suite)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import bench_pathological

pytestmark = pytest.mark.slow

TIMEOUT = 120
"""Seconds a command may take: today's runs take a few; before the fixes, hours."""


def test_pathological_input_is_imported_checked_and_rendered_in_seconds(tmp_path: Path) -> None:
    took = bench_pathological.measure(100_000, 2000, TIMEOUT)  # raises on a timeout
    assert set(took) == {"import", "check", "generate"}


def test_what_is_too_long_or_deep_to_render_shows_as_plain_text(tmp_path: Path) -> None:
    bench_pathological.make_project(tmp_path, 10_000, 200)
    for name, text in bench_pathological.edited_topics(10_000, 200).items():
        (tmp_path / "topics").mkdir(exist_ok=True)
        (tmp_path / "topics" / name).write_text(text, encoding="utf-8")
    _, result = bench_pathological.kbgen(tmp_path, TIMEOUT, "generate")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "docs" / "topics" / "edited-list.md").read_text(encoding="utf-8")
    assert '<p class="kb-plain">' in page  # too deep to render
    assert "level 199" in page
    brackets = (tmp_path / "docs" / "topics" / "edited-3.md").read_text(encoding="utf-8")
    assert '<p class="kb-plain">' in brackets  # a paragraph of 10,000 `[`: too long


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
        "best = lambda n: min(took(n) for _ in range(3))\n"
        "print(best(100000) / max(best(10000), 1e-4))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, run], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 30, f"100,000 characters took {result.stdout.strip()}x 10,000"

"""Measure the tagged-list title splitter against the hand-checked goldens.

Usage: ``python3 scripts/measure_splitter.py`` from the project folder. Prints correct/total
per file, each miss (line, expected title, split title) and the time to split every line.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from kbgen.sources.tagged import split_title

ROOT = Path(__file__).resolve().parent.parent
GOLDENS = ROOT / "tests" / "fixtures" / "tagged"
FILES = ("glossary-implementation.txt", "glossary-advanced.txt")


def load_golden(name: str) -> dict[int, str]:
    """Line number → expected title, from ``<stem>.titles.tsv`` (``#`` lines are notes)."""
    path = GOLDENS / f"{Path(name).stem}.titles.tsv"
    golden = {}
    for row in path.read_text(encoding="utf-8").splitlines():
        if row and not row.startswith("#"):
            number, title = row.split("\t")
            golden[int(number)] = title
    return golden


def entry_lines(name: str) -> dict[int, str]:
    """Line number → the text after ``- `` for every entry line of a source file."""
    text = (ROOT / "sources" / name).read_text(encoding="utf-8")
    return {n: line[2:] for n, line in enumerate(text.split("\n"), 1) if line.startswith("- ")}


def main() -> int:
    """Print accuracy per file and the misses; exit 1 on any miss."""
    misses = 0
    elapsed = 0.0
    for name in FILES:
        golden, lines = load_golden(name), entry_lines(name)
        start = time.perf_counter()
        got = {n: split_title(line)[0] for n, line in lines.items()}
        elapsed += time.perf_counter() - start
        wrong = [n for n in golden if got.get(n) != golden[n]]
        print(f"{name}: {len(golden) - len(wrong)}/{len(golden)} correct")
        for n in wrong:
            print(f"  line {n}: expected {golden[n]!r}, got {got.get(n)!r}")
        misses += len(wrong)
    print(f"split {sum(len(load_golden(f)) for f in FILES)} lines in {elapsed * 1000:.1f} ms")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())

"""Time a new knowledge base from ``kbgen init`` to a built site.

Usage: python scripts/bench_init.py [--fields databases,cooking] [--repeat 3] [--json FILE]

For each field of ``tests/fixtures/fields/``: ``kbgen init`` in a fresh folder, the example
glossaries replaced by the field's, then ``kbgen build`` (which imports them): each command
in a fresh subprocess, as a user runs them. The time is from the start of ``kbgen init``
to the end of ``kbgen build``; the best of ``--repeat`` runs is kept. Prints a Markdown
table and checks the target: a new knowledge base is built in under 10 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench_build import run_measured

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ROOT / "tests" / "fixtures" / "fields"
TARGET_S = 10.0


def measure(field: str) -> dict[str, float | int | str]:
    """One run: init, replace the sources, build; the seconds of each step and in all."""
    kbgen = [sys.executable, "-m", "kbgen"]
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / field
        start = time.perf_counter()
        init = run_measured([*kbgen, "init", str(project)], Path(tmp))
        shutil.rmtree(project / "sources")
        shutil.copytree(FIELDS / field, project / "sources")
        build = run_measured([*kbgen, "build"], project)
        total = time.perf_counter() - start
        topics = len(list((project / "topics").glob("*.md")))
    return {
        "field": field,
        "topics": topics,
        "init_s": round(init.seconds, 2),
        "build_s": round(build.seconds, 2),
        "build_cpu_s": round(build.cpu_s, 2),
        "total_s": round(total, 2),
        "build_peak_rss_mib": round(build.peak_mib, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    fields = ",".join(sorted(p.name for p in FIELDS.iterdir() if p.is_dir()))
    parser.add_argument("--fields", default=fields, help=f"comma-separated (default {fields})")
    parser.add_argument("--repeat", type=int, default=3, help="runs per field; best is kept")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    rows = []
    for field in args.fields.split(","):
        runs = [measure(field) for _ in range(args.repeat)]
        rows.append(min(runs, key=lambda r: r["total_s"]))
        print(f"measured {field}", file=sys.stderr, flush=True)
    print(
        "| field | topics | kbgen init (s) | kbgen build (s) | build CPU (s) "
        "| init to site (s) | build peak RSS (MiB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['field']} | {r['topics']} | {r['init_s']} | {r['build_s']} | "
            f"{r['build_cpu_s']} | "
            f"{r['total_s']} | {r['build_peak_rss_mib']} |"
        )
    slow = [r["field"] for r in rows if float(r["total_s"]) >= TARGET_S]
    verdict = f"MISSED for {', '.join(slow)}" if slow else "met"
    print(f"\ntarget: init to site under {TARGET_S:.0f} s: {verdict}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())

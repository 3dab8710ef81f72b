"""Import and build large synthetic knowledge bases: time, memory and bytes per topic.

Usage: python scripts/bench_scale.py [--sizes 10000,50000,100000] [--json FILE] [--no-plain]
       [--import-only]

For each size N, a scratch project gets the synthetic glossaries of ``bench_import`` (N
entries), then, each in a fresh subprocess under ``/usr/bin/time -v`` (its "Maximum
resident set size" is the peak memory):

1. ``kbgen import``;
2. ``kbgen build`` of the topics it wrote;
3. plain MkDocs: ``mkdocs build`` of a copy of the pages kbgen generated, with the same
   ``mkdocs.yml`` minus the ``kbgen`` plugin (``bench_build``'s plain project), unless
   ``--no-plain``.

``--import-only`` runs the first step alone (and reports the largest topic, by entries).

Prints a Markdown table, the per-topic costs ``docs/scaling.md`` builds on, and checks the
targets: every run under 4 GB, time per entry growing by less than 1.3× from the
smallest size to the largest, and (with the plain build) kbgen build within 1.05× plain
MkDocs' wall time.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import bench_build
import bench_import

MEMORY_TARGET_MIB = 4096
LINEAR_TOLERANCE = 1.3
BUILD_TARGET = 1.05
"""kbgen build over plain MkDocs on the same pages, at most (wall time)."""
TIME = "/usr/bin/time"
SEARCH = "assets/kbgen/search"
"""Where kbgen's chunked search index lies in the site."""


@dataclass(frozen=True)
class Measured:
    """One subprocess under ``/usr/bin/time -v``."""

    seconds: float
    cpu_s: float
    peak_mib: float


@dataclass(frozen=True)
class Row:
    """The measurements for one size."""

    entries: int
    topics: int
    import_: Measured
    build: Measured | None
    """``None`` with ``--import-only``, as are the figures of the site below."""
    generate_s: float
    plain: Measured | None
    site_mb: float
    site_files: int
    search_shards: int
    search_mb: float
    plain_search_mb: float
    largest_topic: int = 0
    """Entries (and notes) in the topic that gathers most."""

    def per_topic(self) -> dict[str, float]:
        """What one topic costs: milliseconds and KB."""
        n = self.topics
        out = {"import_ms": self.import_.seconds / n * 1000}
        if self.build:
            out |= {
                "build_ms": self.build.seconds / n * 1000,
                "generate_ms": self.generate_s / n * 1000,
                "build_kb": self.build.peak_mib * 1024 / n,
                "site_kb": self.site_mb * 1000 / n,
                "search_kb": self.search_mb * 1000 / n,
            }
        if self.plain:
            out["mkdocs_ms"] = self.plain.seconds / n * 1000
        return out


def timed(args: list[str], cwd: Path) -> tuple[Measured, str]:
    """Run ``args`` under ``/usr/bin/time -v``; its figures and standard output."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        done = subprocess.run(
            [TIME, "-v", "-o", report.name, *args], cwd=cwd, capture_output=True, text=True
        )
        text = Path(report.name).read_text()
    if done.returncode:
        raise RuntimeError(f"{args[:4]} failed ({done.returncode}):\n{done.stderr[-3000:]}")

    def field(name: str) -> str:
        found = re.search(rf"^\s*{re.escape(name)}: (.+)$", text, re.M)
        if not found:
            raise RuntimeError(f"no {name!r} in /usr/bin/time's report:\n{text}")
        return found.group(1).strip()

    clock = [float(p) for p in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    seconds = sum(p * 60**i for i, p in enumerate(reversed(clock)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    peak = int(field("Maximum resident set size (kbytes)")) / 1024
    return Measured(seconds, cpu, peak), done.stdout


def search_files(site: Path) -> tuple[int, int]:
    """How many files kbgen's chunked search index has, and their bytes."""
    files = [p for p in (site / SEARCH).rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def largest_topic(topics: Path) -> int:
    """How many source entries the topic with most of them lists in its front matter."""
    counts = [len(re.findall(r"^\s*- \{file: ", _front(p), re.M)) for p in topics.glob("*.md")]
    return max(counts, default=0)


def _front(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text.split("\n---\n", 1)[0]


def measure(entries: int, scratch: Path, plain: bool, build_too: bool = True) -> Row:
    """Import and build ``entries`` synthetic entries in ``scratch`` (import only, unless
    ``build_too``)."""
    project = scratch / "kbgen"
    project.mkdir()
    bench_import.make_project(project, str(entries))  # kbgen.yml and the glossaries
    # The rest of bench_build's scratch project: the site's settings, templates, pages.
    shutil.copy(bench_build.ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(bench_build.ROOT / "templates", project / "templates")
    (project / "docs").mkdir()
    for page in (bench_build.ROOT / "docs").glob("*.md"):
        if page.name not in bench_build.OWNED_PAGES:
            shutil.copy(page, project / "docs" / page.name)
    cli = [sys.executable, "-m", "kbgen", "--project", str(project)]
    imported, _ = timed([*cli, "import"], project)
    print(f"imported {entries:,} entries: {imported}", file=sys.stderr, flush=True)
    topics = len(list((project / "topics").glob("*.md")))
    largest = largest_topic(project / "topics")
    print(f"largest topic: {largest:,} entries", file=sys.stderr, flush=True)
    if not build_too:
        return Row(entries, topics, imported, None, 0.0, None, 0.0, 0, 0, 0.0, 0.0, largest)
    site = scratch / "kbgen-site"
    build, out = timed(
        [sys.executable, "-c", bench_build.KBGEN_CHILD, str(project), str(site)], project
    )
    generate_s = json.loads(out.strip().splitlines()[-1])["generate"]
    print(f"built {topics:,} topics: {build}", file=sys.stderr, flush=True)
    plain_run, plain_search = None, 0.0
    if plain:
        bench_build.make_plain_project(project, scratch / "plain")
        plain_site = scratch / "plain-site"
        plain_run, _ = timed(
            [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(plain_site)],
            scratch / "plain",
        )
        plain_search = (plain_site / "search/search_index.json").stat().st_size / 1e6
    shards, shard_bytes = search_files(site)
    files = [p for p in site.rglob("*") if p.is_file()]
    return Row(
        entries=entries,
        topics=topics,
        import_=imported,
        build=build,
        generate_s=generate_s,
        plain=plain_run,
        site_mb=sum(p.stat().st_size for p in files) / 1e6,
        site_files=len(files),
        search_shards=shards,
        search_mb=shard_bytes / 1e6,
        plain_search_mb=plain_search,
        largest_topic=largest,
    )


def table(rows: list[Row]) -> str:
    """The measurements as a Markdown table: wall and CPU seconds, peak memory."""
    lines = [
        "| entries | topics | largest topic (entries) | import wall / CPU (s) "
        "| import peak (MiB) | CPU ms per entry: import "
        "| kbgen build wall / CPU (s) | of which generate, wall (s) | build peak (MiB) "
        "| plain MkDocs wall / CPU (s) | plain peak (MiB) | kbgen / plain: wall, CPU "
        "| CPU ms per topic: import / build / plain | site (MB) | search shards (files / MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        n = r.topics / 1000
        plain = (
            f"{r.plain.seconds:.0f} / {r.plain.cpu_s:.0f} | {r.plain.peak_mib:.0f}"
            if r.plain
            else "– | –"
        )
        ratios = ratio(r)
        plain += f" | {ratios[0]:.2f}, {ratios[1]:.2f}" if ratios else " | –"
        build = (
            f"{r.build.seconds:.0f} / {r.build.cpu_s:.0f} | {r.generate_s:.0f} "
            f"| {r.build.peak_mib:.0f}"
            if r.build
            else "– | – | –"
        )
        per = f"{r.import_.cpu_s / n:.2f} / "
        per += f"{r.build.cpu_s / n:.1f} / " if r.build else "– / "
        per += f"{r.plain.cpu_s / n:.1f}" if r.plain else "–"
        site = f"{r.site_mb:,.0f} | {r.search_shards:,} / {r.search_mb:.1f}" if r.build else "– | –"
        lines.append(
            f"| {r.entries:,} | {r.topics:,} | {r.largest_topic:,} "
            f"| {r.import_.seconds:.0f} / {r.import_.cpu_s:.0f} | {r.import_.peak_mib:.0f} "
            f"| {r.import_.cpu_s / r.entries * 1000:.2f} | {build} | {plain} | {per} | {site} |"
        )
    return "\n".join(lines)


def ratio(row: Row) -> tuple[float, float] | None:
    """kbgen build over plain MkDocs on the same pages: wall time, CPU time."""
    if not (row.build and row.plain):
        return None
    return row.build.seconds / row.plain.seconds, row.build.cpu_s / row.plain.cpu_s


def verdicts(rows: list[Row]) -> list[str]:
    """Whether each target holds on these rows (time as CPU time: a shared machine's wall
    time says more about the other work than about kbgen)."""
    peak = max(max(r.import_.peak_mib, r.build.peak_mib if r.build else 0) for r in rows)
    out = [
        f"- memory under {MEMORY_TARGET_MIB // 1024} GB: "
        f"{'yes' if peak < MEMORY_TARGET_MIB else 'NO'} (largest peak {peak:,.0f} MiB)"
    ]
    compared = [(r, ratio(r)) for r in rows if ratio(r)]
    if compared:
        worst = max(wall for _, (wall, _) in compared)
        each = ", ".join(
            f"{r.topics:,} topics {wall:.2f} × ({cpu:.2f} × CPU)" for r, (wall, cpu) in compared
        )
        out.append(
            f"- kbgen build ≤ {BUILD_TARGET} × plain MkDocs, wall time: "
            f"{'yes' if worst <= BUILD_TARGET else 'NO'} ({each})"
        )
    steps = [("import", lambda r: r.import_, "entries", rows)]
    built = [r for r in rows if r.build]
    steps.append(("build", lambda r: r.build, "topics", built))
    for name, pick, unit, measured in steps:
        if len(measured) < 2:
            continue
        small = min(measured, key=lambda r: r.entries)
        big = max(measured, key=lambda r: r.entries)
        size = (lambda r: r.entries) if unit == "entries" else (lambda r: r.topics)
        growth = (pick(big).cpu_s / size(big)) / (pick(small).cpu_s / size(small))
        out.append(
            f"- {name} time grows linearly: {'yes' if growth < LINEAR_TOLERANCE else 'NO'} "
            f"(CPU time per {unit[:-1] if unit == 'topics' else 'entry'} ×{growth:.2f} "
            f"from {size(small):,} to {size(big):,} {unit})"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000", help="entries, comma-separated")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain MkDocs build")
    parser.add_argument(
        "--import-only", action="store_true", help="run kbgen import alone, no build"
    )
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"bad --sizes {args.sizes!r}: numbers of entries, comma-separated")
    if not sizes or min(sizes) <= 0:
        parser.error("--sizes: positive numbers of entries")
    rows = []
    for size in sizes:
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="kbgen-bench-scale-") as tmp:
            rows.append(measure(size, Path(tmp), not args.no_plain, build_too=not args.import_only))
        print(f"measured {size:,} entries in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        if args.json:  # after each size: a long run killed later keeps what it measured
            data = [asdict(r) | {"per_topic": r.per_topic()} for r in rows]
            args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(table(rows))
    print()
    print("\n".join(verdicts(rows)))
    print()
    print("Per topic at the largest size:")
    for name, value in max(rows, key=lambda r: r.entries).per_topic().items():
        print(f"- {name}: {value:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

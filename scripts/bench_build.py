"""Time ``kbgen build`` against plain mkdocs-material building the same pages.

Usage: python scripts/bench_build.py [--sizes seed,2000,10000] [--repeat N] [--json FILE]

For each knowledge base (``seed``: the bundled sources; a number: that many synthetic
topics), a scratch project is prepared untimed, then two builds run one after the other,
each in a fresh subprocess:

1. ``kbgen build``: generates the Markdown pages from ``topics/``, then runs MkDocs strictly
   through the ``kbgen`` plugin;
2. plain MkDocs: ``mkdocs build`` of a copy of the pages kbgen generated, with the same
   ``mkdocs.yml`` minus the ``kbgen`` plugin and the ``names`` search field;
3. ``kbgen build`` again from scratch (generated pages and site deleted), with the cache of
   rendered text the first build left in ``.kbgen-cache/``.

With ``--repeat N``, each of the first two builds runs ``N`` times, every kbgen build from
scratch, and the fastest counts. Prints a Markdown table (wall time, kbgen's generation
time and overhead over plain MkDocs, peak RSS of each subprocess under ``/usr/bin/time
-v``, site size, median topic page size) and checks the targets: kbgen adds at most 5%
to plain MkDocs, build time grows linearly, page size stays flat.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mkdocs.utils.yaml import yaml_load

from kbgen.build import OWNED_PAGES
from kbgen.config import Config, load_config
from kbgen.importer import run_import
from kbgen.records import SourceRef, Topic
from kbgen.slugs import topic_slug
from kbgen.store import dump_topic

ROOT = Path(__file__).resolve().parent.parent
TIME = "/usr/bin/time"
OVERHEAD_TARGET = 0.05
LINEAR_TOLERANCE = 1.3
"""Time per topic may grow by this factor from the smallest to the largest synthetic size."""
FLAT_TOLERANCE = 1.2
"""The median topic page may grow by this factor from the smallest to the largest size."""

# fmt: off
MODIFIERS = (
    "Sparse", "Dense", "Adaptive", "Latent", "Contrastive", "Residual", "Gated", "Quantized",
    "Distilled", "Recurrent", "Causal", "Masked", "Rotary", "Federated", "Robust", "Spectral",
    "Hierarchical", "Stochastic", "Variational", "Multi-Head", "Grouped", "Sliding", "Linear",
    "Low-Rank", "Mixture", "Curriculum", "Self-Supervised", "Elastic", "Progressive",
    "Speculative", "Paged", "Fused", "Shared", "Cross-Modal", "Continual", "Conditional",
    "Implicit", "Structured", "Differential", "Nested", "Reversible", "Modular", "Bayesian",
    "Iterative", "Blockwise", "Tiled", "Streaming", "Weighted", "Normalized", "Selective",
    "Ensemble",
)
HEADS = (
    "Attention", "Decoding", "Pruning", "Routing", "Tuning", "Caching", "Sampling", "Alignment",
    "Scaling", "Distillation", "Quantization", "Embedding", "Regularization", "Normalization",
    "Retrieval", "Tokenization", "Optimization", "Adaptation", "Augmentation", "Encoding",
    "Parallelism", "Checkpointing", "Compression", "Search", "Batching", "Initialization",
    "Dropout", "Inference", "Evaluation", "Calibration", "Merging", "Transformer", "Diffusion",
    "Memory", "Prompting", "Reranking", "Clipping", "Scheduling", "Sharding", "Labeling",
)
THINGS = (
    "the learning rate", "long contexts", "rare tokens", "the validation loss",
    "activation memory", "batch size", "noisy labels", "the key-value cache",
    "gradient variance", "tail latency", "distribution shift", "the attention pattern",
    "throughput", "small datasets",
)
# fmt: on
SECTIONS: dict[str, tuple[str, ...]] = {
    "What": (
        "{self} is a technique that changes how a model handles {thing}.",
        "It builds on {other} and differs from {other2} mainly in how it treats {thing}.",
        "The idea first appeared as a refinement of {other} for {thing}.",
        "In practice it replaces a fixed heuristic with a learned one.",
    ),
    "Use When": (
        "Reach for it when {thing} dominates your costs and {other} is not enough.",
        "It suits teams that already use {other} and struggle with {thing}.",
        "Prefer it over {other} when {thing} varies a lot between runs.",
        "Skip it for small models, where the gain rarely pays for the complexity.",
    ),
    "How": (
        "Start from a working baseline, then enable it for one component at a time.",
        "It estimates {thing} on each step and rescales the update accordingly.",
        "Combine it with {other}: the two interact only through {thing}.",
        "Most implementations expose two hyperparameters; the defaults of {other} are a fair "
        "starting point.",
    ),
    "Pitfalls": (
        "It can hide problems with {thing} instead of fixing them.",
        "Results do not transfer when {other} is also enabled unless {thing} is re-tuned.",
        "Benchmarks that ignore {thing} overstate its benefit.",
        "Logging {thing} before and after is the only reliable way to see whether it helped.",
    ),
}


@dataclass(frozen=True)
class Run:
    """One measured subprocess."""

    seconds: float
    cpu_s: float
    """User plus system CPU time: less sensitive than wall time to a busy machine."""
    peak_mib: float
    stdout: str


@dataclass(frozen=True)
class Row:
    """The measurements for one knowledge base."""

    label: str
    topics: int
    kbgen_s: float
    plain_s: float
    generate_s: float
    kbgen_cpu_s: float
    plain_cpu_s: float
    warm_cpu_s: float
    """CPU of the third build: from scratch, the fragment cache filled."""
    kbgen_peak_mib: float
    plain_peak_mib: float
    kbgen_site_mb: float
    plain_site_mb: float
    search_index_mb: float
    page_median_kb: float
    page_max_kb: float

    @property
    def overhead(self) -> float:
        """What kbgen adds to plain MkDocs, as a fraction of the plain build."""
        return (self.kbgen_s - self.plain_s) / self.plain_s

    @property
    def per_thousand_s(self) -> float:
        """kbgen build seconds per 1,000 topics."""
        return self.kbgen_s / self.topics * 1000


def _acronym(words: list[str]) -> str:
    return "".join(w[0] for part in words for w in part.split("-")).upper()


def _mention(rng: random.Random, names: list[list[str]], own: int) -> str:
    """A name (title or alias) of a random topic other than topic ``own``."""
    j = rng.randrange(len(names) - 1)
    return rng.choice(names[j if j < own else j + 1])


def synthetic_topics(count: int, tags: list[str], seed: int = 1) -> list[Topic]:
    """``count`` topics with unique names, 1–3 tags and four sections that mention others."""
    rng = random.Random(seed)
    combos = [(a, b, h) for a in MODIFIERS for b in MODIFIERS if a != b for h in HEADS]
    if count > len(combos):
        raise ValueError(f"at most {len(combos):,} synthetic topics")
    used: set[str] = set()
    titles = []
    for words in rng.sample(combos, count):
        titles.append(" ".join(words))
        used.add(titles[-1].casefold())
    aliases: list[list[str]] = []
    for title in titles:
        words, more = title.split(), []
        for name in (_acronym(words), f"{words[1]} {words[0]} {words[2]}"):
            if rng.random() < 0.6 and name.casefold() not in used:
                used.add(name.casefold())
                more.append(name)
        aliases.append(more)
    slugs = [topic_slug(t) for t in titles]
    topics = []
    names = [[title, *more] for title, more in zip(titles, aliases, strict=True)]
    for i, title in enumerate(titles):
        body = []
        for section, sentences in SECTIONS.items():
            text = " ".join(
                s.format(
                    self=title,
                    thing=rng.choice(THINGS),
                    other=_mention(rng, names, i),
                    other2=_mention(rng, names, i),
                )
                for s in rng.sample(sentences, rng.randint(2, 3))
            )
            body.append(f"## {section}\n\n{text}")
        related = [slugs[j] for j in rng.sample(range(count), min(2, count)) if j != i]
        topics.append(
            Topic(
                slug=slugs[i],
                title=title,
                aliases=aliases[i],
                tags=rng.sample(tags, rng.randint(1, min(3, len(tags)))),
                sources=[SourceRef("synthetic.md", 6 * i + 1)],
                related=related if rng.random() < 0.3 else [],
                body="\n\n".join(body),
            )
        )
    return topics


def hand_written_docs(root: Path) -> None:
    """A docs folder in ``root`` holding this repository's hand-written pages only."""
    (root / "docs").mkdir()
    for page in (ROOT / "docs").glob("*.md"):
        if page.name not in OWNED_PAGES:
            shutil.copy(page, root / "docs" / page.name)


def make_project(root: Path, size: str) -> Config:
    """A scratch kbgen project holding ``topics/``: the seed's or ``size`` synthetic ones."""
    for name in ("mkdocs.yml", "kbgen.yml"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "templates", root / "templates")
    hand_written_docs(root)
    config = load_config(root)
    if size == "seed":
        shutil.copytree(ROOT / "sources", config.sources_dir)
        run_import(config)
    else:
        config.topics_dir.mkdir(parents=True, exist_ok=True)
        for topic in synthetic_topics(int(size), sorted(config.tags)):
            (config.topics_dir / f"{topic.slug}.md").write_text(dump_topic(topic), "utf-8")
    return config


def plain_mkdocs_yml(text: str) -> str:
    """``mkdocs.yml`` without the ``kbgen`` plugin (and its options) and the search fields
    it fills."""
    kept: list[str] = []
    inside = -1  # indentation of the `- kbgen` item while skipping its options
    for line in text.splitlines(keepends=True):
        indent = len(line) - len(line.lstrip())
        if inside >= 0 and (not line.strip() or indent > inside):
            continue
        inside = -1
        if line.strip() in ("- kbgen", "- kbgen:"):
            inside = indent
            continue
        if not line.strip().startswith(("names:", "endings:")):
            kept.append(line)
    plain = "".join(kept)
    plugins = yaml_load(plain)["plugins"]
    if "kbgen" in str(plugins) or "names" in str(plugins) or "endings" in str(plugins):
        raise ValueError("mkdocs.yml changed shape: cannot drop the kbgen plugin from it")
    return plain


def from_scratch(project: Path, site: Path, *, cache: bool = False) -> None:
    """Undo a build of ``project`` into ``site``: its generated pages, its site and, unless
    ``cache``, the cache of rendered text it left."""
    shutil.rmtree(project / "docs")
    hand_written_docs(project)
    if not cache:
        shutil.rmtree(project / ".kbgen-cache", ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)


def make_plain_project(project: Path, plain: Path) -> None:
    """A MkDocs project of the pages kbgen generated in ``project``, with no kbgen in it."""
    plain.mkdir()
    yml = (project / "mkdocs.yml").read_text(encoding="utf-8")
    (plain / "mkdocs.yml").write_text(plain_mkdocs_yml(yml), encoding="utf-8")
    shutil.copytree(project / "templates", plain / "templates")
    shutil.copytree(project / "docs", plain / "docs")


def run_measured(args: list[str], cwd: Path) -> Run:
    """Run a subprocess under ``/usr/bin/time -v``: its wall time, CPU time (user + system)
    and peak RSS; fail on error.

    The peak is ``time``'s, not that of a ``wait4`` here: a child forked from this process
    starts with its memory, which would set a floor of this process's size under it.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            done = subprocess.run([TIME, "-v", "-o", report.name, *args], cwd=cwd, stdout=out,
                                  stderr=err, check=False)  # fmt: skip
            seconds = time.perf_counter() - start
            out.seek(0)
            err.seek(0)
            if done.returncode:
                raise RuntimeError(f"{args[:4]} failed:\n{err.read().decode(errors='replace')}")
            stdout = out.read().decode(errors="replace")
        text = Path(report.name).read_text()

    def field(name: str) -> float:
        found = re.search(rf"^\s*{re.escape(name)}: (.+)$", text, re.M)
        if not found:
            raise RuntimeError(f"no {name!r} in /usr/bin/time's report:\n{text}")
        return float(found.group(1))

    cpu = field("User time (seconds)") + field("System time (seconds)")
    return Run(seconds, cpu, field("Maximum resident set size (kbytes)") / 1024, stdout)


KBGEN_CHILD = """
import json, sys, time
import kbgen.publish as publish
from kbgen.cli import main

real, spent = publish.generate, []

def timed(*args, **kwargs):
    start = time.perf_counter()
    try:
        return real(*args, **kwargs)
    finally:
        spent.append(time.perf_counter() - start)

publish.generate = timed
code = main(["--project", sys.argv[1], "build", "--site-dir", sys.argv[2]])
print(json.dumps({"generate": sum(spent)}))
sys.exit(code)
"""
"""``kbgen build`` through its command line, timing the generation step it calls."""


def kbgen_build(project: Path, site: Path) -> tuple[Run, float]:
    """Run ``kbgen build``; the run and the seconds spent generating pages."""
    run = run_measured([sys.executable, "-c", KBGEN_CHILD, str(project), str(site)], project)
    return run, json.loads(run.stdout.strip().splitlines()[-1])["generate"]


def plain_build(plain: Path, site: Path) -> Run:
    """Run ``mkdocs build`` (strict, as ``mkdocs.yml`` says) on the plain project."""
    args = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", "mkdocs.yml", "-d", str(site)]
    return run_measured(args, plain)


def tree_bytes(path: Path) -> int:
    """Total size of the files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def topic_page_sizes(site: Path, slugs: list[str]) -> list[int]:
    """HTML size of each topic page (redirect pages excluded)."""
    return [(site / "topics" / slug / "index.html").stat().st_size for slug in slugs]


def bench(size: str, scratch: Path, repeat: int = 1) -> Row:
    """Prepare one knowledge base in ``scratch`` and measure both builds (best of ``repeat``)."""
    project = scratch / "kbgen"
    project.mkdir()
    config = make_project(project, size)
    kbgen_runs = []
    for n in range(repeat):
        if n:  # from scratch again, as the first: no generated page, no cache, no site
            from_scratch(project, scratch / "kbgen-site")
        kbgen_runs.append(kbgen_build(project, scratch / "kbgen-site"))
    kbgen_run, generate_s = min(kbgen_runs, key=lambda r: r[0].seconds)
    make_plain_project(project, scratch / "plain")
    plain_runs = []
    for _ in range(repeat):
        shutil.rmtree(scratch / "plain-site", ignore_errors=True)
        plain_runs.append(plain_build(scratch / "plain", scratch / "plain-site"))
    plain_run = min(plain_runs, key=lambda r: r.seconds)
    slugs = sorted(p.stem for p in (config.docs_dir / "topics").glob("*.md"))
    pages = topic_page_sizes(scratch / "kbgen-site", slugs)
    from_scratch(project, scratch / "kbgen-site-warm", cache=True)
    warm_run, _ = kbgen_build(project, scratch / "kbgen-site-warm")
    return Row(
        label="seed (bundled sources)" if size == "seed" else f"synthetic {int(size):,}",
        topics=len(slugs),
        kbgen_s=kbgen_run.seconds,
        plain_s=plain_run.seconds,
        generate_s=generate_s,
        kbgen_cpu_s=kbgen_run.cpu_s,
        plain_cpu_s=plain_run.cpu_s,
        warm_cpu_s=warm_run.cpu_s,
        kbgen_peak_mib=max(r.peak_mib for r, _ in kbgen_runs),
        plain_peak_mib=max(r.peak_mib for r in plain_runs),
        kbgen_site_mb=tree_bytes(scratch / "kbgen-site") / 1e6,
        plain_site_mb=tree_bytes(scratch / "plain-site") / 1e6,
        search_index_mb=(scratch / "kbgen-site/search/search_index.json").stat().st_size / 1e6,
        page_median_kb=statistics.median(pages) / 1e3,
        page_max_kb=max(pages) / 1e3,
    )


def table(rows: list[Row]) -> str:
    """The measurements as a Markdown table."""
    lines = [
        "| knowledge base | topics | kbgen build (s) | plain MkDocs (s) | kbgen generate (s) "
        "| kbgen overhead | s per 1,000 topics | CPU kbgen / plain (s) | CPU ratio "
        "| CPU kbgen, cache warm (s) "
        "| peak RSS kbgen / plain (MiB) "
        "| site kbgen / plain (MB) | search index (MB) | topic page median / max (KB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.label} | {r.topics:,} | {r.kbgen_s:.1f} | {r.plain_s:.1f} "
            f"| {r.generate_s:.1f} | {r.overhead:+.0%} | {r.per_thousand_s:.2f} "
            f"| {r.kbgen_cpu_s:.1f} / {r.plain_cpu_s:.1f} "
            f"| {r.kbgen_cpu_s / r.plain_cpu_s:.2f} | {r.warm_cpu_s:.1f} "
            f"| {r.kbgen_peak_mib:.0f} / {r.plain_peak_mib:.0f} "
            f"| {r.kbgen_site_mb:.0f} / {r.plain_site_mb:.0f} | {r.search_index_mb:.1f} "
            f"| {r.page_median_kb:.1f} / {r.page_max_kb:.1f} |"
        )
    return "\n".join(lines)


def verdicts(rows: list[Row]) -> list[str]:
    """Whether each target holds on these rows."""
    worst = max(rows, key=lambda r: r.overhead)
    out = [
        f"- kbgen adds under {OVERHEAD_TARGET:.0%} to plain MkDocs: "
        f"{'yes' if worst.overhead < OVERHEAD_TARGET else 'NO'} "
        f"(worst {worst.overhead:+.0%}, {worst.label})"
    ]
    cpu = max(rows, key=lambda r: r.kbgen_cpu_s / r.plain_cpu_s)
    ratio = cpu.kbgen_cpu_s / cpu.plain_cpu_s
    out.append(
        f"- CPU kbgen / plain at most {1 + OVERHEAD_TARGET:.2f}: "
        f"{'yes' if ratio <= 1 + OVERHEAD_TARGET else 'NO'} (worst {ratio:.2f}, {cpu.label})"
    )
    synthetic = sorted((r for r in rows if r.label.startswith("synthetic")), key=lambda r: r.topics)
    if len(synthetic) >= 2:
        small, big = synthetic[0], synthetic[-1]
        growth = big.per_thousand_s / small.per_thousand_s
        pages = big.page_median_kb / small.page_median_kb
        out += [
            f"- build time grows linearly: {'yes' if growth < LINEAR_TOLERANCE else 'NO'} "
            f"(time per topic ×{growth:.2f} from {small.topics:,} to {big.topics:,} topics)",
            f"- page size stays flat: {'yes' if pages < FLAT_TOLERANCE else 'NO'} "
            f"(median topic page ×{pages:.2f} from {small.topics:,} to {big.topics:,} topics)",
        ]
    return out


def parse_sizes(values: list[str]) -> list[str]:
    """``seed`` or positive integers, given space- or comma-separated."""
    sizes = [v.strip() for value in values for v in value.split(",") if v.strip()]
    for size in sizes:
        if size != "seed" and not (size.isdigit() and int(size) > 0):
            raise argparse.ArgumentTypeError(f"bad size {size!r}: use seed or a number")
    return sizes


def measure(size: str, repeat: int) -> Row:
    """Benchmark one size in a scratch folder that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="kbgen-bench-") as tmp:
        return bench(size, Path(tmp), repeat)


def run_cli(
    argv: list[str] | None,
    *,
    description: str,
    sizes: str,
    repeat: int,
    measure: Callable[[str, int], Any],
    table: Callable[[list], str],
    verdicts: Callable[[list], list[str]],
    derived: Callable[[Any], dict],
) -> int:
    """The command line both benchmarks share: measure each size, print table and verdicts."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sizes", nargs="+", default=[sizes])
    parser.add_argument("--repeat", type=int, default=repeat, help="runs per size; best is kept")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    try:
        chosen = parse_sizes(args.sizes)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    rows = []
    for size in chosen:
        rows.append(measure(size, args.repeat))
        print(f"measured {rows[-1].label}", file=sys.stderr, flush=True)
    print(table(rows))
    print()
    print("\n".join(verdicts(rows)))
    if args.json:
        data = [asdict(r) | derived(r) for r in rows]
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_cli(
        argv,
        description=__doc__.splitlines()[0],
        sizes="seed,2000,10000",
        repeat=1,
        measure=measure,
        table=table,
        verdicts=verdicts,
        derived=lambda r: {"overhead": r.overhead},
    )


if __name__ == "__main__":
    raise SystemExit(main())

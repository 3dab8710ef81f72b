"""Time ``kbgen import`` on the bundled sources and on synthetic glossaries.

Usage: python scripts/bench_import.py [--sizes seed,2000,20000] [--repeat 3] [--json FILE]

Each synthetic knowledge base of N entries has two tagged one-line lists (a quarter of the
entries each) and a practitioner-notes file (the other half, under several areas); a tenth
of the notes name an entry of the lists again, so merging has work to do. Each import runs
in a fresh subprocess on a fresh copy of the project; the time is ``run_import`` alone
(reading, merging, writing ``topics/``), the memory is the subprocess's peak RSS.
Prints a Markdown table and checks the targets: the bundled sources import in well under
2 s, and time grows linearly with the number of entries.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import bench_build
from bench_build import run_cli, run_measured
from kbgen.similarity import stem

ROOT = Path(__file__).resolve().parent.parent
SEED_TARGET_S = 2.0
LINEAR_TOLERANCE = 1.3
"""Time per entry may grow by this factor from the smallest to the largest synthetic size."""

# fmt: off
MODIFIERS = (
    "Sparse", "Dense", "Adaptive", "Latent", "Contrastive", "Residual", "Gated", "Quantized",
    "Distilled", "Recurrent", "Causal", "Masked", "Rotary", "Federated", "Robust", "Spectral",
    "Hierarchical", "Stochastic", "Variational", "Grouped", "Sliding", "Linear", "Low-Rank",
    "Elastic", "Progressive", "Speculative", "Paged", "Fused", "Continual", "Conditional",
)
HEADS = (
    "Attention", "Decoding", "Pruning", "Routing", "Tuning", "Caching", "Sampling", "Alignment",
    "Scaling", "Distillation", "Quantization", "Embedding", "Regularization", "Normalization",
    "Retrieval", "Tokenization", "Optimization", "Adaptation", "Augmentation", "Encoding",
    "Parallelism", "Checkpointing", "Compression", "Batching", "Initialization",
)
AREAS = (
    "Parameter-Efficient Fine-Tuning (PEFT)", "Training & Optimization", "Reasoning & Alignment",
    "Inference & Efficiency", "Architectures & Building Blocks", "Systems & Parallelism",
)
MORE_MODIFIERS = (
    "Asynchronous", "Bidirectional", "Decoupled", "Dynamic", "Factorized", "Global", "Local",
    "Kernelized", "Monotonic", "Multilingual", "Online", "Permuted", "Randomized", "Sequential",
    "Symmetric", "Temporal", "Unified", "Universal", "Vectorized", "Balanced", "Compact",
    "Deterministic", "Discrete", "Equivariant", "Frozen", "Greedy", "Incremental", "Lossless",
)
# fmt: on
DESCRIPTIONS = (
    "{lower} reduces the cost of training by reusing work across steps.",
    "An approach that trades a little accuracy for a large gain in throughput.",
    "Store intermediate results once and reuse them for every later request.",
    "Formal guarantee that the output changes little when one input changes.",
    "Chen et al. (2024) show that it matches full fine-tuning at a fraction of the memory.",
    "{title} keeps the model stable when the batch size grows.",
)


@dataclass(frozen=True)
class Row:
    """One measured import."""

    label: str
    entries: int
    topics: int
    seconds: float
    cpu_s: float
    """CPU time of the whole subprocess, interpreter start-up included."""
    peak_mib: float

    @property
    def per_thousand_s(self) -> float:
        """Seconds per 1,000 entries."""
        return self.seconds / self.entries * 1000


def _stems(words: tuple[str, ...]) -> frozenset[str]:
    """What kbgen compares of a name: its words' stems (``Low-Rank`` is two words)."""
    return frozenset(stem(w) for word in words for w in word.split("-"))


def synthetic_titles(count: int, rng: random.Random) -> list[str]:
    """``count`` technique names, each of a different concept, as a real glossary's are.

    A name is two modifiers and a head word (``Sparse Gated Attention``). No two names have
    the same words in another order, no name's words hold another's and no modifier is its
    head in another form (``Adaptive … Adaptation``): kbgen rightly merges such names, which
    a glossary of distinct concepts does not have. Up to 117,040 names.
    """
    heads = tuple(dict.fromkeys(HEADS + bench_build.HEADS))
    taken = {w for h in heads for w in _stems((h,))}
    modifiers = tuple(
        m
        for m in dict.fromkeys(MODIFIERS + bench_build.MODIFIERS + MORE_MODIFIERS)
        if not _stems((m,)) & taken
    )
    combos = [
        (a, b, h)
        for i, a in enumerate(modifiers)
        for b in modifiers[i + 1 :]
        for h in heads
        if len(_stems((a, b, h))) == len(_stems((a,))) + len(_stems((b,))) + 1
    ]
    if count > len(combos):
        raise ValueError(f"at most {len(combos):,} distinct synthetic titles")
    return [" ".join([*rng.sample(words[:2], 2), words[2]]) for words in rng.sample(combos, count)]


def tagged_list(tag: str, titles: list[str], rng: random.Random) -> str:
    """A tagged one-line list: title and description with no separator between them."""
    lines = [f"Tag: {tag}", f"{len(titles)} topic(s)"]
    for title in titles:
        text = rng.choice(DESCRIPTIONS).format(title=title, lower=title.lower().capitalize())
        lines.append(f"- {title}{text}")
    return "\n".join(lines) + "\n"


def practitioner_notes(titles: list[str], rng: random.Random) -> str:
    """Practitioner notes: ``## Area`` headings over bullets with the four labelled lines."""
    lines = ["# Synthetic Practitioner Notes", ""]
    for i, title in enumerate(titles):
        if i % 200 == 0:
            lines += ["", f"## {AREAS[i // 200 % len(AREAS)]}"]
        lines += [
            f"- {title} — {rng.choice(DESCRIPTIONS).format(title=title, lower=title.lower())}",
            f"  [What] {title} changes how the model handles {rng.choice(HEADS).lower()}.",
            "  [Use When] Memory or latency dominates and the baseline is already tuned.",
            f"  [How] Enable it after {rng.choice(titles)}; keep the defaults at first.",
            "  [Pitfalls] Gains vanish when the batch is small; measure before and after.",
        ]
    return "\n".join(lines) + "\n"


def write_synthetic(directory: Path, count: int) -> None:
    """Write glossaries of ``count`` entries in all, a tenth of them naming a topic twice."""
    rng = random.Random(count)
    titles = synthetic_titles(count - count // 10, rng)
    listed, quarter = count // 2, count // 4
    noted = titles[listed - count // 10 :]
    (directory / "glossary-a.txt").write_text(
        tagged_list("implementation", titles[:quarter], rng), encoding="utf-8"
    )
    (directory / "glossary-b.txt").write_text(
        tagged_list("advanced", titles[quarter:listed], rng), encoding="utf-8"
    )
    (directory / "notes.md").write_text(practitioner_notes(noted, rng), encoding="utf-8")


def make_project(root: Path, size: str) -> None:
    """A scratch project holding the bundled sources (``seed``) or ``size`` synthetic entries."""
    shutil.copy(ROOT / "kbgen.yml", root / "kbgen.yml")
    if size == "seed":
        shutil.copytree(ROOT / "sources", root / "sources")
    else:
        (root / "sources").mkdir()
        write_synthetic(root / "sources", int(size))


IMPORT_CHILD = """
import json, sys, time
from pathlib import Path
from kbgen.config import load_config
from kbgen.importer import run_import

config = load_config(Path(sys.argv[1]))
start = time.perf_counter()
result = run_import(config)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "entries": len(result.entries),
                  "topics": len(result.topics)}))
"""
"""Runs ``kbgen import`` on a project, timing the import alone."""


def measure(size: str, repeat: int = 1) -> Row:
    """Import one knowledge base ``repeat`` times, each into a fresh project; keep the best."""
    best: tuple[float, dict[str, float]] | None = None
    peak, cpu = 0.0, float("inf")
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="kbgen-bench-import-") as tmp:
            make_project(Path(tmp), size)
            run = run_measured([sys.executable, "-c", IMPORT_CHILD, tmp], Path(tmp))
        data = json.loads(run.stdout.strip().splitlines()[-1])
        peak, cpu = max(peak, run.peak_mib), min(cpu, run.cpu_s)
        if best is None or data["seconds"] < best[0]:
            best = (data["seconds"], data)
    assert best is not None
    data = best[1]
    label = "bundled sources (5 files)" if size == "seed" else f"synthetic {int(size):,}"
    return Row(label, int(data["entries"]), int(data["topics"]), data["seconds"], cpu, peak)


def table(rows: list[Row]) -> str:
    """The measurements as a Markdown table."""
    lines = [
        "| knowledge base | entries | topics | import (s) | s per 1,000 entries "
        "| process CPU (s) | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.label} | {r.entries:,} | {r.topics:,} | {r.seconds:.2f} "
        f"| {r.per_thousand_s:.3f} | {r.cpu_s:.2f} | {r.peak_mib:.0f} |"
        for r in rows
    ]
    return "\n".join(lines)


def verdicts(rows: list[Row]) -> list[str]:
    """Whether each target holds on these rows."""
    out = []
    seed = [r for r in rows if r.label.startswith("bundled")]
    if seed:
        ok = seed[0].seconds < SEED_TARGET_S
        out.append(
            f"- the bundled sources import in well under {SEED_TARGET_S:.0f} s: "
            f"{'yes' if ok else 'NO'} ({seed[0].seconds:.2f} s)"
        )
    synthetic = sorted(
        (r for r in rows if r.label.startswith("synthetic")), key=lambda r: r.entries
    )
    if len(synthetic) >= 2:
        small, big = synthetic[0], synthetic[-1]
        growth = big.per_thousand_s / small.per_thousand_s
        out.append(
            f"- import time grows linearly: {'yes' if growth < LINEAR_TOLERANCE else 'NO'} "
            f"(time per entry ×{growth:.2f} from {small.entries:,} to {big.entries:,} entries)"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    return run_cli(
        argv,
        description=__doc__.splitlines()[0],
        sizes="seed,2000,20000",
        repeat=3,
        measure=measure,
        table=table,
        verdicts=verdicts,
        derived=lambda r: {"per_thousand_s": r.per_thousand_s},
    )


if __name__ == "__main__":
    raise SystemExit(main())

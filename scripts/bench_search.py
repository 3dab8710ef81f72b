"""Bytes fetched and time to first results of one search: kbgen's header search and browse
page against Pagefind's own UI on the same site, in headless Chromium with a cold cache.

Usage: python scripts/bench_search.py [--sizes 2000,10000] [--repeat N] [--json FILE]

For each knowledge base (``seed`` or a number of synthetic topics, as in ``bench_build.py``)
the site is built with ``kbgen build``, then indexed by Pagefind (``python3 -m pagefind``,
from the ``pagefind[bin]`` package) into ``pagefind/`` with a page holding Pagefind's
default UI. Then, each run in a fresh browser context (nothing cached) and the median of
``--repeat`` runs kept, for each query:

- **kbgen header**: open the home page, wait until the network is idle, type the query into
  the header search; time until its results are shown.
- **kbgen browse**: open ``/browse/?q=QUERY``; time from navigation to the first result
  shown (the page shows each result as soon as it and those before it are loaded).
- **Pagefind UI**: open the Pagefind page, wait until idle, type the query; time until the
  first result is shown (debounce set to 0, as kbgen's box has none).
- **Pagefind UI, cold**: open the Pagefind page with the query in its URL; time from
  navigation to the first result, the counterpart of the browse page's measure.

Bytes are the bodies of every file the search machinery fetched, from page load to first
results (kbgen: ``assets/kbgen/search*`` and ``browse.js``; Pagefind: ``pagefind/``),
uncompressed. Targets: at most 300 KB and at most 1.5× Pagefind's time.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sitekit import CHROMIUM, CHROMIUM_ARGS, serve_directory

from bench_build import kbgen_build, make_project, run_cli
from kbgen.config import load_config
from kbgen.search_body import body_text
from kbgen.search_index import Vocabulary, words
from kbgen.store import load_topics

BYTES_TARGET = 300_000
TIME_TARGET = 1.5
PAGEFIND_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pagefind</title>
<link href="../pagefind/pagefind-ui.css" rel="stylesheet">
<script src="../pagefind/pagefind-ui.js"></script></head>
<body><div id="search"></div>
<script>
  const ui = new PagefindUI({element: "#search", showSubResults: false, debounceTimeoutMs: 0});
  const q = new URLSearchParams(location.search).get("q");
  if (q) ui.triggerSearch(q);
</script></body></html>
"""


@dataclass(frozen=True)
class Measure:
    """One way of searching, measured on one query."""

    engine: str
    """``kbgen header``, ``kbgen browse``, ``Pagefind UI`` or ``Pagefind UI, cold``."""
    query: str
    ms: float
    """Median time to first results."""
    kb: float
    """Median kilobytes (1,000 bytes) the search fetched."""


@dataclass(frozen=True)
class Row:
    """One knowledge base."""

    label: str
    topics: int
    pagefind_index_s: float
    """Pagefind's indexing time."""
    measures: list[Measure]


def _queries(project: Path) -> list[str]:
    """A one-word query and a whole title of a topic in the middle of the store, the word
    of that topic's text (not of its names) that the most topics' files hold, and
    ``tag:<slug>`` for the tag the most topics carry (search by tag)."""
    topics = sorted((project / "topics").glob("*.md"))
    text = topics[len(topics) // 2].read_text(encoding="utf-8")
    title = next(
        line[7:].strip().strip("'\"") for line in text.splitlines() if line.startswith("title: ")
    )
    head, body = text.split("\n---\n", 1)
    candidates = set(Vocabulary().terms(body_text(body))) - set(words(head))
    candidates = {w for w in candidates if len(w) > 4 and w.isalpha()}
    files = Counter(w for t in topics for w in set(words(t.read_text(encoding="utf-8"))))
    common = max(sorted(candidates), key=lambda w: files[w])
    tags = Counter(tag for t in load_topics(project / "topics")[0] for tag in t.topic.tags)
    return [title.split()[0].lower(), title, common, f"tag:{max(sorted(tags), key=tags.get)}"]


def _is_search_file(url: str) -> bool:
    return "/assets/kbgen/search" in url or url.endswith("/browse.js") or "/pagefind/" in url


def _run(browser, base: str, engine: str, query: str, tags: dict[str, str]) -> tuple[float, int]:
    """One cold-cache search: (milliseconds to first results, bytes fetched). For
    ``tag:<slug>``, the browse page opens with the tag selected; the header search and
    Pagefind, which has no tag filter on a site that does not mark one, get the tag's name."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    responses: list = []
    page.on("response", lambda r: responses.append(r))
    tag = query.removeprefix("tag:") if query.startswith("tag:") else None
    typed = tags.get(tag, tag) if tag else query  # a source's own tag: its slug
    q = json.dumps(typed)
    if engine == "kbgen header":
        page.goto(base)
        page.wait_for_load_state("networkidle")
        start = time.perf_counter()
        page.fill("input.md-search__input", typed)
        page.wait_for_function(
            f"document.querySelector('[data-kb-search]').dataset.kbSearchDone === {q}"
        )
    elif engine == "kbgen browse":
        start = time.perf_counter()
        page.goto(base + "browse/?" + (f"tag={tag}" if tag else "q=" + query.replace(" ", "+")))
        # The first result shown (as for Pagefind), or the page ready with none.
        page.wait_for_selector(
            "html[data-kb-browse-shown], html[data-kb-browse-ready]", state="attached"
        )
    elif engine == "Pagefind UI":
        page.goto(base + "pagefind-ui/")
        page.wait_for_load_state("networkidle")
        start = time.perf_counter()
        page.fill(".pagefind-ui__search-input", typed)
        page.wait_for_selector(".pagefind-ui__result")
    else:
        start = time.perf_counter()
        page.goto(base + "pagefind-ui/?q=" + typed.replace(" ", "+"))
        page.wait_for_selector(".pagefind-ui__result")
    ms = (time.perf_counter() - start) * 1000
    page.wait_for_load_state("networkidle")
    size = sum(int(r.headers.get("content-length", 0)) for r in responses if _is_search_file(r.url))
    context.close()
    return ms, size


def bench(size: str, scratch: Path, repeat: int) -> Row:
    """Build one knowledge base, index it with Pagefind, measure each engine and query."""
    from playwright.sync_api import sync_playwright

    project = scratch / "kbgen"
    project.mkdir()
    make_project(project, size)
    site = scratch / "site"
    kbgen_build(project, site)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--output-subdir", "pagefind",
         "--silent"],
        check=True,
    )  # fmt: skip
    index_s = time.perf_counter() - start
    (site / "pagefind-ui").mkdir()
    (site / "pagefind-ui" / "index.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
    topics = len(list((project / "topics").glob("*.md")))
    tags = {slug: info.name for slug, info in load_config(project).tags.items()}
    measures = []
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for query in _queries(project):
            for engine in ("kbgen header", "kbgen browse", "Pagefind UI", "Pagefind UI, cold"):
                runs = [_run(browser, base, engine, query, tags) for _ in range(repeat)]
                measures.append(
                    Measure(
                        engine,
                        query,
                        statistics.median(ms for ms, _ in runs),
                        statistics.median(n for _, n in runs) / 1000,
                    )
                )
        browser.close()
    label = "seed (bundled sources)" if size == "seed" else f"synthetic {int(size):,}"
    return Row(label, topics, index_s, measures)


def measure(size: str, repeat: int) -> Row:
    """Benchmark one size in a scratch folder that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="kbgen-bench-search-") as tmp:
        return bench(size, Path(tmp), repeat)


def table(rows: list[Row]) -> str:
    """The measurements as a Markdown table."""
    lines = [
        "| knowledge base | query | kbgen header: KB / ms | Pagefind UI: KB / ms "
        "| kbgen browse (from navigation): KB / ms | Pagefind UI (from navigation): KB / ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        by = {(m.engine, m.query): m for m in r.measures}
        for query in dict.fromkeys(m.query for m in r.measures):
            engines = ("kbgen header", "Pagefind UI", "kbgen browse", "Pagefind UI, cold")
            cells = [by[(e, query)] for e in engines]
            lines.append(
                f"| {r.label} | `{query}` | "
                + " | ".join(f"{m.kb:.0f} / {m.ms:.0f}" for m in cells)
                + " |"
            )
    return "\n".join(lines)


def verdicts(rows: list[Row]) -> list[str]:
    """Whether the payload and time targets hold on every row and query."""
    out = []
    for r in rows:
        by = {(m.engine, m.query): m for m in r.measures}
        worst_kb = max(m.kb for m in r.measures if m.engine.startswith("kbgen"))
        ratios = []
        for (engine, query), m in by.items():
            anchor = {"kbgen header": "Pagefind UI", "kbgen browse": "Pagefind UI, cold"}.get(
                engine
            )
            if anchor:
                ratios.append(m.ms / by[(anchor, query)].ms)
        out.append(
            f"- {r.label}: kbgen fetches at most {BYTES_TARGET // 1000} KB per search: "
            f"{'yes' if worst_kb * 1000 <= BYTES_TARGET else 'NO'} (worst {worst_kb:.0f} KB); "
            f"first results within {TIME_TARGET}× Pagefind's time: "
            f"{'yes' if max(ratios) <= TIME_TARGET else 'NO'} (worst ×{max(ratios):.2f}); "
            f"Pagefind indexed the site in {r.pagefind_index_s:.1f} s"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    if not CHROMIUM.exists():
        print("needs Chromium at /usr/bin/chromium", file=sys.stderr)
        return 1
    return run_cli(
        argv,
        description=__doc__.splitlines()[0],
        sizes="2000,10000",
        repeat=3,
        measure=measure,
        table=table,
        verdicts=verdicts,
        derived=lambda r: {},
    )


if __name__ == "__main__":
    raise SystemExit(main())

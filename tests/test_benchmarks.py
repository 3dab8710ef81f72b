"""The benchmark scripts still run: each measures a tiny knowledge base (no timing asserts)."""

from __future__ import annotations

import json
import resource
import sys

import pytest
from mkdocs.utils.yaml import yaml_load

from kbgen.slugs import topic_slug
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import bench_build
import bench_import
import bench_serve

pytestmark = pytest.mark.slow


def test_synthetic_topics_have_unique_names_allowed_tags_and_mention_each_other():
    topics = bench_build.synthetic_topics(50, ["a", "b", "c"])
    names = [name.casefold() for t in topics for name in t.names]
    assert len(set(names)) == len(names)
    assert len({t.slug for t in topics}) == 50
    assert all(t.slug == topic_slug(t.title) for t in topics)
    assert all(1 <= len(t.tags) <= 3 and set(t.tags) <= {"a", "b", "c"} for t in topics)
    for section in bench_build.SECTIONS:
        assert all(f"## {section}\n" in t.body for t in topics)
    others = {name for t in topics[1:] for name in t.names}
    assert any(name in topics[0].body for name in others)


def _load(text: str) -> dict:
    return yaml_load(text)


def test_the_plain_project_drops_only_the_kbgen_plugin_and_its_search_fields():
    yml = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    plain = _load(bench_build.plain_mkdocs_yml(yml))
    plugins = [p if isinstance(p, str) else next(iter(p)) for p in plain["plugins"]]
    assert "kbgen" not in plugins and "search" in plugins and "tags" in plugins
    assert "names:" not in bench_build.plain_mkdocs_yml(yml)
    assert plain["theme"] == _load(yml)["theme"]


def test_bench_build_measures_both_builds_of_a_tiny_knowledge_base(tmp_path, capsys):
    out = tmp_path / "build.json"
    assert bench_build.main(["--sizes", "20", "--json", str(out)]) == 0
    (row,) = json.loads(out.read_text())
    assert row["topics"] == 20
    for key in ("kbgen_s", "plain_s", "generate_s", "kbgen_cpu_s", "plain_cpu_s", "warm_cpu_s"):
        assert row[key] > 0, key
    assert row["kbgen_peak_mib"] > 0 and row["plain_peak_mib"] > 0
    # Each build's own peak, not the floor a child forked from this big process starts at.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert row["plain_peak_mib"] < own, (row["plain_peak_mib"], own)
    assert row["kbgen_s"] > row["generate_s"]
    assert row["kbgen_site_mb"] > 0 and row["plain_site_mb"] > 0
    assert 0 < row["page_median_kb"] <= row["page_max_kb"]
    printed = capsys.readouterr().out
    assert "| synthetic 20 | 20 |" in printed and "kbgen adds under 5%" in printed


def test_bench_serve_times_an_edit_under_kbgen_serve_and_a_build_with_nothing_changed(
    tmp_path, capsys
):
    out = tmp_path / "serve.json"
    args = ["--sizes", "20", "--edits", "2", "--renames", "1", "--json", str(out)]
    assert bench_serve.main(args) == 0
    (row,) = json.loads(out.read_text())
    assert row["topics"] == 20 and row["edits"] == 2 and row["renames"] == 1
    assert 0 < row["reload_median_s"] <= row["reload_max_s"] and row["rename_median_s"] > 0
    assert row["nochange_generate_s"] > 0 and row["build_s"] > 0
    printed = capsys.readouterr().out
    assert "| 20 |" in printed and "an edit shows within 2 s" in printed


def test_bench_import_times_the_bundled_sources_and_a_tiny_glossary(tmp_path, capsys):
    out = tmp_path / "import.json"
    assert bench_import.main(["--sizes", "seed", "40", "--json", str(out)]) == 0
    seed, tiny = json.loads(out.read_text())
    assert seed["entries"] > 500 and seed["topics"] > 400
    assert tiny["entries"] == 40 and 0 < tiny["topics"] <= 40
    assert all(r["seconds"] > 0 and r["cpu_s"] > 0 and r["peak_mib"] > 0 for r in (seed, tiny))
    printed = capsys.readouterr().out
    assert "| synthetic 40 | 40 |" in printed and "bundled sources import" in printed


def test_sizes_accept_commas_and_spaces_and_reject_garbage():
    assert bench_build.parse_sizes(["seed,2000", "10000"]) == ["seed", "2000", "10000"]
    with pytest.raises(Exception, match="bad size"):
        bench_build.parse_sizes(["20k"])


def test_repeated_kbgen_builds_each_start_from_scratch(tmp_path, monkeypatch):
    """With --repeat, no build finds the pages, cache or site of the one before (it would
    generate nothing and win the best-of)."""
    found = []
    real = bench_build.kbgen_build

    def watched(project, site):
        found.append([p for p in ("docs/topics", ".kbgen-cache") if (project / p).exists()])
        found[-1] += ["site"] if site.exists() else []
        return real(project, site)

    monkeypatch.setattr(bench_build, "kbgen_build", watched)
    bench_build.bench("12", tmp_path, repeat=2)
    assert len(found) == 3 and found[:2] == [[], []]  # the third is the warm build

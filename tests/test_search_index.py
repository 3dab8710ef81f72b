"""The browse index and ``kbgen search``: query rules, ranking, tags, and lunr.js parity."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import mkdocs
import pytest

import kbgen
from kbgen.cli import main
from kbgen.config import Config
from kbgen.exports import TopicRecord, topic_records
from kbgen.importer import run_import
from kbgen.resolve import fold
from kbgen.search_index import (
    browse_index,
    build_index,
    load_browse_index,
    name_keys,
    query_terms,
    search,
)
from kbgen.store import load_topics
from tests.helpers import ROOT, make_project

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
LUNR_JS = Path(mkdocs.__file__).parent / "contrib" / "search" / "templates" / "search" / "lunr.js"
PEFT = "parameter-efficient-fine-tuning"


def records_in(folder: Path) -> list[TopicRecord]:
    loaded, problems = load_topics(folder)
    assert problems == []
    return topic_records([t.topic for t in loaded])


@pytest.fixture(scope="module")
def small() -> list[TopicRecord]:
    return records_in(FIXTURES / "topics")


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, list[TopicRecord]]:
    """The bundled sources imported into a scratch project, and its topics' records."""
    kbgen_yml = (ROOT / "kbgen.yml").read_text(encoding="utf-8")
    config = make_project(tmp_path_factory.mktemp("real"), config=kbgen_yml)
    run_import(config)
    return config, records_in(config.topics_dir)


def ranked(records: list[TopicRecord], text: str, tags: tuple[str, ...] = ()) -> list[str]:
    return [h.record.slug for h in search(build_index(records), records, text, tags)]


def bearing(records: list[TopicRecord], name: str) -> str:
    """The slug of the one topic with ``name`` as its title or an alias."""
    (slug,) = [r.slug for r in records if fold(name) in {fold(n) for n in r.names}]
    return slug


# --- rules ---------------------------------------------------------------------------------


def test_query_terms_split_trim_drop_stop_words_and_stem() -> None:
    assert query_terms("The LoRA-based adapters, (adapters)! samplin") == [
        "lora",
        "base",
        "adapt",
        "samplin",
    ]
    assert query_terms("  the of ... ") == []


def test_name_keys_hold_whole_names_parenthesised_synonyms_and_pieces() -> None:
    names, parts = name_keys(["Low-Rank Adaptation (LoRA)", "LoRA / DoRA", "Alignment (RLHF, DPO)"])
    assert names == ["lowrankadaptationlora", "lowrankadaptation", "lora", "loradora",
                     "alignmentrlhfdpo"]  # fmt: skip
    assert parts == ["dora", "alignment", "rlhf", "dpo"]


def test_a_whole_name_ranks_its_topic_first(small: list[TopicRecord]) -> None:
    assert ranked(small, "LoRA") == ["low-rank-adaptation", "qlora"]
    assert ranked(small, "qlora") == ["qlora"]
    assert ranked(small, "Nucleus Sampling")[0] == "top-p-sampling"
    assert ranked(small, "low-rank adaptation")[0] == "low-rank-adaptation"


def test_every_word_must_begin_a_word_of_the_topic(small: list[TopicRecord]) -> None:
    assert ranked(small, "samplin") == ["top-p-sampling"]  # half-typed
    assert ranked(small, "quantiz") == ["qlora"]
    assert ranked(small, "lora zzz") == []
    assert set(ranked(small, "adapters")[:2]) == {"adapter-layers", "adapter-modules"}


def test_stop_words_alone_find_nothing_and_empty_lists_all(small: list[TopicRecord]) -> None:
    assert ranked(small, "the") == []
    assert ranked(small, "  ") == sorted(r.slug for r in small)


def test_tags_narrow_to_topics_having_all_of_them(small: list[TopicRecord]) -> None:
    assert ranked(small, "", ("implementation", PEFT)) == ["low-rank-adaptation", "qlora"]
    assert ranked(small, "lora", ("inference-efficiency",)) == ["qlora"]
    assert ranked(small, "lora", ("advanced",)) == []


def test_browse_index_round_trips_to_the_same_results(small: list[TopicRecord]) -> None:
    text = browse_index(small, {"implementation": "Implementation"})
    assert text == browse_index(list(reversed(small)), {"implementation": "Implementation"})
    data = json.loads(text)
    assert data["rules"] == {
        "text_fields": ["title", "aliases", "summary"],
        "name_fields": ["names", "parts"],
        "exact_boost": 10,
    }
    assert data["index"]["pipeline"] == []
    index, records, tags = load_browse_index(text)
    assert records == small and tags == {"implementation": "Implementation"}
    for query in ("LoRA", "sampl", "adapters", "reward model", ""):
        assert search(index, records, query) == search(build_index(small), small, query)


# --- the real topics -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["LoRA", "RLHF", "FSDP", "nucleus sampling", "PagedAttention"])
def test_real_topic_named_by_the_query_comes_first(real, name: str) -> None:
    _, records = real
    assert ranked(records, name)[0] == bearing(records, name)


@pytest.mark.parametrize("tags", [("implementation", PEFT), ("advanced", "implementation")])
def test_real_tag_filters_keep_exactly_the_topics_with_all_tags(real, tags) -> None:
    _, records = real
    having = sorted(r.slug for r in records if set(tags) <= set(r.tags))
    assert ranked(records, "", tags) == having
    assert set(ranked(records, "model", tags)) <= set(having)
    if tags == ("advanced", "implementation"):
        assert len(having) >= 10


def test_real_search_is_fast(real) -> None:
    _, records = real
    index = build_index(records)
    queries = ["LoRA", "RLHF", "kv cache", "attention", "model", "quantiza", "mixture of experts"]
    start = time.perf_counter()
    for query in queries * 5:
        search(index, records, query)
    assert (time.perf_counter() - start) / (len(queries) * 5) < 0.05


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run lunr.js")
def test_lunr_js_with_the_documented_rules_gives_the_same_ranking(real, tmp_path: Path) -> None:
    _, records = real
    (tmp_path / "index.json").write_text(browse_index(records, {}), encoding="utf-8")
    queries = [
        ["LoRA", []],
        ["nucleus sampling", []],
        ["quantiza", []],
        ["kv-cache", []],
        ["Attention!", []],
        ["model", ["advanced"]],
        ["", ["implementation"]],
        ["the", []],
        ["low rank adaptation", []],
        ["reward hacking", []],
    ]
    (tmp_path / "queries.json").write_text(json.dumps(queries), encoding="utf-8")
    script = Path(__file__).parent / "js" / "run_browse_query.js"
    shipped = Path(kbgen.__file__).parent / "templates" / "browse-query.js"
    files = [str(tmp_path / "index.json"), str(tmp_path / "queries.json")]
    args = ["node", str(script), str(LUNR_JS), str(shipped), *files]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    in_js = json.loads(result.stdout)
    index, loaded, _ = load_browse_index((tmp_path / "index.json").read_text(encoding="utf-8"))
    in_python = [[h.record.slug for h in search(index, loaded, q, tags)] for q, tags in queries]
    assert in_js == in_python
    assert sum(len(r) for r in in_python) > 100


# --- kbgen search --------------------------------------------------------------------------


def test_cli_search_prints_rank_title_tags_and_url(real, capsys) -> None:
    config, records = real
    args = ["--project", str(config.root), "search", "nucleus", "sampling"]
    assert main([*args, "--base-url", "https://kb.example.com"]) == 0
    lines = capsys.readouterr().out.splitlines()
    slug = bearing(records, "Nucleus Sampling")
    record = next(r for r in records if r.slug == slug)
    tags = f"  [{', '.join(record.tags)}]" if record.tags else ""
    assert lines[:2] == [f" 1. {record.title}{tags}", f"    https://kb.example.com/topics/{slug}/"]
    assert lines[-1].endswith("topic(s)")


def test_cli_search_json_with_tags_and_no_query_lists_all_tagged(real, capsys) -> None:
    config, records = real
    args = ["--project", str(config.root), "search", "--tag", "advanced", "--tag", "implementation"]
    assert main([*args, "--json", "--limit", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    having = sorted(r.slug for r in records if {"advanced", "implementation"} <= set(r.tags))
    assert data["total"] == len(having) and [r["slug"] for r in data["results"]] == having
    first = data["results"][0]
    assert first["rank"] == 1 and first["url"] == f"topics/{first['slug']}/"
    assert set(first) >= {"title", "aliases", "tags", "summary", "anchors", "score"}


def test_cli_search_limits_and_rejects_unknown_tags(real, capsys) -> None:
    config, _ = real
    project = ["--project", str(config.root), "search"]
    assert main([*project, "attention", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("    topics/") == 3 and "--limit 0 shows all" in out
    assert main([*project, "lora", "--tag", "implementaton"]) == 1
    assert "unknown tag `implementaton`; did you mean `implementation`?" in capsys.readouterr().err

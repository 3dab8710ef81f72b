"""The search index and its engines: rules, ranking quality, typo fallback, the size of a
search, and the same results from Python (``kbgen search``) and the shipped browser script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

import kbgen
from kbgen.classify import subject_tags
from kbgen.cli import main
from kbgen.config import Config
from kbgen.disambiguation import Disambiguation, implied_names, shared_names
from kbgen.exports import TopicRecord, topic_records
from kbgen.importer import run_import
from kbgen.resolve import fold
from kbgen.search_body import (
    BODY_CAP,
    BODY_MAX,
    BODY_SHARD_BYTES,
    body_files,
    body_shard,
    body_text,
)
from kbgen.search_index import name_variants, search_files, shard_file, stem, words
from kbgen.search_query import Searcher, directory_loader, memory_loader, osa_distance
from kbgen.search_shards import packed
from kbgen.store import load_topics
from tests.helpers import ROOT, make_project

FIXTURES = Path(__file__).parent / "fixtures"
QUERIES = json.loads((FIXTURES / "search" / "queries.json").read_text(encoding="utf-8"))["queries"]
ENGINE_JS = Path(kbgen.__file__).parent / "templates" / "search-query.js"
PEFT = "parameter-efficient-fine-tuning"


def records_in(folder: Path) -> list[TopicRecord]:
    loaded, problems = load_topics(folder)
    assert problems == []
    return topic_records([t.topic for t in loaded])


def bodies_in(folder: Path) -> dict[str, str]:
    return {t.topic.slug: t.topic.body for t in load_topics(folder)[0]}


@pytest.fixture(scope="module")
def small() -> list[TopicRecord]:
    return records_in(FIXTURES / "exports" / "topics")


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, list[TopicRecord]]:
    """The bundled sources imported into a scratch project, and its topics' records."""
    kbgen_yml = (ROOT / "kbgen.yml").read_text(encoding="utf-8")
    config = make_project(tmp_path_factory.mktemp("real"), config=kbgen_yml)
    run_import(config)
    return config, records_in(config.topics_dir)


@pytest.fixture(scope="module")
def real_bodies(real) -> dict[str, str]:
    return bodies_in(real[0].topics_dir)


@pytest.fixture(scope="module")
def real_pages(real) -> list[Disambiguation]:
    """The real topics' disambiguation pages, found as the build finds them."""
    config, records = real
    topics = [t.topic for t in load_topics(config.topics_dir)[0]]
    implied = implied_names(topics, subject_tags(config))
    return shared_names([asdict(r) for r in records], implied)


def index_of(
    records: list[TopicRecord], synonyms=(), tags=None, bodies=None, pages=()
) -> dict[str, bytes]:
    found = sorted({t for r in records for t in r.tags})
    names = tags if tags is not None else {t: (t.title(), "") for t in found}
    return search_files(records, names, synonyms, bodies, pages)


def searcher(records: list[TopicRecord], synonyms=(), bodies=None, pages=()) -> Searcher:
    return Searcher(memory_loader(index_of(records, synonyms, bodies=bodies, pages=pages)))


def ranked(
    records: list[TopicRecord], text: str, tags: tuple[str, ...] = (), synonyms=(), bodies=None
) -> list[str]:
    return [t.slug for _, t in searcher(records, synonyms, bodies).search(text, tags)]


def bearing(records: list[TopicRecord], name: str) -> str:
    """The slug of the one topic with ``name`` as its title or an alias."""
    (slug,) = [r.slug for r in records if fold(name) in {fold(n) for n in r.names}]
    return slug


# --- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("caching", "cach"), ("cached", "cach"), ("cache", "cach"), ("models", "model"),
        ("batteries", "battery"), ("loss", "loss"), ("corpus", "corpus"), ("lora", "lora"),
        ("quantization", "quantiz"), ("quantized", "quantiz"), ("quantisation", "quantis"),
        ("sampling", "sampl"), ("sample", "sampl"), ("using", "using"), ("speed", "speed"),
        ("llms", "llm"), ("gpus", "gpus"), ("数据", "数据"), ("x86", "x86"), ("use", "use"),
    ],
)  # fmt: skip
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_words_are_lowercased_letter_and_digit_runs() -> None:
    assert words("Grouped-Query Attention (GQA), top-p_0.9 数据!") == [
        "grouped", "query", "attention", "gqa", "top", "p", "0", "9", "数据"
    ]  # fmt: skip


def test_name_variants_expand_acronyms_and_keep_qualifiers_as_pieces() -> None:
    full, _ = name_variants(["Key-Value (KV) Caching"])
    assert [words(n) for n in full] == [
        ["key", "value", "kv", "caching"], ["key", "value", "caching"], ["kv"], ["kv", "caching"]
    ]  # fmt: skip
    full, pieces = name_variants(["Load Balancing (MoE)"])
    assert "MoE" not in full and "MoE" in pieces
    full, _ = name_variants(["Mixture of Experts (MoE)", "Top-p Sampling (Nucleus Sampling)"])
    assert {"MoE", "Nucleus Sampling"} <= set(full)
    _, pieces = name_variants(["LoRA / DoRA"])
    assert [words(p) for p in pieces] == [["lora"], ["dora"]]


def test_shard_files_are_safe_names() -> None:
    assert shard_file("t", "con") == "tcon.json"  # never a bare Windows device name
    assert shard_file("n", "数据") == "n_e695b0e68dae.json"
    assert shard_file("f", "a/") == "f_612f.json"


@pytest.mark.parametrize(
    ("a", "b", "n"), [("lroa", "lora", 1), ("lora", "lora", 0), ("dropuot", "dropout", 1),
                      ("cat", "cart", 1), ("abc", "cab", 2), ("", "ab", 2)],
)  # fmt: skip
def test_osa_distance(a: str, b: str, n: int) -> None:
    assert osa_distance(a, b) == n


def test_a_whole_name_ranks_its_topic_first(small: list[TopicRecord]) -> None:
    assert ranked(small, "LoRA")[0] == "low-rank-adaptation"
    assert ranked(small, "qlora")[0] == "qlora"
    assert ranked(small, "Nucleus Sampling")[0] == "top-p-sampling"
    assert ranked(small, "low-rank adaptation")[0] == "low-rank-adaptation"


def test_every_word_must_begin_a_word_of_the_topic(small: list[TopicRecord]) -> None:
    assert ranked(small, "samplin") == ["top-p-sampling"]  # half-typed
    assert ranked(small, "quantiz") == ["qlora"]
    assert ranked(small, "lora zzz") == []
    assert set(ranked(small, "adapters")[:2]) == {"adapter-layers", "adapter-modules"}


def test_stop_words_alone_find_nothing_and_empty_lists_all(small: list[TopicRecord]) -> None:
    assert ranked(small, "the") == []
    assert ranked(small, "...") == []
    assert ranked(small, "  ") == sorted(r.slug for r in small)


def test_tags_narrow_to_topics_having_all_of_them(small: list[TopicRecord]) -> None:
    assert ranked(small, "", ("implementation", PEFT)) == ["low-rank-adaptation", "qlora"]
    assert ranked(small, "lora", ("inference-efficiency",)) == ["qlora"]
    assert ranked(small, "lora", ("advanced",)) == []


def test_typos_are_corrected_only_when_nothing_matches(small: list[TopicRecord]) -> None:
    assert ranked(small, "lroa")[0] == "low-rank-adaptation"
    assert ranked(small, "qlroa") == ["qlora"]
    assert ranked(small, "samplnig")[0] == "top-p-sampling"
    # A query that matches as typed is not corrected: "rlhf" has no neighbour "rlhfs" added.
    assert ranked(small, "rlhf") == ["rlhf"]
    assert ranked(small, "xyzzy") == []
    assert ranked(small, "lroa zzz") == []  # every term must still match


def test_synonyms_make_spellings_one(small: list[TopicRecord]) -> None:
    assert ranked(small, "nucleos") == []  # two edits from any name
    assert ranked(small, "nucleos", synonyms=[["nucleus", "nucleos"]]) == ["top-p-sampling"]
    # The first word of a group is the one indexed: a topic's "nucleos" is found as "nucleus".


def test_a_term_whose_shard_would_be_named_like_the_tag_file_is_found_and_facets_still_work() -> (
    None
):
    """Words beginning with ``ags`` go to the term shard ``tags``: the tags' bitmaps have a
    name no shard can have, so neither overwrites the other."""
    records = [
        TopicRecord("agsm", "AGSM Relay", [], ["network"], "topics/agsm/", "Agsomething.", []),
        TopicRecord("other", "Other Relay", [], [], "topics/other/", "Plain text.", []),
    ]
    files = index_of(records)
    assert "tags.json" in files  # the term shard of "ags…"
    engine = Searcher(memory_loader(files))
    assert [t.slug for _, t in engine.search("agsomething")] == ["agsm"]
    assert [t.slug for _, t in engine.search("relay", ["network"])] == ["agsm"]
    assert [t.slug for _, t in Searcher(memory_loader(packed(files))).search("agsm")] == ["agsm"]


def test_index_is_deterministic_lists_its_shards_and_every_topic_once(real, real_bodies) -> None:
    _config, records = real
    files = index_of(records, bodies=real_bodies)
    assert files == index_of(list(reversed(records)), bodies=real_bodies)
    meta = json.loads(files["meta.json"])
    others = {"meta.json", "tag-bitmaps.json", *(f for f in files if f[0] == "d")}
    shards = {f.removesuffix(".json") for f in files if f not in others}
    assert {f[0] for f in shards} == set("tnfb")
    assert set(meta["shards"].split()) == shards
    listed = [row[0] for name, data in files.items() if name[0] == "d" for row in json.loads(data)]
    assert sorted(listed) == sorted(r.slug for r in records) and meta["count"] == len(records)


# --- the real topics -----------------------------------------------------------------------


def expected_slug(records: list[TopicRecord], name: str, kind: str) -> str:
    """A fixture query's expected slug: a shared name's is its disambiguation page's."""
    return name if kind == "shared-name" else bearing(records, name)


def hits_at(records: list[TopicRecord], synonyms, bodies, pages=()) -> dict[str, dict]:
    """For each fixture query: its kind, the expected slug and the top 3 found."""
    engine = searcher(records, synonyms, bodies, pages)
    out = {}
    for query, name, kind in QUERIES:
        top = [t.slug for _, t in engine.search(query)[:3]]
        out[query] = {"kind": kind, "expected": expected_slug(records, name, kind), "top3": top}
    return out


def test_real_query_list_hit_at_1_and_3(real, real_bodies, real_pages) -> None:
    config, records = real
    found = hits_at(records, config.synonyms, real_bodies, real_pages)
    hit1 = [q for q, r in found.items() if r["top3"][:1] == [r["expected"]]]
    hit3 = [q for q, r in found.items() if r["expected"] in r["top3"]]
    assert len(found) >= 60
    misses = {q: r for q, r in found.items() if q not in hit1}
    assert len(hit1) / len(found) >= 0.9, misses
    assert len(hit3) / len(found) >= 0.97, misses
    for kind in ("exact", "acronym", "multi-word", "typo", "spelling", "body", "shared-name"):
        of_kind = [q for q, r in found.items() if r["kind"] == kind]
        assert sum(q in hit3 for q in of_kind) / len(of_kind) >= 0.9, (kind, misses)
    for query in ("grouped-query attention", "kv cache", "lroa", "qlroa", "quantisation"):
        assert query in hit1, found[query]


@pytest.mark.parametrize("count", [2000, 10000])
def test_one_search_reads_a_few_small_files(count: int) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_build import synthetic_topics

    tags = ["advanced", "implementation", "training", "inference"]
    topics = synthetic_topics(count, tags)
    records = topic_records(topics)
    files = index_of(records, bodies={t.slug: t.body for t in topics})
    assert sum(map(len, files.values())) > 2 * 300_000  # the whole index is far bigger
    loader = memory_loader(files)
    # The synthetic bodies' commonest words ("model", "technique" in most topics) too.
    common = "model technique replaces heuristic"
    queries = ("sparse", "sparse attention cache", "spares atention", "a", "", "model", common)
    for query in (*queries, "hyperparameters", "baseline component"):
        read: list[str] = []
        engine = Searcher(lambda name, read=read: (read.append(name), loader(name))[1])
        hits = engine.rank(query)
        [engine.topic(d) for _, d in hits[:20]]  # the first page of results
        engine.has_tags(0, ["advanced"])
        size = sum(len(files[n]) for n in set(read))
        assert size < 300_000 and len(set(read)) < 40, (query, size, read)
        body = [n for n in set(read) if n[0] == "b"]
        assert sum(len(files[n]) for n in body) <= BODY_SHARD_BYTES * len(query.split())
    # A word in most bodies keeps only its best topics: a body-only query finds BODY_CAP.
    found = Searcher(loader).rank("overstate")  # a Pitfalls word, never a summary
    assert len(found) == BODY_CAP and all(score <= BODY_MAX for score, _ in found)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
@pytest.mark.parametrize("pack", [False, True], ids=["shards", "packs"])
def test_browser_engine_gives_the_same_results_as_python(
    real, real_bodies, real_pages, tmp_path, pack
) -> None:
    """Both engines, on the index as search_files makes it and as a site holds it (small
    shards joined in packs), give the same results: those of the index without packs."""
    config, records = real
    unpacked = index_of(records, config.synonyms, bodies=real_bodies, pages=real_pages)
    index = packed(unpacked) if pack else unpacked
    assert (
        (len(index) < len(unpacked) / 3) if pack else "packs" not in json.loads(index["meta.json"])
    )
    for name, data in index.items():
        (tmp_path / name).write_bytes(data)
    queries = [[q, []] for q, _, _ in QUERIES] + [
        ["model", ["advanced"]], ["", ["implementation"]], ["the", []], ["Attention!", []],
        ["kv-cache", []], ["数据", []], ["x", []], ["lora zzz", []], ["perplexity", []],
        ["pytorch", ["implementation"]], ["constructor", []], ["lora pytorch", []],
        ["sam", ["training-optimization"]], ["Experience-Replay", []], ["ntk scaling", []],
    ]  # fmt: skip
    (tmp_path / "queries.json").write_text(json.dumps(queries), encoding="utf-8")
    script = Path(__file__).parent / "js" / "run_search_query.js"
    args = ["node", str(script), str(ENGINE_JS), str(tmp_path), str(tmp_path / "queries.json")]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True)
    engine = Searcher(directory_loader(tmp_path))
    in_python = [[[s, t.slug, t.kind] for s, t in engine.search(q, tags)] for q, tags in queries]
    in_node = json.loads(result.stdout)
    assert in_node == in_python
    plain = Searcher(memory_loader(unpacked))
    assert in_python == [
        [[s, t.slug, t.kind] for s, t in plain.search(q, tags)] for q, tags in queries
    ]
    in_body = {q for q, _, kind in QUERIES if kind == "body"} | {"perplexity"}
    assert all(found for (q, _), found in zip(queries, in_node, strict=True) if q in in_body)
    assert sum(len(r) for r in in_python) > 500
    shared = [q for q, _, kind in QUERIES if kind == "shared-name"]
    assert shared and all(in_node[queries.index([q, []])][0][2] == "disambiguation" for q in shared)


# --- body words --------------------------------------------------------------------------


def test_body_shards_split_until_small_and_every_term_is_found_in_its_shard() -> None:
    # 3,000 terms under one two-letter key, some one-letter longer than another.
    terms = [f"ab{a}{b}" for a in "cdefghijklmnopqrstu" for b in "abcdefghijklmnopqrstuvwxyz"]
    terms += [t + "x" * n for n in range(1, 6) for t in terms[:100]] + ["ab", "abc", "a"]
    postings = {t: {d: 1 + d % BODY_MAX for d in range(0, 1000, 7)} for t in terms}
    files = body_files(postings)
    assert len(files) > 10
    for name, data in files.items():
        assert len(data) <= BODY_SHARD_BYTES or len(json.loads(data)) == 1, name
    exists = {n.removesuffix(".json") for n in files}.__contains__
    for term in terms:
        assert term in json.loads(files[body_shard(term, exists)]), term
    assert body_shard("abzz", exists) in (None, *files) and body_shard("zz", exists) is None
    assert sorted(t for data in files.values() for t in json.loads(data)) == sorted(terms)


def test_words_too_long_to_type_are_not_indexed_so_shard_names_stay_short() -> None:
    """A run of one letter in many lengths would split shards letter by letter, to names
    longer than a file system allows."""
    from kbgen.search_body import MAX_BODY_TERM, index_body
    from kbgen.search_index import Vocabulary

    body = "## What\n\n" + " ".join("a" * n for n in range(1, 400)) + " quantisation\n"
    files = index_body([body], [set()], Vocabulary())
    assert max(len(name) for name in files) <= MAX_BODY_TERM + len("b.json")
    terms = {t for data in files.values() for t in json.loads(data)}
    assert max(len(t) for t in terms) <= MAX_BODY_TERM and any(len(t) > 20 for t in terms)


def having_in_body(bodies: dict[str, str], word: str) -> set[str]:
    return {slug for slug, body in bodies.items() if word in words(body_text(body))}


@pytest.mark.parametrize("word", ["perplexity", "pytorch", "recomputation", "deepspeed"])
def test_a_body_word_finds_the_topics_whose_text_holds_it(real, real_bodies, word) -> None:
    config, records = real
    having = having_in_body(real_bodies, word)
    assert 0 < len(having) <= BODY_CAP
    found = ranked(records, word, synonyms=config.synonyms, bodies=real_bodies)
    assert having <= set(found)
    only_body = having - set(ranked(records, word, synonyms=config.synonyms))
    assert only_body, "some topic has the word only in its body"


def test_body_words_are_indexed_from_the_sections_not_the_headings(small) -> None:
    bodies = bodies_in(FIXTURES / "exports" / "topics")
    assert ranked(small, "pitfalls", bodies=bodies) == []  # a section heading in every topic
    text = body_text(bodies["low-rank-adaptation"])
    word = next(w for w in words(text) if len(w) > 6 and not ranked(small, w))
    assert ranked(small, word, bodies=bodies) == ["low-rank-adaptation"]


@pytest.mark.parametrize("query", ["lora", "attention", "quantization", "deepspeed", "adam"])
def test_name_and_summary_hits_come_before_body_hits(real, real_bodies, query) -> None:
    config, records = real
    fields = ranked(records, query, synonyms=config.synonyms)
    everything = ranked(records, query, synonyms=config.synonyms, bodies=real_bodies)
    assert len(everything) > len(fields) > 0
    assert everything[: len(fields)] == fields


def test_several_words_keep_the_field_ranking_among_field_hits(real, real_bodies) -> None:
    config, records = real
    for query in ("lora rank", "attention memory", "kv cache"):
        fields = ranked(records, query, synonyms=config.synonyms)
        everything = ranked(records, query, synonyms=config.synonyms, bodies=real_bodies)
        assert [s for s in everything if s in fields] == fields and fields


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

"""Search finds a shared name's disambiguation page: first for the name itself, followed by
the topics it lists; never for any other query, tag filter or facet count."""

from __future__ import annotations

import json

from kbgen.cli import main
from kbgen.search_index import page_summary
from kbgen.search_query import Searcher, memory_loader
from tests import test_search_index as base
from tests.test_search_index import QUERIES, index_of, searcher

# The bundled sources imported once for this module, as in test_search_index.
real, real_bodies, real_pages = base.real, base.real_bodies, base.real_pages

SHARED = [(q, slug) for q, slug, kind in QUERIES if kind == "shared-name"]


def shared_name_misses(engine, pages) -> dict[str, list[str]]:
    """The shared-name queries whose results do not start with the page, then its topics."""
    by_slug = {p.slug: p for p in pages}
    misses = {}
    for query, slug in SHARED:
        found = engine.search(query)
        first = [t.slug for _, t in found[:1]]
        listed = {t.slug for _, t in found[1 : 1 + len(by_slug[slug].topics)]}
        if first != [slug] or listed != set(by_slug[slug].topics):
            misses[query] = [t.slug for _, t in found[:5]]
    return misses


def test_fixture_lists_every_real_shared_name(real_pages) -> None:
    assert sorted(slug for _, slug in SHARED) == sorted(p.slug for p in real_pages)
    assert len(SHARED) == 5


def test_a_shared_name_finds_its_page_first_then_its_topics(real, real_bodies, real_pages):
    config, records = real
    engine = searcher(records, config.synonyms, real_bodies, real_pages)
    assert shared_name_misses(engine, real_pages) == {}
    titles = {r.slug: r.title for r in records}
    _, sam = engine.search("SAM")[0]
    assert (sam.title, sam.kind, sam.tags, sam.url) == (
        "SAM (disambiguation)", "disambiguation", [], "topics/sam/"
    )  # fmt: skip
    assert sam.summary.startswith("SAM may mean: ")
    page = next(p for p in real_pages if p.slug == "sam")
    assert all(titles[s] in sam.summary for s in page.topics)
    assert engine.search("Experience-Replay")[0][1].slug == "experience-replay"  # any spelling


def test_without_the_pages_the_shared_name_test_fails(real, real_bodies, real_pages):
    config, records = real
    engine = searcher(records, config.synonyms, real_bodies)  # no disambiguation records
    assert set(shared_name_misses(engine, real_pages)) == {q for q, _ in SHARED}


def test_the_pages_change_no_other_result_tag_bitmap_or_empty_listing(
    real, real_bodies, real_pages
):
    config, records = real
    without = searcher(records, config.synonyms, real_bodies)
    with_pages = searcher(records, config.synonyms, real_bodies, real_pages)
    slugs = {p.slug for p in real_pages}
    others = [q for q, _, kind in QUERIES if kind != "shared-name"]
    # A word or the start of a shared name is no name: only the whole name finds the page.
    others += ["experience", "replay", "look", "sam optimizer", "ntk scaling", "ipo dpo", ""]
    for query in others:
        found = [(s, t.slug) for s, t in with_pages.search(query)]
        assert found == [(s, t.slug) for s, t in without.search(query)], query
        assert not slugs & {slug for _, slug in found}, query
    for query, _ in SHARED:  # a tag filter drops the page, which has no tags
        for tag in {t for r in records for t in r.tags}:
            assert [t.slug for _, t in with_pages.search(query, [tag])] == [
                t.slug for _, t in without.search(query, [tag])
            ]
    a = index_of(records, config.synonyms, bodies=real_bodies)
    b = index_of(records, config.synonyms, bodies=real_bodies, pages=real_pages)
    assert a["tag-bitmaps.json"] == b["tag-bitmaps.json"]  # facet counts
    assert a["meta.json"] == b["meta.json"]  # read by every search
    # Only name shards change and page chunks are added: no terms, body or typo entries.
    assert {n for n in a if a[n] != b.get(n)} <= {n for n in a if n[0] == "n"}
    added = {n for n in b if n not in a}
    assert added and all(n[0] == "d" for n in added)
    # A search that is not for a shared name reads the files it read before, the same
    # bytes but for the name shards holding a shared name's key (nsam.json, …).
    changed = {n for n in a if a[n] != b[n]}
    grown = 0
    for query in others:
        read_a, read_b = files_read(a, query), files_read(b, query)
        assert read_a == read_b, query
        assert all(a[n] == b[n] for n in read_a - changed), query
        grown += sum(len(b[n]) - len(a[n]) for n in read_a & changed)
    assert grown < 1000


def files_read(files: dict[str, bytes], query: str) -> set[str]:
    """The index files one search (results included) reads."""
    read: set[str] = set()
    load = memory_loader(files)
    Searcher(lambda name: (read.add(name), load(name))[1]).search(query)
    return read


def test_page_summary_names_every_topic() -> None:
    from kbgen.disambiguation import Disambiguation

    page = Disambiguation("X", "x", ("a", "b", "c"))
    assert page_summary(page, {"a": "A", "b": "B, b", "c": "C"}) == "X may mean: A, B, b or C."
    assert page_summary(Disambiguation("X", "x", ("a", "b")), {}) == "X may mean: a or b."


def test_cli_search_lists_the_page_first(real, capsys) -> None:
    config, _ = real
    assert main(["--project", str(config.root), "search", "--json", "--", "NTK"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["results"][0]
    assert (first["slug"], first["title"], first["tags"]) == ("ntk", "NTK (disambiguation)", [])
    assert first["url"] == "topics/ntk/" and first["kind"] == "disambiguation"
    assert {r["kind"] for r in data["results"][1:]} == {"topic"}
    assert main(["--project", str(config.root), "search", "lookahead"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        " 1. Lookahead (disambiguation)", "    topics/lookahead/"
    ]  # fmt: skip

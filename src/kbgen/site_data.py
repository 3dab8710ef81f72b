"""The files of the site that are data, not pages: the search index, the exports and the
inventory, computed from the topics alone (so beside the pages, :mod:`kbgen.background`)."""

from __future__ import annotations

from kbgen.config import Config, TagInfo
from kbgen.disambiguation import Disambiguation
from kbgen.embed import topics_js
from kbgen.exports import TopicRecord, topics_json
from kbgen.incremental import Memo
from kbgen.inventory import inventory
from kbgen.llms import llms_full_txt, llms_txt
from kbgen.records import Topic
from kbgen.search_index import search_files
from kbgen.search_shards import packed
from kbgen.store import parse_body
from kbgen.templating import tag_anchor
from kbgen.terms import fold

__all__ = ["SEARCH_DIR", "data_files"]

SEARCH_DIR = "assets/kbgen/search"
"""Where the search index goes in the docs folder."""


def data_files(
    config: Config,
    topics: list[Topic],
    records: list[TopicRecord],
    implied: dict[str, list[str]],
    shared: list[Disambiguation],
    used_tags: list[TagInfo],
    redirects: dict[str, str],
    site_name: str,
    site_url: str,
    memo: Memo,
) -> dict[str, bytes]:
    """The files of the site that are data, not pages: the search index, ``topics.json``
    and ``topics.js``, ``objects.inv``, ``llms.txt`` and ``llms-full.txt``."""
    files: dict[str, bytes] = {}
    search_tags = {t.slug: (t.name, tag_anchor(t.name)) for t in used_tags}
    index = search_files(
        records, search_tags, config.synonyms, {t.slug: t.body for t in topics}, shared, memo
    )
    for name, data in packed(index).items():
        files[f"{SEARCH_DIR}/{name}"] = data
    files["topics.json"] = topics_json(topics, site_name, site_url, records, implied, memo).encode()
    files["topics.js"] = memo.get(
        "topics.js",
        (files["topics.json"], tuple(redirects.items())),
        lambda: topics_js(files["topics.json"].decode(), redirects).encode(),
    )
    disambiguation = {fold(d.name): d.url for d in shared}
    # The inventory reads the topics' names, addresses and headings: a text edit keeps it.
    headings = tuple(
        memo.get("headings", t.body, lambda t=t: tuple(s.name for s in parse_body(t.body)[1]))
        for t in sorted(topics, key=lambda t: t.slug)
    )
    names = tuple((r.slug, r.title, tuple(r.aliases), r.url, tuple(r.anchors)) for r in records)
    inventory_key = (site_name, names, headings, tuple(disambiguation.items()))
    files["objects.inv"] = memo.get(
        "inventory",
        inventory_key,
        lambda: inventory(topics, site_name, records, disambiguation),
    )
    files["llms.txt"] = llms_txt(records, site_name, site_url).encode()
    files["llms-full.txt"] = llms_full_txt(topics, records, site_name, site_url, memo).encode()
    return files

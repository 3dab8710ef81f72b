"""A name several topics go by leads to a page that lists every meaning."""

from __future__ import annotations

from dataclasses import asdict

import sphobjinv as soi

from kbgen.build import render_site
from kbgen.config import load_config
from kbgen.disambiguation import shared_names
from kbgen.exports import topic_records
from kbgen.inventory import inventory
from kbgen.records import Topic
from kbgen.resolve import NameIndex
from kbgen.store import load_topics
from tests.helpers import ROOT


def record(slug: str, title: str, aliases: tuple[str, ...] = ()) -> dict:
    return {"slug": slug, "title": title, "aliases": list(aliases), "url": f"topics/{slug}/"}


RECORDS = [
    record("sam", "SAM (Segment Anything Model)"),
    record("sharpness-aware-minimization", "Sharpness-Aware Minimization (SAM)"),
    record("load-balancing", "Load Balancing (MoE)", ("Load Balancing",)),
    record("mixture-of-experts", "Mixture of Experts (MoE)", ("Mixture of Experts", "MoE")),
    record("lora", "Low-Rank Adaptation (LoRA)"),
    record("lora-dora", "LoRA / DoRA"),
]


def test_a_name_two_titles_spell_out_is_shared() -> None:
    [sam] = shared_names(RECORDS)
    assert sam.name == "SAM" and sam.topics == ("sam", "sharpness-aware-minimization")
    # `sam` is a topic's slug already: that page lists the others, the list has its own.
    assert sam.owner == "sam" and sam.url == "topics/sam-disambiguation/"
    # A context (`(MoE)`) or a combined entry (`LoRA / DoRA`) shares no name.


def test_the_resolver_leads_a_shared_name_to_its_page() -> None:
    index = NameIndex(RECORDS)
    [found] = index.lookup("sam")
    assert found.url == "topics/sam-disambiguation/" and found.title == "SAM (disambiguation)"
    # `(MoE)` is the context of Load Balancing, not its name: MoE is one topic's.
    assert [r.slug for r in index.lookup("MoE")] == ["mixture-of-experts"]


def test_objects_inv_has_a_term_for_the_shared_name() -> None:
    topics = [Topic(r["slug"], r["title"], body="## What\n\nText.\n") for r in RECORDS]
    inv = soi.Inventory(zlib=inventory(topics, "KB"))
    terms = {o.name: o.uri for o in inv.objects}
    assert terms["sam"] == "topics/sam-disambiguation/"


def test_the_real_knowledge_base_has_pages_for_sam_ipo_and_experience_replay() -> None:
    config = load_config(ROOT)
    topics = [t.topic for t in load_topics(config.topics_dir)[0]]
    shared = {d.name: d for d in shared_names(asdict(r) for r in topic_records(topics))}
    assert {"SAM", "IPO", "Experience Replay"} <= set(shared)
    files = render_site(config, topics, "KB")
    for d in shared.values():
        page = files[f"topics/{d.slug}.md"].decode()
        for slug in d.topics:
            assert f"]({slug}.md)" in page
            # Each topic page points at the other meanings and at the list.
            assert f"]({d.slug}.md)" in files[f"topics/{slug}.md"].decode()
    sam = files[f"topics/{shared['SAM'].slug}.md"].decode()
    assert "Segment Anything" in sam and "Sharpness-Aware Minimization" in sam
    assert "segmentation" in sam.lower()  # with each topic's summary

"""A name several topics go by leads to a page that lists every meaning."""

from __future__ import annotations

import json
import re
from dataclasses import asdict

import hypothesis
import sphobjinv as soi

import kbgen.importer as importer
from kbgen.build import render_site
from kbgen.classify import subject_tags
from kbgen.config import load_config
from kbgen.disambiguation import implied_names, qualified_slugs, shared_names
from kbgen.exports import topic_records
from kbgen.importer import run_import
from kbgen.inventory import inventory
from kbgen.records import Topic
from kbgen.resolve import NameIndex
from kbgen.slugs import topic_slug
from kbgen.store import load_topics
from tests.helpers import ROOT, make_project


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
            assert f'href="../{d.slug}/"' in files[f"topics/{slug}.md"].decode()
    sam = files[f"topics/{shared['SAM'].slug}.md"].decode()
    assert "Segment Anything" in sam and "Sharpness-Aware Minimization" in sam
    assert "segmentation" in sam.lower()  # with each topic's summary


def topic(slug: str, title: str, tags: list[str], body: str, aliases=()) -> Topic:
    return Topic(slug, title, aliases=list(aliases), tags=tags, body=f"## What\n\n{body}\n")


IMPLIED = [
    topic("lookahead-decoding", "Lookahead Decoding", ["decoding"], "Guesses n-grams ahead."),
    topic("lookahead-optimizer", "Lookahead Optimizer", ["training"], "Slow and fast weights."),
    # `Weight` is a word of its own in the texts: a modifier, not a name.
    topic("weight-decay", "Weight Decay", ["training"], "Shrinks each weight."),
    topic("weight-tying", "Weight Tying", ["architectures"], "Shares a matrix."),
    # The same subject: kinds of one thing, not two meanings.
    topic("circuit-analysis", "Circuit Analysis", ["interp"], "Finds subgraphs."),
    topic("circuit-discovery", "Circuit Discovery", ["interp"], "Automates it."),
    topic("ntk", "Neural Tangent Kernel (NTK)", ["theory"], "Wide nets.", ["NTK"]),
    topic("ntk-scaling", "NTK Scaling", ["long-context"], "Extend with NTK or PI."),
    topic("yarn", "YaRN / NTK-aware RoPE Scaling", ["long-context"], "Rescales RoPE."),
    # An acronym starting a name in its own sense, never used alone there.
    topic("llm", "Large Language Models (LLM)", ["architectures"], "Big models.", ["LLM"]),
    topic("llm-watermarking", "LLM Watermarking", ["security"], "Marks generated text."),
]
SUBJECTS = {t for x in IMPLIED for t in x.tags}


def test_names_the_texts_imply_for_two_concepts() -> None:
    implied = implied_names(IMPLIED, SUBJECTS)
    assert implied == {
        "Lookahead": ["lookahead-decoding", "lookahead-optimizer"],
        "NTK": ["ntk", "ntk-scaling", "yarn"],
    }
    records = [asdict(r) for r in topic_records(IMPLIED)]
    pages = {d.name: d for d in shared_names(records, implied)}
    assert pages["Lookahead"].url == "topics/lookahead/"
    assert pages["NTK"].topics == ("ntk", "ntk-scaling", "yarn")
    # The topic with the name's slug keeps it when nothing moves it: the list goes beside.
    assert pages["NTK"].url == "topics/ntk-disambiguation/"
    # Without `shared_names` from topics.json, records alone know neither.
    assert {d.name for d in shared_names(records)} == set()
    index = NameIndex(records, implied)
    assert [r.url for r in index.lookup("lookahead")] == ["topics/lookahead/"]
    # A subject tag is needed: `implementation` alone says nothing.
    assert implied_names(IMPLIED, set()) == {}


def test_a_topic_on_a_shared_names_slug_moves_to_its_qualified_slug() -> None:
    topics = [Topic(r["slug"], r["title"], body="## What\n\nText.\n") for r in RECORDS]
    topics.append(topic("replay", "Experience Replay", ["cl"], "Rehearse old tasks."))
    topics.append(topic("er", "Replay / Experience Replay", ["rl"], "A buffer of steps."))
    topics[-2].slug = "experience-replay"
    taken = {t.slug for t in topics}
    moved = qualified_slugs(topics, {"experience-replay": "Continual Learning"}, taken)
    assert moved == {
        "sam": "sam-segment-anything-model",
        "experience-replay": "experience-replay-continual-learning",
    }


def test_the_real_knowledge_base_gives_every_shared_name_its_own_url() -> None:
    config = load_config(ROOT)
    topics = [t.topic for t in load_topics(config.topics_dir)[0]]
    implied = implied_names(topics, subject_tags(config))
    assert {"Lookahead", "NTK"} <= set(implied)
    records = [asdict(r) for r in topic_records(topics)]
    shared = {d.name: d for d in shared_names(records, implied)}
    assert {"SAM", "IPO", "Experience Replay", "Lookahead", "NTK"} <= set(shared)
    for d in shared.values():  # at the name's own URL, the topic there moved
        assert d.slug == topic_slug(d.name) and not d.owner
    files = render_site(config, topics, "KB")
    data = json.loads(files["topics.json"])
    index = NameIndex(data["topics"], data["shared_names"])
    inv = {o.name: o.uri for o in soi.Inventory(zlib=files["objects.inv"]).objects}
    for name, d in shared.items():
        assert [r.url for r in index.lookup(name)] == [d.url]
        assert inv[name.lower()] == d.url
        assert f"topics/{d.slug}.md" in files
    # The topics that held those slugs keep a page of their own, listed there.
    assert "](sam-segment-anything-model.md)" in files["topics/sam.md"].decode()
    assert "](ipo-identity-preference-optimization.md)" in files["topics/ipo.md"].decode()
    # A mention of NTK in a theory text still links the kernel, not the list.
    mean_field = files["topics/mean-field-theory-of-neural-networks.md"].decode()
    assert "ntk/" not in mean_field


SAM_CSV = """term,definition
SAM (Segment Anything Model),A promptable image segmentation model.
Sharpness-Aware Minimization (SAM),An optimizer that seeks flat minima.
"""


def test_import_moves_an_edited_topic_off_the_shared_names_slug(tmp_path, monkeypatch) -> None:
    config = make_project(tmp_path, {"terms.csv": SAM_CSV})
    # A store from before: the topic sits at `sam`, and an editor changed it.
    with monkeypatch.context() as m:
        m.setattr(importer, "qualified_slugs", lambda *a, **k: {})
        run_import(config)
    old = config.topics_dir / "sam.md"
    old.write_text(old.read_text().replace("A promptable", "A promptable (edited)"))
    result = run_import(config)
    new = config.topics_dir / "sam-segment-anything-model.md"
    assert not old.exists() and "A promptable (edited)" in new.read_text()
    assert result.redirects["sam"] == "sam-segment-anything-model" and not result.conflicts
    # Settled: the next import moves nothing, and the name's URL is its list's.
    assert run_import(config).written == []
    topics = [t.topic for t in load_topics(config.topics_dir)[0]]
    files = render_site(config, topics, "KB")
    assert "](sam-segment-anything-model.md)" in files["topics/sam.md"].decode()
    assert "topics/sam/index.html" not in files  # the list, not a redirect, holds the URL


@hypothesis.given(hypothesis.strategies.text(alphabet="<!-> a\n", max_size=60))
def test_comments_are_dropped_as_by_the_plain_pattern(text: str) -> None:
    """The linear scan gives what ``re.sub(r"<!--.*?-->", "")`` gives."""
    from kbgen.disambiguation import _without_comments

    assert _without_comments(text) == re.sub(r"<!--.*?-->", "", text)


_TEXTS = hypothesis.strategies.dictionaries(
    hypothesis.strategies.sampled_from("abcde"),
    hypothesis.strategies.text(alphabet="NTK ntk scaling Look ahead-<!->\n", max_size=40),
    max_size=5,
)


@hypothesis.given(hypothesis.strategies.lists(_TEXTS, min_size=1, max_size=4))
def test_word_counts_kept_between_calls_equal_counts_made_afresh(rounds):
    """Counting only the texts that changed gives what counting every text again gives."""
    from kbgen.disambiguation import WordCounts

    kept = WordCounts()
    for texts in rounds:
        kept.update(texts)
        fresh = WordCounts().update(texts)
        for head, rests in (("NTK", ["scaling"]), ("ntk", []), ("Look", ["ahead"])):
            assert kept.bare(head, rests) == fresh.bare(head, rests)


def test_word_counts_of_one_build_count_the_same_and_keep_no_text_of_their_own() -> None:
    """Counts made once (``per_text=False``, a one-off build) give the same answers and
    hold only the totals, not each text's counts as well."""
    import tracemalloc

    from kbgen.disambiguation import WordCounts

    texts = {t.topic.slug: t.topic.body for t in load_topics(load_config(ROOT).topics_dir)[0]}
    sizes, counts = [], []
    for per_text in (True, False):
        tracemalloc.start()
        words = WordCounts(per_text=per_text).update(texts)
        sizes.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
        counts.append([words.bare(h, r) for h, r in (("NTK", ["scaling"]), ("sam", []))])
    assert counts[0] == counts[1] and counts[0][0] > 0
    assert sizes[1] < 0.75 * sizes[0], sizes  # 0.64 on the bundled topics


@hypothesis.given(
    hypothesis.strategies.lists(
        hypothesis.strategies.sampled_from(["NTK", "ntk", "Ntk", "scaling", "Scaling", "X", "-"]),
        max_size=12,
    ).map(" ".join)
)
def test_word_counts_count_what_every_word_and_pair_counted_gives(text: str) -> None:
    """Case-sensitive counts are kept for upper-case words alone: ``bare`` still gives what
    counting every word and every pair of words, as written and folded, gives."""
    from itertools import pairwise

    from kbgen.disambiguation import _WORD, WordCounts

    words = WordCounts().update({"t": text})
    tokens = _WORD.findall(text)
    folded = [t.casefold() for t in tokens]
    for head, rests in (("NTK", ["scaling"]), ("X", ["NTK", "ntk"]), ("ntk", ["Scaling"])):
        following = {r.split()[0] for r in rests}
        if head.isupper():
            pairs = list(pairwise(tokens))
            expected = tokens.count(head) - sum(pairs.count((head, f)) for f in following)
        else:
            key, pairs = head.casefold(), list(pairwise(folded))
            expected = folded.count(key) - sum(
                pairs.count((key, f)) for f in {f.casefold() for f in following}
            )
        assert words.bare(head, rests) == expected

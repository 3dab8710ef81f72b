"""No dead ends: every topic page shows at least three other topics."""

from __future__ import annotations

import re

from kbgen.config import load_config
from kbgen.records import Topic
from kbgen.related import MIN_RELATED, fill_related, similar_topics
from kbgen.render import build_pages
from kbgen.store import load_topics
from kbgen.templating import template_env
from tests.helpers import ROOT


def test_similar_topics_rank_by_shared_words() -> None:
    topics = [
        Topic("a", "Alpha", body="## What\n\ndenoise images with a noise schedule\n"),
        Topic("b", "Beta", body="## What\n\nagents learn from rewards\n"),
        Topic("c", "Gamma", body="## What\n\nnoise schedule for denoising images\n"),
    ]
    found = similar_topics(topics, 1)
    assert found["a"] == ["c"] and found["c"] == ["a"]


def test_fill_related_stops_at_three_and_skips_what_is_shown() -> None:
    assert fill_related({"x"}, ["self", "x", "y", "z", "w"], "self") == ["y", "z"]
    assert fill_related({"x", "y", "z"}, ["w"], "self") == []


def test_every_real_topic_page_shows_three_other_topics() -> None:
    config = load_config(ROOT)
    loaded, _ = load_topics(config.topics_dir)
    topics = [t.topic for t in loaded]
    pages = build_pages(topics, config.tags, template_env(ROOT / "templates"))
    short = []
    for slug, text in pages.items():
        # Links in the sanitized source text (``../slug/``) and in the lists (``slug.md``).
        links = re.findall(r"\]\(([a-z0-9-]+)\.md(?:#[^)]*)?\)", text)
        links += re.findall(r'<a href="\.\./([a-z0-9-]+)/(?:#[^"]*)?"', text)
        shown = set(links) - {slug}
        if len(shown) < MIN_RELATED:
            short.append(slug)
    assert short == []

"""Subject tags: keywords in titles, nearest tagged topics, and a hand-labelled sample."""

from __future__ import annotations

from pathlib import Path

import yaml

from kbgen.classify import classify
from kbgen.config import Config, TagInfo, load_config
from kbgen.store import load_topics
from tests.helpers import ROOT

LABELS = Path(__file__).parent / "fixtures" / "labels" / "subject-tags.yml"
AGREEMENT_FLOOR = 0.85

TAGS = {
    "advanced": TagInfo("advanced", "Advanced", subject=False),
    "tokenization": TagInfo("tokenization", "Tokenization", keywords=("Tokenizer",)),
    "generative-models": TagInfo("generative-models", "Generative Models"),
    "reinforcement-learning": TagInfo("reinforcement-learning", "RL"),
}
CONFIG = Config(Path("."), Path("s"), Path("t"), Path("d"), Path("site"), tags=TAGS)


def test_a_keyword_in_the_title_gives_its_tag_with_the_keyword_as_evidence() -> None:
    found = classify(["BPE Tokenizer Training"], ["Merges byte pairs."], [["advanced"]], CONFIG)
    assert [(a.topic, a.tag) for a in found] == [(0, "tokenization")]
    assert "`Tokenizer`" in found[0].evidence


def test_a_topic_without_subject_takes_the_tag_of_its_nearest_tagged_topics() -> None:
    titles = ["Diffusion Models", "Policy Gradient", "Score Distillation", "Q-Learning"]
    texts = [
        "Denoise images step by step, noise schedule, reverse process, sampling images.",
        "Optimise the policy from rewards, actions and returns of an agent.",
        "Use a denoising diffusion prior on images with a noise schedule.",
        "An agent learns action values from rewards and returns.",
    ]
    tags = [["generative-models"], ["reinforcement-learning"], ["advanced"], []]
    found = {a.topic: a for a in classify(titles, texts, tags, CONFIG)}
    assert found[2].tag == "generative-models" and "Diffusion Models" in found[2].evidence
    assert found[3].tag == "reinforcement-learning" and "Policy Gradient" in found[3].evidence
    assert set(found) == {2, 3}  # tagged topics keep their tags


def test_every_committed_topic_has_a_subject_tag() -> None:
    config = load_config(ROOT)
    subjects = {s for s, info in config.tags.items() if info.subject}
    loaded, _ = load_topics(config.topics_dir)
    assert [t.topic.slug for t in loaded if not set(t.topic.tags) & subjects] == []


def test_assigned_tags_agree_with_the_hand_labelled_sample() -> None:
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    loaded, _ = load_topics(ROOT / "topics")
    tags = {t.topic.slug: set(t.topic.tags) for t in loaded}
    present = {slug: want for slug, want in labels.items() if slug in tags}
    assert len(present) >= 55, "the sample must still name the topics it labels"
    agree = sum(bool(tags[slug] & set(want)) for slug, want in present.items())
    assert agree / len(present) >= AGREEMENT_FLOOR

"""topics.json and objects.inv: content, schema, determinism, on fixtures and the real topics."""

from __future__ import annotations

import copy
import importlib.resources
import json
import random
from pathlib import Path

import jsonschema
import pytest

from kbgen.embed import topics_js
from kbgen.exports import (
    first_sentence,
    math_text,
    schema_json,
    summary,
    topics_json,
)
from kbgen.importer import run_import
from kbgen.inventory import inventory
from kbgen.records import Topic
from kbgen.resolve import read_topics_json
from kbgen.store import load_topics, parse_body
from tests.helpers import make_project

FIXTURES = Path(__file__).parent / "fixtures" / "exports" / "topics"
SCHEMA = json.loads(
    importlib.resources.files("kbgen").joinpath("schema/topics.schema.json").read_text("utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def fixture_topics() -> list[Topic]:
    loaded, problems = load_topics(FIXTURES)
    assert problems == []
    return [t.topic for t in loaded]


@pytest.fixture(scope="module")
def real_topics(tmp_path_factory: pytest.TempPathFactory) -> list[Topic]:
    """The bundled sources imported into a scratch project."""
    config = make_project(tmp_path_factory.mktemp("real"))
    run_import(config)
    loaded, problems = load_topics(config.topics_dir)
    assert problems == []
    return [t.topic for t in loaded]


def by_slug(document: dict) -> dict[str, dict]:
    return {t["slug"]: t for t in document["topics"]}


# --- topics.json ---------------------------------------------------------------------------


def test_topics_json_lists_each_topic_with_its_names_url_summary_and_anchors() -> None:
    doc = json.loads(topics_json(fixture_topics(), "ML KB"))
    assert doc["version"] == 2 and doc["site_name"] == "ML KB" and "site_url" not in doc
    assert doc["$schema"] == "topics.schema.json"
    assert [t["slug"] for t in doc["topics"]] == sorted(p.stem for p in FIXTURES.glob("*.md"))
    lora = by_slug(doc)["low-rank-adaptation"]
    assert lora == {
        "slug": "low-rank-adaptation",
        "title": "Low-Rank Adaptation (LoRA)",
        "aliases": ["LoRA", "Low-Rank Adaptation"],
        "tags": ["implementation", "parameter-efficient-fine-tuning"],
        "url": "topics/low-rank-adaptation/",
        "summary": "LoRA freezes the pretrained weights W and learns a low-rank update Δ W = B A "
        "with rank r ≪ d, e.g. r = 8, as in Hu et al. (2021).",
        "anchors": ["what", "use-when", "how", "pitfalls", "strengths"],
    }


def test_summaries_skip_code_complete_list_lead_ins_and_render_math() -> None:
    topics = by_slug(json.loads(topics_json(fixture_topics(), "KB")))
    assert topics["top-p-sampling"]["summary"].startswith("Top-p, or nucleus, sampling samples")
    assert topics["top-p-sampling"]["summary"].endswith("exceeds p.")
    assert topics["adapter-layers"]["summary"] == (
        "Bottleneck layers inserted into each transformer block: a down-projection; "
        "a non-linearity; an up-projection."
    )
    assert topics["rlhf"]["summary"] == (
        "RLHF fine-tunes a policy π_θ against a reward model, keeping D_KL(π_θ ‖ π_ref) ≤ δ; "
        "see InstructGPT."
    )


def test_repeated_section_names_get_toc_style_unique_anchors() -> None:
    topics = by_slug(json.loads(topics_json(fixture_topics(), "KB")))
    assert topics["adapter-layers"]["anchors"] == ["what", "notes", "notes_1"]


@pytest.mark.parametrize(
    ("markdown", "summary"),
    [
        ("One. Two.", "One."),
        ("Is it? Yes.", "Is it?"),
        ('He said "stop." Then left.', 'He said "stop."'),
        ("> Quoted. More.", "Quoted."),
        ("Uses e.g. GPT-4 here. Next.", "Uses e.g. GPT-4 here."),
        ("See [the docs](http://x.y/z), <b>bold</b>, `code`. Next.", "See the docs, bold, code."),
        ("Keeps snake_case and _emphasis_ apart.", "Keeps snake_case and emphasis apart."),
        ("Costs $5 and $10 in total. Next.", "Costs $5 and $10 in total."),
        ("Minimise $\\frac{1}{2}\\|x\\|^2$ now.", "Minimise 1/2‖x‖^2 now."),
        ("- first item. More.\n- second item", "first item."),
        ("```\ncode only\n```\n", ""),
        ("| a | b |\n|---|---|\n\nAfter the table.", "After the table."),
    ],
)
def test_first_sentence(markdown: str, summary: str) -> None:
    assert first_sentence(markdown) == summary


def test_long_first_sentence_is_cut_at_a_word() -> None:
    summary = first_sentence("word " * 100 + "end.")
    assert len(summary) <= 300 and summary.endswith("word…")


def test_math_text_maps_greek_relations_and_groups() -> None:
    tex = r"\mathbb{E}[\log \pi_\theta] \approx \tfrac{1}{2}\sqrt{\alpha} \le \infty"
    assert math_text(tex) == "E[log π_θ] ≈ 1/2√α ≤ ∞"


def test_a_known_site_url_makes_every_url_absolute(tmp_path: Path) -> None:
    doc = json.loads(topics_json(fixture_topics(), "KB", "https://kb.example.com/ml"))
    assert doc["site_url"] == "https://kb.example.com/ml/"
    assert doc["$schema"] == "https://kb.example.com/ml/topics.schema.json"
    for topic in doc["topics"]:
        assert topic["url"] == f"https://kb.example.com/ml/topics/{topic['slug']}/"
    VALIDATOR.validate(doc)
    # Readers get URLs relative to the site root back, whichever form the file has.
    relative = json.loads(topics_json(fixture_topics(), "KB"))
    (tmp_path / "topics.json").write_text(json.dumps(doc), encoding="utf-8")
    read = read_topics_json(tmp_path / "topics.json")
    assert [t["url"] for t in read["topics"]] == [t["url"] for t in relative["topics"]]


def test_the_schema_ships_in_the_package_as_the_site_publishes_it() -> None:
    assert json.loads(schema_json()) == SCHEMA


def test_output_is_deterministic_whatever_the_input_order() -> None:
    topics = fixture_topics()
    shuffled = copy.deepcopy(topics)
    random.Random(4).shuffle(shuffled)
    assert topics_json(topics, "KB") == topics_json(shuffled, "KB")
    assert inventory(topics, "KB") == inventory(shuffled, "KB")


def test_schema_is_valid_and_accepts_the_fixture_export() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    VALIDATOR.validate(json.loads(topics_json(fixture_topics(), "KB")))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["topics"][0].pop("summary"),
        lambda d: d["topics"][0].update(url="/topics/x"),
        lambda d: d["topics"][0].update(slug="Not A Slug"),
        lambda d: d["topics"][0].update(aliases=["LoRA", "LoRA"]),
        lambda d: d["topics"][0].update(anchors=["Use When"]),
        lambda d: d["topics"][0].update(extra=1),
        lambda d: d.update(version=1),
        lambda d: d.pop("$schema"),
        lambda d: d.update(site_url="kb.example.com"),
        # A site_url with relative topic URLs, or absolute ones without it.
        lambda d: d.update(site_url="https://kb.example.com/"),
        lambda d: d["topics"][0].update(url="https://kb.example.com/topics/x/"),
    ],
)
def test_schema_rejects_a_broken_document(breakage) -> None:
    doc = json.loads(topics_json(fixture_topics(), "KB"))
    breakage(doc)
    assert not VALIDATOR.is_valid(doc)


# --- the real topics -----------------------------------------------------------------------


def test_real_topics_json_validates_and_covers_every_topic(real_topics: list[Topic]) -> None:
    doc = json.loads(topics_json(real_topics, "ML Knowledge Base"))
    VALIDATOR.validate(doc)
    assert [t["slug"] for t in doc["topics"]] == sorted(t.slug for t in real_topics)
    for topic in doc["topics"]:
        assert topic["url"] == f"topics/{topic['slug']}/"
        assert topic["anchors"][0] == "what"
        for mark in ("**", "](", "\\(", "<!--", "`"):
            assert mark not in topic["summary"], topic
    with_summary = [t for t in doc["topics"] if t["summary"]]
    assert len(with_summary) >= 0.9 * len(doc["topics"])


def test_summary_falls_back_to_the_first_section_with_prose():
    body = (
        "## How\n\nIt works like this. More.\n\n## What\n\n```\ncode only\n```\n\n"
        "## Pitfalls\n\nBeware.\n"
    )
    assert summary(parse_body(body)[1]) == "It works like this."
    body_with_what = "## How\n\nIt works. More.\n\n## What\n\nA thing. Detail.\n"
    assert summary(parse_body(body_with_what)[1]) == "A thing."
    assert summary(parse_body("## What\n\n```\nx\n```\n")[1]) == ""


def test_topics_js_holds_the_same_document_with_no_markup_characters() -> None:
    text = topics_json(fixture_topics(), "KB</script><b>", "https://kb.example.com/")
    script = topics_js(text)
    prefix = "(window.kbgenTopics = window.kbgenTopics || {})[document.currentScript.src] = "
    assert script.startswith(prefix) and script.endswith(";\n")
    assert json.loads(script[len(prefix) : -2]) == json.loads(text)
    assert "<" not in script and "\u2028" not in script
    with_redirects = topics_js(text, {"lora": "low-rank-adaptation"})
    assert json.loads(with_redirects[len(prefix) : -2]) == {
        **json.loads(text),
        "redirects": {"lora": "low-rank-adaptation"},
    }

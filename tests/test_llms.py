"""llms.txt and llms-full.txt: the llmstxt.org layout, from the same records as topics.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kbgen.exports import topic_records, topics_json
from kbgen.importer import run_import
from kbgen.llms import llms_full_txt, llms_txt
from kbgen.records import Topic
from kbgen.store import fenced_lines, load_topics
from tests.helpers import make_project

FIXTURES = Path(__file__).parent / "fixtures" / "exports" / "topics"
LINK = re.compile(r"^- \[((?:[^\]\\]|\\.)+)\]\((\S+)\)(?:: (.+))?$")


def fixture_topics() -> list[Topic]:
    return [t.topic for t in load_topics(FIXTURES)[0]]


@pytest.fixture(scope="module")
def real_topics(tmp_path_factory: pytest.TempPathFactory) -> list[Topic]:
    config = make_project(tmp_path_factory.mktemp("real"))
    run_import(config)
    return [t.topic for t in load_topics(config.topics_dir)[0]]


def sections(text: str) -> dict[str, list[str]]:
    """The ``## `` sections of an llms.txt and their lines; the head under ``""``."""
    out: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:]
            out[current] = []
        else:
            out[current].append(line)
    return out


def test_llms_txt_follows_the_convention_and_matches_topics_json(real_topics) -> None:
    site = "https://kb.example.com/ml/"
    records = topic_records(real_topics)
    text = llms_txt(records, "ML Knowledge Base", site)
    parts = sections(text)
    head = [line for line in parts[""] if line]
    assert head[0] == "# ML Knowledge Base" and head[1].startswith("> ")
    assert list(parts) == ["", "Topics", "Optional"]
    doc = json.loads(topics_json(real_topics, "ML Knowledge Base", site, records))
    expected = sorted(doc["topics"], key=lambda t: (t["title"].casefold(), t["slug"]))
    items = [LINK.match(line) for line in parts["Topics"] if line]
    assert None not in items
    assert [(m[2], m[3] or "") for m in items] == [(t["url"], t["summary"]) for t in expected]
    assert [re.sub(r"\\(.)", r"\1", m[1]) for m in items] == [t["title"] for t in expected]
    optional = [LINK.match(line)[2] for line in parts["Optional"] if line]
    assert optional == [f"{site}topics.json", f"{site}objects.inv"]
    assert f"({site}llms-full.txt)" in text


def test_llms_txt_links_are_relative_without_a_site_url() -> None:
    text = llms_txt(topic_records(fixture_topics()), "KB")
    assert "- [QLoRA (Quantized LoRA)](topics/qlora/): " in text
    assert "(topics.json)" in text


def test_hostile_titles_stay_one_list_item() -> None:
    topic = Topic("x", "A](javascript:alert(1)) [b\n## Injected", body="## What\n\nText.\n")
    text = llms_txt(topic_records([topic]), "KB\n## Also")
    assert "\n## Injected" not in text and "\n## Also" not in text
    (item,) = [line for line in sections(text)["Topics"] if line]
    m = LINK.match(item)
    assert m and m[2] == "topics/x/"


def test_a_heading_in_a_section_cannot_start_a_page() -> None:
    body = "## What\n\n# Not a page\n\n```\n# a comment\n```\n"
    topic = Topic("x", "X", body=body)
    text = llms_full_txt([topic], topic_records([topic]), "KB")
    assert "\n\\# Not a page\n" in text and "\n# a comment\n" in text


def test_llms_full_txt_holds_every_page(real_topics) -> None:
    records = topic_records(real_topics)
    text = llms_full_txt(real_topics, records, "ML Knowledge Base", "https://kb.example.com/")
    lines = text.split("\n")
    unfenced = "\n".join(line for line, f in zip(lines, fenced_lines(lines), strict=True) if not f)
    titles = re.findall(r"^# (.+)$", unfenced, re.M)
    assert titles[0] == "ML Knowledge Base"
    assert sorted(titles[1:]) == sorted(" ".join(r.title.split()) for r in records)
    assert "<!-- source:" not in text
    lora = next(t for t in real_topics if t.slug == "low-rank-adaptation")
    # The page runs to the next title: a `# comment` in a code fence is none.
    flags = fenced_lines(lines)
    first = lines.index(f"# {lora.title}")
    last = next(
        i for i in range(first + 1, len(lines)) if lines[i].startswith("# ") and not flags[i]
    )
    page = "\n".join(lines[first:last])
    assert "URL: https://kb.example.com/topics/low-rank-adaptation/" in page
    assert "Also: " + "; ".join(lora.aliases) in page
    assert re.findall(r"^## (.+)$", page, re.M)[:4] == ["What", "Use When", "How", "Pitfalls"]

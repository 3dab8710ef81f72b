import os
from pathlib import Path

import pytest

from kbgen.atomic import replace_directory, write_files
from kbgen.folders import MARKER, MARKER_TEXT
from kbgen.records import SourceRef, Topic
from kbgen.store import (
    BodyPart,
    BodySection,
    compose_body,
    dump_topic,
    guard_text,
    load_topics,
    parse_body,
    parse_topic,
)
from tests.helpers import snapshot

HOSTILE_TITLES = [
    "Key: Value",
    "# not a comment",
    "---",
    "'single' and \"double\" quotes",
    "&anchor",
    "*alias",
    "!tag",
    "[flow, list]",
    "{flow: map}",
    "yes",
    "null",
    "123",
    "  padded",
    "tab\there",
    "emoji 🚀 and α",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_front_matter_round_trips_titles_that_break_yaml(title: str) -> None:
    topic = Topic(
        "t", title.strip(), aliases=[title.strip() + " 2"], tags=["x"], body="## What\n\nx\n"
    )
    loaded, problems = parse_topic(dump_topic(topic), Path("t.md"))
    assert problems == []
    assert loaded.topic.title == title.strip()
    assert loaded.topic.aliases == [title.strip() + " 2"]


def test_dump_then_parse_is_identity() -> None:
    body = compose_body(
        [
            BodySection(
                "What",
                (BodyPart(SourceRef("a.txt", 3), "A."), BodyPart(SourceRef("b.md", 9), "B.")),
            ),
            BodySection("How", (BodyPart(None, "```py\n## not a heading\n```"),)),
        ]
    )
    topic = Topic(
        "lora",
        "LoRA",
        ["Low-Rank Adaptation"],
        ["implementation"],
        [SourceRef("a.txt", 3)],
        ["qlora"],
        body,
        {"owner": "ml-team"},
    )
    text = dump_topic(topic)
    loaded, problems = parse_topic(text, Path("topics/lora.md"))
    assert problems == []
    assert loaded.topic == topic
    assert dump_topic(loaded.topic) == text


def test_parse_body_ignores_headings_and_markers_inside_fences() -> None:
    body = (
        "## What\n\n<!-- source: a.txt:1 -->\n\nx\n\n```\n## fake\n<!-- source: b.txt:2 -->\n```\n"
    )
    preamble, sections = parse_body(body)
    assert preamble == ""
    assert [s.name for s in sections] == ["What"]
    assert [p.source for p in sections[0].parts] == [SourceRef("a.txt", 1)]
    assert "## fake" in sections[0].text


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("no front matter\n", 1, "missing YAML front matter"),
        ("---\ntitle: x\n", 1, "not closed"),
        ("---\ntitle: x\ntags: [a\n---\n", 3, "invalid YAML"),
        ("---\n- a\n---\n", 2, "must be a mapping"),
        ("---\ntitle: x\ntags: implementation\n---\n", 3, "`tags` must be a list"),
        ("---\ntitle: 5\n---\n", 2, "`title` must be a non-empty string"),
        ("---\ntitle: x\nsources:\n  - {file: a.txt, line: zero}\n---\n", 3, "sources"),
    ],
)
def test_broken_topic_files_report_file_and_line(text: str, line: int, fragment: str) -> None:
    _, problems = parse_topic(text, Path("topics/x.md"))
    assert problems, "expected a problem"
    assert problems[0].path == "topics/x.md"
    assert problems[0].line == line
    assert fragment in problems[0].message


def test_load_topics_reports_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_bytes(b"---\ntitle: \xff\n---\n")
    loaded, problems = load_topics(tmp_path)
    assert loaded == []
    assert "not UTF-8" in problems[0].message


def test_replace_directory_keeps_the_old_directory_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "topics"
    target.mkdir()
    (target / "a.md").write_text("old")
    before = snapshot(target)
    with pytest.raises(RuntimeError), replace_directory(target) as scratch:
        (scratch / "a.md").write_text("new")
        (scratch / "b.md").write_text("new")
        raise RuntimeError("half-way")
    assert snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["topics"]


def test_replace_directory_swaps_in_on_success(tmp_path: Path) -> None:
    target = tmp_path / "topics"
    with replace_directory(target) as scratch:
        (scratch / "a.md").write_text("new")
    assert snapshot(target) == {"a.md": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["topics"]


def test_write_files_replaces_files_and_never_writes_into_the_old_ones(tmp_path: Path) -> None:
    target = tmp_path / "topics"
    target.mkdir()
    (target / "a.md").write_text("old a")
    (target / "b.md").write_text("old b")
    os.link(target / "a.md", tmp_path / "a-kept")  # the old a.md's inode, seen from outside
    write_files(target, {"a.md": "new a", "b.md": None, "c.md": "new c"})
    assert snapshot(target) == {MARKER: MARKER_TEXT.encode(), "a.md": b"new a", "c.md": b"new c"}
    assert (tmp_path / "a-kept").read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-kept", "topics"]


@pytest.mark.parametrize(
    ("text", "guarded"),
    [
        ("## Foo", "\\## Foo"),
        ("# Top\n   ### Deep", "\\# Top\n   \\### Deep"),
        ("<!-- source: a:b.txt:3 -->", "\\<!-- source: a:b.txt:3 -->"),
        ("```python\n## code", "```python\n## code\n```"),
        ("```js``` inline\n## Foo", "```js``` inline\n\\## Foo"),
        ("    # indented code", "    # indented code"),
    ],
)
def test_guard_text_escapes_what_would_change_the_structure(text: str, guarded: str) -> None:
    assert guard_text(text, headings=True) == guarded
    assert guard_text(guarded, headings=True) == guarded


def test_repeated_front_matter_keys_are_reported() -> None:
    _, problems = parse_topic("---\ntitle: A\ntags: []\ntitle: B\n---\n", Path("x.md"))
    assert [(p.line, p.message) for p in problems] == [
        (4, "duplicate key `title`: only its last value counts")
    ]

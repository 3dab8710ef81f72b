"""A text several sources give word for word is shown once, with every source label."""

from __future__ import annotations

from kbgen.merge import Group
from kbgen.records import Entry, Section, SourceRef
from kbgen.render import page_sections
from kbgen.sections import section_parts
from kbgen.store import BodyPart, BodySection, compose_body, load_topics, parse_body
from tests.helpers import ROOT

TEXT = "AWQ protects the weights of the largest activation channels."


def entry(file: str, line: int, text: str) -> Entry:
    return Entry("AWQ", SourceRef(file, line), (Section("What", text),))


def test_identical_parts_are_shown_once_with_both_labels() -> None:
    group = Group(
        [entry("a.txt", 1, TEXT), entry("b.txt", 2, f"  {TEXT}\n"), entry("c.md", 3, "Other.")]
    )
    [(name, parts)] = section_parts(group)
    assert name == "What" and [t for _, t in parts].count(TEXT) == 1
    body = compose_body([BodySection(name, tuple(BodyPart(r, t) for r, t in parts))])
    [section] = page_sections(body)
    labels = [(p.label, p.markdown) for p in section.parts]
    assert labels == [("b.txt:2, a.txt:1", TEXT), ("c.md:3", "Other.")]
    assert section.labelled


def test_one_source_giving_a_text_twice_is_still_labelled_when_another_gives_it() -> None:
    group = Group([entry("a.txt", 1, TEXT), entry("b.txt", 2, TEXT)])
    body = compose_body(
        [BodySection(n, tuple(BodyPart(r, t) for r, t in p)) for n, p in section_parts(group)]
    )
    [section] = page_sections(body)
    assert [p.label for p in section.parts] == ["b.txt:2, a.txt:1"] and section.labelled


def test_no_committed_topic_repeats_a_part_word_for_word() -> None:
    loaded, _ = load_topics(ROOT / "topics")
    repeats = []
    for t in loaded:
        for s in parse_body(t.topic.body)[1]:
            texts = [p.text.split() for p in s.parts if p.text.strip()]
            if len({tuple(x) for x in texts}) < len(texts):
                repeats.append(f"{t.topic.slug}#{s.name}")
    assert repeats == []

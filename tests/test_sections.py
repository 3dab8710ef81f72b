"""A text several sources give word for word is shown once, with every source label."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kbgen import sections
from kbgen.merge import Group
from kbgen.records import Entry, Section, SourceRef
from kbgen.render import page_sections
from kbgen.sections import dedupe_parts, section_parts
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


def _add_part_pairwise(parts: list[tuple[SourceRef, str]], ref: SourceRef, text: str) -> None:
    """The definition ``dedupe_parts`` keeps: compare each part with every earlier one."""
    words = text.split()
    for i, (_, earlier) in enumerate(parts):
        if earlier and earlier.split() == words:
            parts.insert(i, (ref, ""))
            return
    parts.append((ref, text))


_TEXTS = st.lists(st.sampled_from(["a b", "a  b", " a b\n", "b a", "a", "", " ", "\t\n", "c"]))


@settings(max_examples=300, deadline=None)
@given(texts=_TEXTS)
def test_dedupe_parts_equals_the_pairwise_definition(texts: list[str]) -> None:
    given_parts = [(SourceRef(f"s{i}.txt", i + 1), t) for i, t in enumerate(texts)]
    expected: list[tuple[SourceRef, str]] = []
    for ref, text in given_parts:
        _add_part_pairwise(expected, ref, text)
    assert dedupe_parts(given_parts) == expected


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.text(st.sampled_from("ab \n\t"), max_size=6), max_size=12))
def test_dedupe_parts_equals_the_pairwise_definition_on_any_text(texts: list[str]) -> None:
    given_parts = [(SourceRef("s.txt", i + 1), t) for i, t in enumerate(texts)]
    expected: list[tuple[SourceRef, str]] = []
    for ref, text in given_parts:
        _add_part_pairwise(expected, ref, text)
    assert dedupe_parts(given_parts) == expected


def test_a_topic_of_thousands_of_parts_splits_each_text_once(monkeypatch) -> None:
    calls = []

    def counted(text: str) -> tuple[str, ...]:
        calls.append(text)
        return tuple(text.split())

    monkeypatch.setattr(sections, "_words", counted)
    count = 5000  # every other text repeats an earlier one, as merged glossaries do
    group = Group([entry(f"g{i}.txt", i + 1, f"Text {i // 2} of the topic.") for i in range(count)])
    [(_, parts)] = section_parts(group)
    assert len(calls) == count  # pairwise comparing would split about count² / 2 texts
    assert [t for _, t in parts].count("") == count // 2
    assert len(parts) == count

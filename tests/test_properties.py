"""Hypothesis properties of the loader: the splitter, the readers, the store, the merge and
the import.

* ``split_title`` never crashes, and its title and description are the line again;
* the readers and the decoder never crash, whatever the text or bytes; every ``- `` line of
  a tagged list is exactly one entry;
* a topic file reads back as written, whatever its titles and section texts;
* every entry lands in exactly one topic; import is idempotent; slugs stay put when
  unrelated entries come and go.

Example counts are modest, so that the module runs in well under 30 s on two cores.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbgen.config import Config, load_config
from kbgen.importer import run_import
from kbgen.merge import group_entries
from kbgen.records import Entry, Section, SourceRef, Topic
from kbgen.sources import READERS, decode, read_source
from kbgen.sources.tagged import TaggedListReader, split_title
from kbgen.store import (
    BodyPart,
    BodySection,
    _scalar,
    _yaml_scalar,
    compose_body,
    dump_topic,
    guard_text,
    parse_body,
    parse_topic,
)

FAST = settings(max_examples=200, deadline=None)
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text made of the pieces the formats are built from, so that examples reach deep paths.
TOKENS = [
    "## ", "# ", "### ", "- ", "  [What] ", "  [How] ", "  [Use When] ", "  [Pitfalls] ",
    "Tag: ", "3 topic(s)", "```", "~~~", "```python", "**What It Is**:", "**Weaknesses**:",
    "<!-- source: a.txt:1 -->", "---", " — ", " / ", " & ", "(", ")", "LoRA", "Low-Rank",
    "Adaptation", "RAG", "Tree-of-Thoughts", "SAM", "the ", "is ", "\t", "\r", " ", "\n",
    "\n\n", "\u200b", "\u202e", "\x85", "\u2028", "é", "数据", "<script>", "{{ x }}", ":",
]  # fmt: skip
MARKDOWNISH = st.lists(st.sampled_from(TOKENS) | st.text(max_size=6), max_size=40).map("".join)
LINE = st.text(st.characters(exclude_characters="\n"), max_size=60) | MARKDOWNISH.map(
    lambda s: s.replace("\n", " ")
)


# The splitter and the readers ---------------------------------------------------------


@FAST
@given(LINE)
def test_split_title_never_crashes_and_reassembles_the_line(line: str) -> None:
    title, description = split_title(line)
    assert title + description == line.strip()
    assert bool(title) == bool(line.strip())


@FAST
@given(st.text() | MARKDOWNISH)
def test_every_reader_reads_any_text_without_raising(text: str) -> None:
    for reader in READERS:
        reader.detect(text)
        entries, problems = reader.parse(text, "any.md")
        assert all(isinstance(e, Entry) and e.title.strip() for e in entries)
        assert all(p.path == "any.md" and p.line >= 0 for p in problems)


@FAST
@given(st.binary(max_size=300) | MARKDOWNISH.map(lambda s: s.encode("utf-8", "replace")))
def test_any_bytes_decode_and_read_without_raising(data: bytes) -> None:
    source, _ = decode(data, "any.txt")
    assert "\r" not in source.text and "\ufeff" not in source.text
    read_source(source)


@FAST
@given(st.lists(LINE, min_size=1, max_size=12))
def test_every_dash_line_of_a_tagged_list_is_one_entry(lines: list[str]) -> None:
    text = "Tag: any\n9 topic(s)\n" + "".join(f"- {line}\n" for line in lines)
    entries, _ = TaggedListReader().parse(text, "list.txt")
    assert [e.ref.line for e in entries] == list(range(3, 3 + len(lines)))
    for entry, line in zip(entries, lines, strict=True):
        if line.strip():
            title, description = split_title(line)
            assert entry.title == title
            assert entry.section("What") == (description or title)


# The store ----------------------------------------------------------------------------

NAME = st.text(min_size=1, max_size=30).filter(str.strip).map(str.strip)


@FAST
@given(NAME, st.lists(NAME, max_size=3), st.lists(NAME, max_size=3))
def test_front_matter_reads_back_as_written(
    title: str, aliases: list[str], tags: list[str]
) -> None:
    topic = Topic("t", title, aliases, tags, [SourceRef(title, 1)], body="## What\n\nx\n")
    loaded, problems = parse_topic(dump_topic(topic), Path("t.md"))
    assert problems == []
    assert loaded is not None and loaded.topic == topic


@FAST
@given(st.text() | st.lists(st.text(max_size=8), max_size=4))
def test_yaml_values_are_written_as_pyyaml_would(value: str | list[str]) -> None:
    assert _scalar(value) == _yaml_scalar(value)


@FAST
@given(st.lists(st.tuples(st.sampled_from(["What", "How", "Pitfalls"]), MARKDOWNISH), max_size=4))
def test_a_body_reads_back_section_by_section(parts: list[tuple[str, str]]) -> None:
    names = list(dict.fromkeys(name for name, _ in parts))
    sections = [
        BodySection(
            name,
            tuple(
                BodyPart(SourceRef("a.md", i + 1), guard_text(text, headings=True).strip("\n"))
                for i, (n, text) in enumerate(parts)
                if n == name and text.strip()
            ),
        )
        for name in names
    ]
    _, found = parse_body(compose_body(sections))
    assert [s.name for s in found] == names
    for written, read in zip(sections, found, strict=True):
        assert [p.source for p in read.parts] == [p.source for p in written.parts]
        assert compose_body([read]) == compose_body([written])


# The merge and the import -------------------------------------------------------------

WORDS = ["Alpha", "Beta", "Gamma", "Delta", "Kernel", "Tree", "Thought", "Graph", "Adam"]
ACRONYMS = ["AB", "GD", "KT", "ToT", "LoRA", "AdamW"]


@st.composite
def titles(draw: st.DrawFn, prefix: str = "") -> str:
    """Titles that often name the same concept differently: acronyms, plurals, ``A / B``."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
    title = prefix + " ".join(words) + draw(st.sampled_from(["", "s", "-Based", " Method"]))
    if draw(st.booleans()):
        title += f" ({prefix.strip()[:1]}{draw(st.sampled_from(ACRONYMS))})"
    if draw(st.integers(0, 4)) == 0:
        title = f"{title} / {draw(st.sampled_from(WORDS))}"
    return title


def notes(entries: list[str]) -> str:
    return "## Area\n" + "".join(f"- {t} — about {t}.\n  [What] What of {t}.\n" for t in entries)


@FAST
@given(st.lists(titles(), min_size=1, max_size=15))
def test_every_entry_lands_in_exactly_one_group(names: list[str]) -> None:
    entries = [
        Entry(t, SourceRef(f"f{i % 3}.md", i + 1), (Section("What", t),))
        for i, t in enumerate(names)
    ]
    config = Config(Path("."), Path("s"), Path("t"), Path("d"), Path("site"))
    groups, _ = group_entries(entries, config)
    grouped = Counter(e.ref for g in groups for e in [*g.entries, *g.notes])
    assert grouped == Counter(e.ref for e in entries)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """One folder for the import examples (a fixture per example would be too slow)."""
    path = Path(tempfile.mkdtemp(prefix="kbgen-properties-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def fresh_project(scratch: Path, text: str) -> Config:
    shutil.rmtree(scratch / "p", ignore_errors=True)
    (scratch / "p" / "sources").mkdir(parents=True)
    (scratch / "p" / "sources" / "notes.md").write_text(text, encoding="utf-8")
    (scratch / "p" / "kbgen.yml").write_text("", encoding="utf-8")
    return load_config(scratch / "p")


def slug_of(result: object, config: Config) -> dict[str, str]:
    """Each entry's title → the slug of the topic it landed in."""
    source, _ = decode((config.sources_dir / "notes.md").read_bytes(), "notes.md")
    entries, _ = read_source(source)
    where = {ref: slug for slug, refs in result.topics.items() for ref in refs}
    return {e.title: where[e.ref] for e in entries}


@SLOW
@given(st.lists(titles(), min_size=1, max_size=10))
def test_import_lands_every_entry_once_and_is_idempotent(scratch: Path, names: list[str]) -> None:
    config = fresh_project(scratch, notes(names))
    result = run_import(config)
    landed = Counter(ref for refs in result.topics.values() for ref in refs)
    assert landed == Counter(e.ref for e in result.entries)
    files = {p.name: p.read_bytes() for p in config.topics_dir.iterdir()}
    assert run_import(config).written == []
    assert {p.name: p.read_bytes() for p in config.topics_dir.iterdir()} == files


@SLOW
@given(
    st.lists(titles(), min_size=1, max_size=8),
    st.lists(titles("Zeta "), max_size=5),
    st.lists(titles("Zeta "), max_size=5),
    st.randoms(use_true_random=False),
)
def test_slugs_stay_put_when_unrelated_entries_come_and_go(
    scratch: Path, kept: list[str], before: list[str], after: list[str], rng: random.Random
) -> None:
    """``Zeta …`` titles never name what the others name, so they merge with none of them."""

    def mixed(others: list[str]) -> str:
        order = kept + others
        rng.shuffle(order)
        return notes(order)

    config = fresh_project(scratch, mixed(before))
    first = slug_of(run_import(config), config)
    (config.sources_dir / "notes.md").write_text(mixed(after), encoding="utf-8")
    second = slug_of(run_import(config), config)
    assert {t: second[t] for t in kept} == {t: first[t] for t in kept}

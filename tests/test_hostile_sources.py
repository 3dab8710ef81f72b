"""Hostile and broken source files: ``kbgen import`` gives a clear ``file:line: message`` or
a documented safe fallback (README, *Sources*), never a traceback or a hang, and drops no
entry.

:data:`CASES` is the table of cases: each runs ``kbgen import --report`` on a project whose
``sources/`` holds its files (from ``fixtures/hostile/sources/``, or generated when big).

* ``error``: the import exits 1, prints ``file:line: message`` and writes nothing.
* ``fallback``: the import exits 0, printing the expected warning if there is one; then
  every entry is in the report and in exactly one topic file, with its title among the
  topic's names and its text stored verbatim (headings escaped); ``kbgen check`` passes;
  a second import changes nothing; and the case's own assertion holds.

Every case runs under an alarm, so a hang fails instead of blocking the suite.
"""

from __future__ import annotations

import io
import re
import shutil
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from kbgen.cli import main
from kbgen.config import Config, load_config
from kbgen.records import Entry
from kbgen.slugs import RESERVED, SLUG, WINDOWS_DEVICES, plain_dashes
from kbgen.sources import read_sources
from kbgen.store import LoadedTopic, guard_text, load_topics, parse_body

FIXTURES = Path(__file__).parent / "fixtures" / "hostile" / "sources"
TIME_LIMIT = 30
"""Seconds any one case may take before it counts as a hang."""

Topics = dict[str, LoadedTopic]


@pytest.fixture(autouse=True)
def time_limit() -> Iterator[None]:
    """Fail a test that runs longer than :data:`TIME_LIMIT` instead of hanging."""
    if not hasattr(signal, "SIGALRM"):  # Windows: no alarm, the CI job's timeout applies
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"no result after {TIME_LIMIT} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TIME_LIMIT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def run(project: Path, *args: str) -> tuple[int, str, str]:
    """Run the CLI; returns the exit code, stdout and stderr with project paths relative."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--project", str(project), *args])
    return code, out.getvalue(), err.getvalue().replace(f"{project}/", "")


def project(tmp_path: Path, files: dict[str, bytes]) -> Config:
    """A project whose ``sources/`` holds exactly ``files``."""
    (tmp_path / "sources").mkdir()
    for name, data in files.items():
        (tmp_path / "sources" / name).write_bytes(data)
    (tmp_path / "kbgen.yml").write_text("", encoding="utf-8")
    return load_config(tmp_path)


def topics(config: Config) -> Topics:
    loaded, problems = load_topics(config.topics_dir)
    assert problems == []
    return {t.topic.slug: t for t in loaded}


def by_title(found: Topics) -> dict[str, LoadedTopic]:
    return {t.topic.title: t for t in found.values()}


def sections(t: LoadedTopic) -> list[str]:
    return [s.name for s in parse_body(t.topic.body)[1]]


def landed(report: str) -> Counter[str]:
    """How often the report's *Where every entry landed* lists each ``file:line``."""
    where = report.split("## Where every entry landed", 1)[1]
    return Counter(re.findall(r"^- (.+:\d+) → [a-z0-9-]+$", where, re.M))


def assert_nothing_dropped(config: Config, report: str) -> list[Entry]:
    """Every entry is in the report once and in one topic, by title and verbatim text."""
    entries, _ = read_sources(config.sources_dir)
    assert entries, "a fallback case must still import something"
    refs = [str(e.ref) for e in entries]
    assert landed(report) == Counter(refs)
    owner = {str(ref): t for t in topics(config).values() for ref in t.topic.sources}
    assert sorted(owner) == sorted(refs)
    for entry in entries:
        t = owner[str(entry.ref)]
        parts = {
            (s.name, str(p.source)): p.text for s in parse_body(t.topic.body)[1] for p in s.parts
        }
        if entry.advice:
            assert ("Practitioner Tips", str(entry.ref)) in parts
            continue
        assert plain_dashes(entry.title) in t.topic.names
        for section in entry.sections:
            text = guard_text(section.body.strip(), headings=True)
            got = parts[(section.name, str(entry.ref))]
            # A text another source gave word for word is kept once, with both labels.
            assert got == text or (got == "" and text in parts.values())
    return entries


# Per-case assertions on the imported store -------------------------------------------


def titles_are(*expected: str) -> Callable[[Config], None]:
    def check(config: Config) -> None:
        assert sorted(by_title(topics(config))) == sorted(expected)

    return check


def tagged(*tags: str) -> Callable[[Config], None]:
    def check(config: Config) -> None:
        assert {tag for t in topics(config).values() for tag in t.topic.tags} == set(tags)

    return check


def files_free_of(pattern: str) -> Callable[[Config], None]:
    def check(config: Config) -> None:
        for path in config.topics_dir.glob("*.md"):
            assert not re.search(pattern, path.read_text(encoding="utf-8")), path.name

    return check


def slugs_are(*expected: str) -> Callable[[Config], None]:
    def check(config: Config) -> None:
        found = sorted(topics(config))
        assert found == sorted(expected)
        assert all(SLUG.fullmatch(s) and s not in RESERVED | WINDOWS_DEVICES for s in found)

    return check


def sections_are(title: str, *expected: str) -> Callable[[Config], None]:
    def check(config: Config) -> None:
        assert sections(by_title(topics(config))[title]) == list(expected)

    return check


def all_of(*checks: Callable[[Config], None]) -> Callable[[Config], None]:
    def check(config: Config) -> None:
        for one in checks:
            one(config)

    return check


def one_topic_from_both_files(config: Config) -> None:
    found = by_title(topics(config))
    assert sorted(found) == ["Alpha Method", "Beta Trick"]
    for t in found.values():
        assert {s.file for s in t.topic.sources} == {
            "duplicates-across-a.txt",
            "duplicates-across-b.txt",
        }
        assert t.topic.tags == ["left", "right"]


def one_topic_for_a_repeated_line(config: Config) -> None:
    alpha = by_title(topics(config))["Alpha Method"]
    assert [s.line for s in alpha.topic.sources] == [3, 5]


def replacement_character_kept(config: Config) -> None:
    assert any("\ufffd" in title for title in by_title(topics(config)))


def script_kept_verbatim(config: Config) -> None:
    found = by_title(topics(config))
    script = found["<script>alert('title')</script>"]
    text = parse_body(script.topic.body)[1][0].text
    assert text.startswith("<img src=x onerror=alert('summary')>\n\n<iframe src=")
    assert "[a link](javascript:alert('link'))" in text
    assert "{{ config.site_name }} and {% include 'x' %}" in script.topic.body
    assert "{{ title }}" in found


def fence_closed_in_its_part(config: Config) -> None:
    found = by_title(topics(config))
    assert sections(found["Fenced Method"]) == ["What", "How", "Pitfalls"]
    assert "```python\n```" in found["Fenced Method"].topic.body
    assert sections(found["Next Method"]) == ["What"]


def headings_escaped(config: Config) -> None:
    heading = by_title(topics(config))["Heading Method"]
    assert sections(heading) == ["What", "How", "Pitfalls"]
    body = heading.topic.body
    assert "\\## Foo" in body and "\\## Not a section" in body and "\\# Top heading" in body
    assert "\\<!-- source: fake.txt:1 -->" in body


# The table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hostile input and what ``kbgen import`` must make of it."""

    name: str
    """Fixture file(s), ``+``-joined; or a generated case's name."""
    area: str
    outcome: str
    """``error`` or ``fallback``."""
    line: int = 0
    """Line of the expected message; 0 when a fallback prints none."""
    message: str = ""
    """Expected message, after ``file:line: `` (and ``warning: `` for a fallback)."""
    expect: Callable[[Config], None] | None = None
    """Further assertion on the imported store (fallbacks)."""


LIST_TITLES = titles_are("Alpha Method", "Beta Trick")
UNRECOGNISED = "unrecognised glossary format"
UTF8 = "not valid UTF-8; undecodable bytes replaced by U+FFFD"
INVISIBLE = "invisible or control character(s) removed"
NO_DESCRIPTION = "no description found: the whole line is the title"

CASES = [
    # Structure: headers, count lines, empty parts, duplicates.
    Case("no-header.txt", "structure", "error", 1, UNRECOGNISED),
    Case("lowercase-header.txt", "structure", "error", 1, UNRECOGNISED),
    Case("empty-file.txt", "structure", "error", 1, UNRECOGNISED),
    Case("prose.md", "structure", "error", 1, UNRECOGNISED),
    Case("binary.dat", "structure", "error", 1, UNRECOGNISED),
    Case("empty-tag.txt", "structure", "fallback", expect=all_of(LIST_TITLES, tagged())),
    Case("odd-tag.txt", "structure", "fallback", expect=tagged("b-odd-b-amp-tag")),
    Case(
        "second-tag-line.txt",
        "structure",
        "fallback",
        5,
        "second `Tag:` header ignored",
        expect=tagged("first"),
    ),
    Case("count-too-high.txt", "structure", "fallback", 2, "count line says 5, found 2 entries"),
    Case("count-too-low.txt", "structure", "fallback", 2, "count line says 1, found 2 entries"),
    Case("count-missing.txt", "structure", "fallback", expect=LIST_TITLES),
    Case(
        "count-garbage.txt",
        "structure",
        "fallback",
        2,
        "ignored: not a `- ` entry, `Tag:` or count line",
        expect=LIST_TITLES,
    ),
    Case(
        "empty-title.txt",
        "structure",
        "fallback",
        3,
        "empty entry: no title or description",
        titles_are("Untitled entry at line 3", "Beta Trick"),
    ),
    Case("title-only.txt", "structure", "fallback", 3, NO_DESCRIPTION),
    Case(
        "notes-no-what.md", "structure", "fallback", 4, "`Bare Name` has no [What] line or summary"
    ),
    Case("guide-empty-heading.md", "structure", "fallback", 7, "heading without a title ignored"),
    Case("duplicates-within.txt", "structure", "fallback", expect=one_topic_for_a_repeated_line),
    Case(
        "duplicates-across-a.txt+duplicates-across-b.txt",
        "structure",
        "fallback",
        expect=one_topic_from_both_files,
    ),
    # Encoding.
    Case("crlf.txt", "encoding", "fallback", expect=all_of(LIST_TITLES, files_free_of("\r"))),
    Case(
        "mixed-endings.txt", "encoding", "fallback", expect=all_of(LIST_TITLES, files_free_of("\r"))
    ),
    Case("bom.txt", "encoding", "fallback", expect=all_of(LIST_TITLES, tagged("bom"))),
    Case("latin1.txt", "encoding", "fallback", 3, UTF8, replacement_character_kept),
    Case("tabs.txt", "encoding", "fallback"),
    Case(
        "tabs-notes.md", "encoding", "fallback", expect=sections_are("Tabbed Method", "What", "How")
    ),
    Case("zero-width.txt", "encoding", "fallback", 3, f"3 {INVISIBLE} (first U+200B)"),
    Case(
        "bidi.txt",
        "encoding",
        "fallback",
        3,
        f"4 {INVISIBLE} (first U+202E)",
        files_free_of("[\u202a-\u202e\u2066-\u2069]"),
    ),
    Case(
        "control-characters.txt",
        "encoding",
        "fallback",
        3,
        f"3 {INVISIBLE} (first U+0000)",
        files_free_of("[\x00-\x08\x0b-\x1f]"),
    ),
    Case(
        "line-separators.md",
        "encoding",
        "fallback",
        expect=all_of(titles_are("Line Separated"), files_free_of("[\x85\u2028\u2029]")),
    ),
    Case("one-megabyte-line", "encoding", "fallback"),
    Case("hundred-thousand-lines", "encoding", "fallback"),
    # Titles that break YAML.
    Case("yaml-titles.md", "yaml", "fallback"),
    Case("yaml-titles.txt", "yaml", "fallback"),
    Case("yaml-file-name", "yaml", "fallback", expect=LIST_TITLES),
    # Titles that make bad slugs.
    Case(
        "slug-same.md",
        "slug",
        "fallback",
        expect=slugs_are("c", "c-2", "c-3", "uber-net", "uber-net-2"),
    ),
    Case(
        "slug-empty.md",
        "slug",
        "fallback",
        expect=slugs_are("topic", "topic-2", "topic-3", "topic-4", "topic-5"),
    ),
    Case(
        "slug-paths.md",
        "slug",
        "fallback",
        expect=slugs_are(
            "topic",
            "topic-2",
            "etc-passwd",
            "absolute-path",
            "c-windows-system32",
            "home",
            "a-2f-2fb",
        ),
    ),
    Case(
        "slug-reserved.md",
        "slug",
        "fallback",
        expect=slugs_are(
            "index-topic",
            "tags-topic",
            "search-topic",
            "browse-topic",
            "assets-topic",
            "404-topic",
            "a-z-topic",
            "topics-topic",
            "con-topic",
            "nul-topic",
            "lpt1-topic",
        ),
    ),
    Case(
        "slug-long.md",
        "slug",
        "fallback",
        2,
        "title cut to 200 characters (a name is at most that long)",
        expect=slugs_are("supercalifragilistic-supercalifragilistic"),
    ),
    # Markup and script: stored verbatim; escaping is the site's job.
    Case("markup.md", "markup", "fallback", expect=script_kept_verbatim),
    Case("markup.txt", "markup", "fallback", 4, NO_DESCRIPTION),
    # Markdown that would break the topic file's structure.
    Case("unclosed-fence.md", "markdown", "fallback", expect=fence_closed_in_its_part),
    Case(
        "stray-rule.md", "markdown", "fallback", expect=sections_are("Ruled Method", "What", "How")
    ),
    Case("headings-in-descriptions.md", "markdown", "fallback", expect=headings_escaped),
    Case(
        "headings.txt",
        "markdown",
        "fallback",
        4,
        NO_DESCRIPTION,
        titles_are("## Hash Title", "---"),
    ),
    Case(
        "guide-unclosed-fence.md",
        "markdown",
        "fallback",
        7,
        "code fence is never closed; it runs to the end of the file",
        sections_are("Fenced Technique", "What", "How"),
    ),
    Case(
        "guide-markers.md", "markdown", "fallback", expect=sections_are("Marked Technique", "What")
    ),
    Case(
        "guide-inline-fence.md",
        "markdown",
        "fallback",
        expect=titles_are("Inline Technique", "Next Technique"),
    ),
    Case(
        "guide-indented-fence.md",
        "markdown",
        "fallback",
        expect=titles_are("Indented Technique", "Next Technique"),
    ),
]


def generated(name: str) -> dict[str, bytes]:
    """The big cases, made here rather than committed.

    The 100,000 lines are practitioner notes, twenty lines an entry: 5,000 topic files are
    what this machine writes, reads and checks in a few seconds (a 100,000-line list is
    read in the test below, without writing a file per line).
    """
    if name == "yaml-file-name":  # made here: a colon in a committed name breaks Windows
        return {"odd [name], #1: 'v2' & *x.txt": (FIXTURES / "bom.txt").read_bytes()}
    if name == "one-megabyte-line":
        words = " ".join(f"Word{i} lower case text" for i in range(40_000))[:1_000_000]
        return {"huge.txt": f"Tag: huge\n1 topic(s)\n- Huge EntryHuge entry {words}\n".encode()}
    lines = ["- Method {0} — summary {0}.", "  [What] What {0},"]
    lines += [f"    line {n} of What," for n in range(9)]
    lines += ["  [Use When] When {0},", "    and when not.", "  [How] How {0},"]
    lines += [f"    step {n}," for n in range(3)]
    lines += ["  [Pitfalls] Pitfall {0},", "    the end.", ""]
    entry = "\n".join(lines) + "\n"
    text = "## Area\n" + "".join(entry.format(i) for i in range(5_000))
    return {"big.md": text.removesuffix("\n").encode()}


def inputs(case: Case) -> dict[str, bytes]:
    if (FIXTURES / case.name.split("+")[0]).exists():
        return {n: (FIXTURES / n).read_bytes() for n in case.name.split("+")}
    return generated(case.name)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_source(case: Case, tmp_path: Path) -> None:
    files = inputs(case)
    check_outcome(case, next(iter(files)), project(tmp_path, files), tmp_path)


def check_outcome(case: Case, name: str, config: Config, tmp_path: Path) -> None:
    """Import the case's project: a clear error naming file and line, or a fallback that
    drops nothing, checks clean and re-imports unchanged."""
    report = tmp_path / "report.md"
    code, _, err = run(tmp_path, "import", "--report", str(report))
    where = f"{name}:{case.line}: "
    if case.outcome == "error":
        assert code == 1
        assert f"{where}{case.message}" in err
        assert not config.topics_dir.exists()
        return
    assert code == 0, err
    if case.message:
        assert f"{where}warning: {case.message}" in err
    else:
        assert err == ""
    assert_nothing_dropped(config, report.read_text(encoding="utf-8"))
    if case.expect:
        case.expect(config)
    assert run(tmp_path, "check")[0] == 0
    assert "; 0 files changed" in run(tmp_path, "import")[1]


def test_a_hundred_thousand_line_list_is_read_in_bounded_time(tmp_path: Path) -> None:
    lines = [f"- Term {i}Term {i} is entry number {i}." for i in range(99_998)]
    data = ("Tag: big\n99998 topic(s)\n" + "\n".join(lines) + "\n").encode()
    config = project(tmp_path, {"big.txt": data})
    entries, problems = read_sources(config.sources_dir)
    assert (len(entries), problems) == (99_998, [])
    assert entries[-1].title == "Term 99997"


def test_the_table_covers_every_area() -> None:
    areas = Counter(c.area for c in CASES)
    assert set(areas) == {"structure", "encoding", "yaml", "slug", "markup", "markdown"}
    outcomes = Counter(c.outcome for c in CASES)
    assert outcomes["error"] + outcomes["fallback"] == len(CASES)
    fixtures = {n for c in CASES for n in c.name.split("+")}
    assert {p.name for p in FIXTURES.iterdir()} <= fixtures, "every fixture is in the table"


def test_a_file_name_that_cannot_be_a_source_marker_is_an_error(tmp_path: Path) -> None:
    config = project(tmp_path, {"fine.txt": FIXTURES.joinpath("bom.txt").read_bytes()})
    shutil.copy(FIXTURES / "crlf.txt", config.sources_dir / "bad\nname.txt")
    shutil.copy(FIXTURES / "crlf.txt", config.sources_dir / "arrow -->.txt")
    code, _, err = run(tmp_path, "import")
    assert code == 1
    assert "'bad\\nname.txt': rename this file: its name holds a control character" in err
    assert "'arrow -->.txt': rename this file: its name holds `-->`" in err


def test_hidden_files_and_folders_are_skipped(tmp_path: Path) -> None:
    data = FIXTURES.joinpath("bom.txt").read_bytes()
    config = project(tmp_path, {"list.txt": data, ".list.txt.swp": b"\x00junk"})
    (config.sources_dir / ".git").mkdir()
    (config.sources_dir / ".git" / "HEAD").write_bytes(b"ref: refs/heads/main\n")
    assert run(tmp_path, "import")[0] == 0
    assert sorted(by_title(topics(config))) == ["Alpha Method", "Beta Trick"]


def test_a_missing_sources_folder_or_a_topics_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "kbgen.yml").write_text("")
    code, _, err = run(tmp_path, "import")
    assert (code, err.splitlines()[0]) == (1, "sources: sources folder not found")
    (tmp_path / "sources").mkdir()
    (tmp_path / "topics").write_text("not a folder")
    code, _, err = run(tmp_path, "import")
    assert code == 2
    assert err.startswith("error: topics_dir in kbgen.yml: topics: it is a file, not a folder")

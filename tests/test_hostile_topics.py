"""Broken hand edits in ``topics/``: ``kbgen check`` reports each as ``file:line: message``
and exits 1, or accepts it as a documented fallback; ``kbgen import`` keeps the editor's
broken file, reports it, and never crashes on it.

:data:`CASES` is the table: each checks a store holding ``fixtures/hostile/topics/good.md``
and the case's file.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from kbgen.config import Config, load_config
from tests.helpers import snapshot

# time_limit: the autouse alarm fixture, so that a hang fails here too.
from tests.test_hostile_sources import run, time_limit  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures" / "hostile" / "topics"
CONFIG = "tags:\n  implementation: {name: Implementation}\n"
NOTES = (
    "## Area\n- Alpha Method — summary.\n  [What] Alpha.\n- Beta Trick — summary.\n  [What] Beta.\n"
)


@dataclass(frozen=True)
class Case:
    """One broken topic file and what ``kbgen check`` must say about it."""

    name: str
    outcome: str
    """``error`` (check exits 1 with the message) or ``fallback`` (accepted)."""
    line: int = 0
    message: str = ""
    reported: str = ""
    """The file the message names, when it is not the case's own."""


ITEM = "each `sources` item must be {file: NAME, line: N} with N >= 1"
NO_FRONT_MATTER = "missing YAML front matter (the file must start with ---)"
MAPPING = "front matter must be a mapping of keys to values"
NO_WHAT = "the topic has no `## What` section"
ONE_LINE = "holds a line break or control character"

CASES = [
    Case("invalid-yaml.md", "error", 3, "invalid YAML front matter: expected ',' or ']'"),
    Case("tab-indent.md", "error", 4, "invalid YAML front matter: found character '\\t'"),
    Case("unclosed-quote.md", "error", 2, "invalid YAML front matter: found unexpected end"),
    Case("python-tag.md", "error", 2, "invalid YAML front matter: could not determine a"),
    Case("title-list.md", "error", 2, "`title` must be a non-empty string"),
    Case("title-empty.md", "error", 2, "`title` must be a non-empty string"),
    Case("tags-string.md", "error", 3, "`tags` must be a list of strings"),
    Case("aliases-mapping.md", "error", 3, "`aliases` must be a list of strings"),
    Case("related-numbers.md", "error", 3, "`related` must be a list of strings"),
    Case("sources-int.md", "error", 3, "`sources` must be a list"),
    Case("source-line-zero.md", "error", 3, ITEM),
    Case("source-line-bool.md", "error", 3, ITEM),
    Case("source-no-file.md", "error", 3, ITEM),
    Case("unknown-tag.md", "error", 3, "unknown tag `implementaton` (did you mean"),
    Case(
        "duplicate-alias.md",
        "error",
        3,
        "name `Good` is already used by duplicate-alias.md",
        "good.md",
    ),
    Case("alias-twice.md", "error", 3, "name `twice` is listed twice in this topic"),
    Case("alias-nfc-twice.md", "error", 3, "name `Cafe\u0301 Method` is listed twice in this"),
    Case("alias-line-break.md", "error", 3, f"name `two\\u000alines` {ONE_LINE} (U+000A)"),
    Case("title-control.md", "error", 2, f"name `Bell\\u0007 Title` {ONE_LINE} (U+0007)"),
    Case("title-bidi.md", "error", 2, f"name `Evil \\u202egnp.exe` {ONE_LINE} (U+202E)"),
    Case("duplicate-key.md", "error", 4, "duplicate key `title`: only its last value counts"),
    Case("missing-related.md", "error", 3, "related topic `goood` does not exist (did you mean"),
    Case("missing-link.md", "error", 7, "link to unknown topic `nothing-here.md`"),
    Case("no-what.md", "error", 5, NO_WHAT),
    Case("empty-what.md", "error", 5, NO_WHAT),
    Case("no-front-matter.md", "error", 1, NO_FRONT_MATTER),
    Case("unclosed-front-matter.md", "error", 1, "front matter is not closed by a --- line"),
    Case("empty.md", "error", 1, NO_FRONT_MATTER),
    Case("front-matter-list.md", "error", 2, MAPPING),
    Case("front-matter-scalar.md", "error", 2, MAPPING),
    Case("not-utf8.md", "error", 2, "not UTF-8 text: invalid continuation byte"),
    Case("Bad Name.md", "error", 0, "file name `Bad Name.md` is not a slug"),
    Case("crlf-bom.md", "fallback"),
    Case("cr-only.md", "fallback"),
    Case("alias-bomb.md", "fallback"),
    Case("heading-only-body.md", "fallback"),
]


def store(tmp_path: Path, *names: str) -> Config:
    """A project whose ``topics/`` holds ``good.md`` and the named fixtures."""
    (tmp_path / "topics").mkdir()
    for name in ("good.md", *names):
        shutil.copy(FIXTURES / name, tmp_path / "topics" / name)
    (tmp_path / "kbgen.yml").write_text(CONFIG, encoding="utf-8")
    return load_config(tmp_path)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_reports_a_broken_topic_with_file_and_line(case: Case, tmp_path: Path) -> None:
    store(tmp_path, case.name)
    code, out, err = run(tmp_path, "check")
    if case.outcome == "fallback":
        assert (code, err, out) == (0, "", "2 topics OK\n")
        return
    where = f"topics/{case.reported or case.name}" + (f":{case.line}" if case.line else "")
    assert code == 1
    assert err.startswith(f"{where}: {case.message}"), err
    assert err.endswith(" topics\n") and err.count("\n") == 2, "one problem, then the summary"


def test_the_table_holds_every_fixture() -> None:
    assert {p.name for p in FIXTURES.iterdir()} == {"good.md", *(c.name for c in CASES)}


def test_import_keeps_a_broken_hand_edit_and_reports_it(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "notes.md").write_text(NOTES, encoding="utf-8")
    (tmp_path / "kbgen.yml").write_text("", encoding="utf-8")
    assert run(tmp_path, "import")[0] == 0
    alpha = tmp_path / "topics" / "alpha-method.md"
    broken = alpha.read_text().replace("tags: [area]", "tags: [area")
    alpha.write_text(broken)
    (tmp_path / "sources" / "notes.md").write_text(NOTES.replace("Alpha.", "Alpha, changed."))
    code, _, err = run(tmp_path, "import")
    assert code == 0
    assert "conflict (editor's version kept): alpha-method: whole file (it does not parse" in err
    assert alpha.read_text() == broken
    code, _, err = run(tmp_path, "check")
    assert code == 1
    assert err.startswith("topics/alpha-method.md:3: invalid YAML front matter")


@pytest.mark.parametrize("name", [c.name for c in CASES if c.name != "good.md"])
def test_import_never_crashes_on_a_broken_topic_of_the_same_slug(name: str, tmp_path: Path) -> None:
    """A source entry whose slug is a broken hand-made file leaves that file alone."""
    (tmp_path / "sources").mkdir()
    title = Path(name).stem.replace("-", " ").title()
    notes = f"## Area\n- {title} — summary.\n  [What] Text.\n"
    (tmp_path / "sources" / "notes.md").write_text(notes, encoding="utf-8")
    config = store(tmp_path, name)
    before = (config.topics_dir / name).read_bytes()
    code, _, err = run(tmp_path, "import")
    assert code == 0, err
    assert (config.topics_dir / name).read_bytes() == before


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("{not json", "unreadable import state (Expecting property name"),
        ('["a list"]', "unreadable import state: not the tables of slugs kbgen writes"),
        ('{"slugs": {"notes.md::alpha": 5}}', "unreadable import state: not the tables"),
        ('{"generated": {"../../escape": "x"}}', "unreadable import state: not the tables"),
        ('{"redirects": {"old": "../x"}}', "unreadable import state: not the tables"),
    ],
)
def test_a_broken_import_state_is_an_error_and_changes_nothing(
    tmp_path: Path, state: str, message: str
) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "notes.md").write_text(NOTES, encoding="utf-8")
    (tmp_path / "kbgen.yml").write_text("", encoding="utf-8")
    (tmp_path / "topics").mkdir()
    (tmp_path / "topics" / ".import-state.json").write_text(state, encoding="utf-8")
    before = snapshot(tmp_path)
    code, _, err = run(tmp_path, "import")
    assert code == 1
    assert err.startswith(f"topics/.import-state.json:1: {message}")
    assert "delete it to import afresh" in err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("tags: [implementation, advanced]\n", "`tags` must map each tag to its name"),
        ("sources_dir: 5\n", "`sources_dir` must be a folder name"),
        ("merge: [Alpha, Beta]\n", "`merge` must be a list of lists of two or more titles"),
        ("tags: {a: b\n", "invalid YAML"),
        ("- a list\n", "kbgen.yml must be a mapping"),
        ("title: caf\xe9\n", "not UTF-8 text"),
    ],
)
def test_a_broken_config_is_an_error_naming_it(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / "kbgen.yml").write_bytes(config.encode("latin-1"))
    for command in ("import", "check"):
        code, _, err = run(tmp_path, command)
        assert code == 1
        assert err.startswith("kbgen.yml:") and message in err.splitlines()[0]

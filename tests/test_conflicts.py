"""An editor's work is never lost: edits during an import, conflicts that stay reported."""

import threading
from pathlib import Path

import pytest

import kbgen.importer as importer
from kbgen.check import run_check
from kbgen.cli import main
from kbgen.importer import run_import
from kbgen.store import parse_body, parse_topic
from tests.helpers import make_project
from tests.test_import import NOTES


@pytest.fixture
def kb(tmp_path: Path):
    config = make_project(tmp_path, {"notes.md": NOTES})
    run_import(config)
    return config


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_save_during_the_import_is_read_again_and_kept(kb, monkeypatch) -> None:
    alpha = kb.topics_dir / "alpha-method.md"
    _edit(kb.sources_dir / "notes.md", "Rarely.", "Upstream pitfall.")
    real = importer._merge_store
    calls = []

    def merge_then_editor_saves(*args, **kwargs):
        changes = real(*args, **kwargs)
        if not calls:  # the editor saves right after the import read the store
            _edit(alpha, "Carefully.", "Editor's way, saved meanwhile.")
        calls.append(1)
        return changes

    monkeypatch.setattr(importer, "_merge_store", merge_then_editor_saves)
    result = run_import(kb)
    text = alpha.read_text()
    assert "Editor's way, saved meanwhile." in text  # the edit is kept
    assert "Upstream pitfall." in text  # and merged with the sources' change
    assert len(calls) == 2
    assert any("saved while the import ran: read again" in str(p) for p in result.problems)


def test_an_editor_who_keeps_saving_keeps_the_file_as_saved(kb, monkeypatch) -> None:
    alpha = kb.topics_dir / "alpha-method.md"
    _edit(kb.sources_dir / "notes.md", "Carefully.", "Upstream way.")
    real = importer._merge_store
    saves = iter(range(100))

    def merge_then_editor_saves(*args, **kwargs):
        changes = real(*args, **kwargs)
        alpha.write_text(f"{alpha.read_text()}\nsave {next(saves)}\n")
        return changes

    monkeypatch.setattr(importer, "_merge_store", merge_then_editor_saves)
    result = run_import(kb)
    monkeypatch.undo()
    assert alpha.read_text().endswith("save 2\n")  # the last save, untouched
    assert "alpha-method: whole file (saved during the import)" in result.conflicts
    # The upstream change is not dropped: the next import merges it with the edits.
    result = run_import(kb)
    assert "Upstream way." in alpha.read_text() and "save 2" in alpha.read_text()


def test_saves_from_another_thread_are_never_lost(kb) -> None:
    """An editor saving in a loop while imports run: the last save always survives."""
    beta = kb.topics_dir / "beta-trick.md"
    base = beta.read_text()
    stop = threading.Event()
    last = []

    def editor() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            text = base.replace("Sometimes.", f"Editor save {n}.")
            tmp = kb.root / ".beta.tmp"  # beside the store, as an atomic save does
            tmp.write_text(text)
            tmp.replace(beta)  # as editors save: write aside, rename over
            last.append(n)

    thread = threading.Thread(target=editor)
    thread.start()
    try:
        for i in range(15):
            _edit(kb.sources_dir / "notes.md", "[What] Alpha", f"[What] Alpha {i}")
            run_import(kb)
    finally:
        stop.set()
        thread.join()
    assert f"Editor save {last[-1]}." in beta.read_text()


def test_a_conflict_stays_reported_until_it_is_resolved(kb, capsys) -> None:
    alpha = kb.topics_dir / "alpha-method.md"
    _edit(alpha, "Carefully.", "Editor's way.")
    _edit(kb.sources_dir / "notes.md", "Carefully.", "Upstream way.")
    root = str(kb.root)
    for _ in range(3):  # every later import reports it again
        assert main(["--project", root, "import"]) == 0
        err = capsys.readouterr().err
        assert "conflict (editor's version kept): alpha-method: section `How`" in err
        assert "Editor's way." in alpha.read_text()
    _, problems = run_check(kb)
    [conflict] = [p for p in problems if "conflict" in p.message]
    assert conflict.path == str(alpha) and conflict.severity == "warning"
    assert alpha.read_text().split("\n")[conflict.line - 1] == "## How"
    assert "kbgen resolve alpha-method" in conflict.message
    # Resolved in favour of the sources: their text, and no conflict any more.
    assert main(["--project", root, "resolve", "--sources", "alpha-method"]) == 0
    assert "Upstream way." in alpha.read_text() and "Editor's way." not in alpha.read_text()
    assert main(["--project", root, "import"]) == 0
    assert "conflict" not in capsys.readouterr().err
    assert not [p for p in run_check(kb)[1] if "conflict" in p.message]


def test_resolving_in_the_editors_favour_keeps_the_edit_for_good(kb, capsys) -> None:
    alpha = kb.topics_dir / "alpha-method.md"
    notes = kb.sources_dir / "notes.md"
    _edit(alpha, "Carefully.", "Editor's way.")
    _edit(notes, "Carefully.", "Upstream way.")
    root = str(kb.root)
    main(["--project", root, "import"])
    assert main(["--project", root, "resolve", "alpha-method"]) == 0
    capsys.readouterr()
    assert main(["--project", root, "import"]) == 0
    assert "conflict" not in capsys.readouterr().err
    assert "Editor's way." in alpha.read_text()
    _edit(notes, "Rarely.", "A new pitfall upstream.")  # a later change merges as usual
    assert run_import(kb).conflicts == []
    assert "A new pitfall upstream." in alpha.read_text() and "Editor's way." in alpha.read_text()
    _edit(notes, "Upstream way.", "Upstream again.")  # the same part changed again: reported
    assert run_import(kb).conflicts == ["alpha-method: section `How`"]


def test_an_editor_who_copies_the_sources_version_resolves_the_conflict(kb) -> None:
    alpha = kb.topics_dir / "alpha-method.md"
    _edit(alpha, "Carefully.", "Editor's way.")
    _edit(kb.sources_dir / "notes.md", "Carefully.", "Upstream way.")
    assert run_import(kb).conflicts
    _edit(alpha, "Editor's way.", "Upstream way.")
    assert not [p for p in run_check(kb)[1] if "conflict" in p.message]
    assert run_import(kb).conflicts == []


def test_resolve_names_an_unknown_slug(kb, capsys) -> None:
    assert main(["--project", str(kb.root), "resolve", "nope"]) == 1
    assert "nope.md: no open conflict" in capsys.readouterr().err


def test_entries_moving_in_a_source_are_no_conflict(kb) -> None:
    """A line inserted above an edited entry shifts its line numbers, nothing else."""
    beta = kb.topics_dir / "beta-trick.md"
    _edit(beta, "Sometimes.", "Editor's pitfall.")
    _edit(beta, "title: Beta Trick (BT)", "title: Beta Trick (BT)\nrelated: [alpha-method]")
    notes = kb.sources_dir / "notes.md"
    text = notes.read_text()
    notes.write_text(text.replace("## Area One\n", "## Area One\n- Gamma New — inserted.\n"))
    result = run_import(kb)
    assert result.conflicts == []
    loaded, _ = parse_topic(beta.read_text(), beta)
    assert "Editor's pitfall." in beta.read_text()
    assert loaded.topic.related == ["alpha-method"]
    # The edited section's marker follows the entry to its new line.
    [pitfalls] = [s for s in parse_body(loaded.topic.body)[1] if s.name == "Pitfalls"]
    [ref] = {p.source for p in pitfalls.parts if p.source}
    assert notes.read_text().split("\n")[ref.line - 1].startswith("- Beta Trick")
    assert [str(s) for s in loaded.topic.sources] == [str(ref)]

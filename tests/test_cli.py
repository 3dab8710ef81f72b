import re
from pathlib import Path

import pytest

from kbgen.cli import main, parser
from tests.helpers import ROOT, make_project

README = (ROOT / "README.md").read_text(encoding="utf-8")
NOTES = "## Area\n- Alpha — a.\n  [What] Alpha.\n- Beta — b.\n  [What] Beta.\n"


def test_readme_documents_every_command() -> None:
    sub = next(a for a in parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"`kbgen {name}" in README, f"README does not document `kbgen {name}`"


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    assert len(blocks) >= 2, "the quick start gives two commands"
    test_command = blocks[1].split("&&")[-1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_import_check_and_report(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    make_project(tmp_path, {"notes.md": NOTES})
    report = tmp_path / "report.md"
    assert main(["--project", str(tmp_path), "import", "--report", str(report)]) == 0
    assert "2 entries → 2 topics" in capsys.readouterr().out
    assert "notes.md:2 → alpha" in report.read_text()
    assert main(["--project", str(tmp_path), "check"]) == 0
    assert "2 topics OK" in capsys.readouterr().out


def test_check_failure_prints_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    make_project(tmp_path, {"notes.md": NOTES})
    main(["--project", str(tmp_path), "import"])
    alpha = tmp_path / "topics" / "alpha.md"
    alpha.write_text(alpha.read_text().replace("title: Alpha", "title: Beta"))
    capsys.readouterr()
    assert main(["--project", str(tmp_path), "check"]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'topics' / 'beta.md'}:2: name `Beta` is already used by alpha.md" in err


def test_unreadable_source_is_an_error_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    make_project(tmp_path, {"notes.md": "just some prose\n"})
    assert main(["--project", str(tmp_path), "import"]) == 1
    assert "notes.md:1: unrecognised glossary format" in capsys.readouterr().err

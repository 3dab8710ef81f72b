import io
import re
import socket
from contextlib import redirect_stderr, redirect_stdout
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


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own exits: --help, --version, usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_kbgen_alone_prints_help() -> None:
    code, out, _ = run()
    assert code == 0
    assert out.startswith("usage: kbgen")
    for command in ("init", "import", "build", "serve", "link"):
        assert re.search(rf"^\s+{command}\s+\w", out, re.M), command


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and re.fullmatch(r"kbgen \d+\.\d+\S*\n", out)


@pytest.mark.parametrize(
    ("typo", "command"), [("biuld", "build"), ("chek", "check"), ("imprt", "import")]
)
def test_a_mistyped_command_gets_a_did_you_mean(typo: str, command: str) -> None:
    code, _, err = run(typo)
    assert code == 2
    assert f"unknown command `{typo}` (did you mean `kbgen {command}`?)" in err


def test_abbreviations_are_not_commands_or_options() -> None:
    assert run("bui")[0] == 2
    assert run("--proj", ".", "check")[0] == 2


def test_project_before_or_after_the_command(tmp_path: Path) -> None:
    make_project(tmp_path, {"notes.md": NOTES})
    assert run("--project", str(tmp_path), "import")[0] == 0
    assert "2 topics OK" in run("check", "--project", str(tmp_path))[1]
    assert "2 topics OK" in run("--project", "/nonexistent", "check", "--project", str(tmp_path))[1]


def test_a_folder_without_kbgen_yml_is_an_error_suggesting_init(tmp_path: Path) -> None:
    for command in ("check", "import", "build", "link"):
        args = [command, "--project", str(tmp_path)] + (["X"] if command == "link" else [])
        code, out, err = run(*args)
        assert code == 2 and out == "", command
        assert f"{tmp_path}: no kbgen.yml here" in err and "kbgen init" in err


def test_link_says_how_to_set_the_site_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(tmp_path, {"notes.md": NOTES})
    run("--project", str(tmp_path), "import")
    (tmp_path / "mkdocs.yml").write_text('site_url: !ENV [KBGEN_SITE_URL, ""]\n')
    monkeypatch.delenv("KBGEN_SITE_URL", raising=False)
    code, out, err = run("link", "Alpha", "--project", str(tmp_path))
    assert (code, out.splitlines()[0]) == (0, "topics/alpha/")
    assert "set site_url in mkdocs.yml (or the KBGEN_SITE_URL variable)" in err
    monkeypatch.setenv("KBGEN_SITE_URL", "https://kb.example.com/docs")
    _, out, err = run("link", "Alpha", "--project", str(tmp_path))
    assert out.splitlines() == [
        "https://kb.example.com/docs/topics/alpha/",
        "[Alpha](https://kb.example.com/docs/topics/alpha/)",
    ]
    assert err == ""


def test_an_ambiguous_link_lists_the_topics(tmp_path: Path) -> None:
    notes = "## Area\n- Alpha One — a.\n  [What] A.\n- Alpha Two — b.\n  [What] B.\n"
    make_project(tmp_path, {"notes.md": notes})
    run("--project", str(tmp_path), "import")
    for slug, alias in (("alpha-one", "Alpha"), ("alpha-two", "alpha")):
        path = tmp_path / "topics" / f"{slug}.md"
        path.write_text(path.read_text().replace("tags:", f"aliases: [{alias}x]\ntags:"))
    code, out, err = run("link", "Alphax", "--project", str(tmp_path))
    # The link leads to the page that lists both; the terminal lists them too.
    assert code == 0
    assert out.splitlines()[0] == "topics/alphax/"
    assert "`Alphax` names 2 topics" in err
    assert "Alpha One  topics/alpha-one/" in err and "Alpha Two  topics/alpha-two/" in err


def test_serve_on_a_port_in_use_says_so(tmp_path: Path) -> None:
    make_project(tmp_path, {"notes.md": NOTES})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run("serve", "--project", str(tmp_path), "--dev-addr", f"127.0.0.1:{port}")
    assert code == 1
    assert f"error: 127.0.0.1:{port} is already in use" in err
    assert f"--dev-addr 127.0.0.1:{port + 1}" in err


def test_progress_is_quiet_when_not_a_terminal_and_shown_on_one(tmp_path: Path) -> None:
    from kbgen import progress

    make_project(tmp_path, {"notes.md": NOTES})
    _, out, err = run("import", "--project", str(tmp_path))
    assert err == "" and out.count("\n") == 1, "a summary line only"
    assert re.fullmatch(r"2 entries → 2 topics in topics/; 2 files changed \(\d+\.\d\d s\)\n", out)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with progress.shown(screen):
        bar = progress.task("Reading sources", 3)
        for _ in range(3):
            bar.advance()
    assert "Reading sources" in screen.getvalue() and "3/3" in screen.getvalue()
    # A whole import on a terminal: a bar per stage, with its counts.
    terminal = Terminal()
    with redirect_stderr(terminal), redirect_stdout(io.StringIO()):
        assert main(["import", "--project", str(tmp_path)]) == 0
    shown = terminal.getvalue()
    assert "Reading sources" in shown and "1/1" in shown
    assert "Merging topics" in shown and "2/2" in shown

"""Folder safety: no setting or option makes kbgen replace a folder it must not."""

import errno
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kbgen.cli import main
from kbgen.folders import MARKER, recover
from kbgen.lock import LOCK_FILE, project_lock
from tests.helpers import make_project, snapshot
from tests.sitekit import make_site_project
from tests.test_import import NOTES


def tree(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` (the project and its parent's other files)."""
    return snapshot(path)


@pytest.fixture
def project(tmp_path: Path):
    root = tmp_path / "kb"
    config = make_project(root, {"notes.md": NOTES})
    (root / "docs").mkdir()
    (root / "docs" / "about.md").write_text("# About\n")
    (tmp_path / "neighbour.txt").write_text("not kbgen's")
    assert main(["--project", str(root), "import"]) == 0
    return config


@pytest.mark.parametrize(
    "site_dir",
    [".", "..", "topics", "sources", "docs", "docs/site", "sources/out", "topics/site", "/"],
)
def test_build_refuses_a_site_folder_that_is_or_holds_the_project(
    project, capsys, monkeypatch, site_dir: str
) -> None:
    root = project.root
    monkeypatch.chdir(root)  # --site-dir is relative to where the command runs
    before = tree(root.parent)
    assert main(["--project", str(root), "build", "--site-dir", site_dir]) == 2
    err = capsys.readouterr().err
    assert "--site-dir" in err and "nothing was changed" in err
    assert tree(root.parent) == before


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("site_dir", "topics"),
        ("site_dir", "."),
        ("site_dir", ".."),
        ("site_dir", "sources"),
        ("site_dir", "docs"),
        ("topics_dir", "."),
        ("topics_dir", ".."),
        ("topics_dir", "sources"),
        ("topics_dir", "docs"),
        ("topics_dir", "site"),
        ("topics_dir", "sources/topics"),
        ("docs_dir", "."),
        ("docs_dir", "topics"),
        ("sources_dir", "topics/sources"),
    ],
)
@pytest.mark.parametrize("command", ["import", "build", "generate", "check"])
def test_a_folder_setting_that_overlaps_another_is_refused_by_every_command(
    project, capsys, setting: str, value: str, command: str
) -> None:
    root = project.root
    (root / "kbgen.yml").write_text(f"{setting}: {value}\n")
    before = tree(root.parent)
    assert main(["--project", str(root), command]) == 2
    err = capsys.readouterr().err
    assert f"{setting} in kbgen.yml" in err or "--project" in err
    assert "nothing was changed" in err
    assert tree(root.parent) == before


def test_a_topic_store_pointing_at_a_foreign_folder_is_refused(project, tmp_path, capsys) -> None:
    system = tmp_path / "etc"
    system.mkdir()
    (system / "passwd").write_text("root:x:0:0")
    (system / "hosts").write_text("127.0.0.1 localhost")
    (project.root / "kbgen.yml").write_text(f"topics_dir: {system}\n")
    before = tree(tmp_path)
    assert main(["--project", str(project.root), "import"]) == 2
    err = capsys.readouterr().err
    assert f"topics_dir in kbgen.yml: {system}" in err and "did not write" in err
    assert tree(tmp_path) == before


def test_a_site_folder_kbgen_did_not_make_is_refused(project, tmp_path, capsys) -> None:
    mine = tmp_path / "my-files"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    before = tree(tmp_path)
    assert main(["--project", str(project.root), "build", "--site-dir", str(mine)]) == 2
    assert "did not write" in capsys.readouterr().err
    assert tree(tmp_path) == before


def test_a_symlink_to_the_project_is_the_project(project, tmp_path, capsys) -> None:
    link = tmp_path / "sneaky"
    link.symlink_to(project.root, target_is_directory=True)
    before = tree(project.root)
    assert main(["--project", str(project.root), "build", "--site-dir", str(link)]) == 2
    assert "project folder" in capsys.readouterr().err
    assert tree(project.root) == before


def test_an_empty_or_marked_store_is_accepted(tmp_path: Path) -> None:
    config = make_project(tmp_path, {"notes.md": NOTES}, "topics_dir: store\n")
    (tmp_path / "store").mkdir()
    assert main(["--project", str(tmp_path), "import"]) == 0
    assert (tmp_path / "store" / MARKER).is_file()
    assert main(["--project", str(tmp_path), "import"]) == 0
    assert config.topics_dir.name == "store"


def test_abbreviated_options_are_not_accepted(project, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--project", str(project.root), "build", "--site", "x"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --site" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--proj", str(project.root), "check"])


def test_mkdocs_build_refuses_a_site_dir_that_is_the_topic_store(tmp_path: Path, caplog) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as load_mkdocs
    from mkdocs.exceptions import Abort, PluginError

    config = make_site_project(tmp_path, {"notes.md": NOTES})
    assert main(["--project", str(tmp_path), "import"]) == 0
    before = snapshot(config.topics_dir)
    with pytest.raises((PluginError, Abort)) as error:
        build(load_mkdocs(config_file=str(tmp_path / "mkdocs.yml"), site_dir="topics"))
    assert "site_dir in mkdocs.yml" in caplog.text + str(error.value)
    assert "it is the topic store" in caplog.text + str(error.value)
    assert snapshot(config.topics_dir) == before


# --- one command at a time -------------------------------------------------------------


def test_a_second_command_is_refused_naming_the_holder(project, capsys) -> None:
    before = tree(project.root)
    with project_lock(project.root, "kbgen build"):
        assert main(["--project", str(project.root), "import"]) == 2
    err = capsys.readouterr().err
    assert f"PID {os.getpid()}, kbgen build" in err
    assert tree(project.root) == before  # and the lock file is gone again
    assert not (project.root / LOCK_FILE).exists()


def test_two_processes_never_interleave(project) -> None:
    """A running build holds the lock; an import started meanwhile is refused at once."""
    root = project.root
    (root / "mkdocs.yml").write_text("site_name: KB\nplugins: [kbgen]\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        other = subprocess.run(
            [sys.executable, "-m", "kbgen", "--project", str(root), "import"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert other.returncode == 2
        assert f"PID {holder.pid}" in other.stderr
    finally:
        holder.kill()
        holder.wait()
    # The kernel released the killed holder's lock: the next command runs.
    assert main(["--project", str(root), "import"]) == 0


HOLD = """
import sys, time
from pathlib import Path
from kbgen.lock import project_lock
with project_lock(Path(sys.argv[1]), "kbgen build"):
    print("locked", flush=True)
    time.sleep(60)
"""


# --- recovery from a killed command -----------------------------------------------------


def test_a_kill_between_the_two_renames_is_restored_by_the_next_command(project, capsys) -> None:
    topics = project.topics_dir
    _edit_topic(project)  # an editor's work, which a re-import would not bring back
    before = snapshot(topics)
    old = topics.with_name(f".{topics.name}.old-4242")
    new = topics.with_name(f".{topics.name}.new-abcd")
    topics.rename(old)  # the first rename of a swap happened, the second did not
    new.mkdir()
    (new / "half.md").write_text("half")
    assert main(["--project", str(project.root), "generate"]) in (0, 1)
    out, err = capsys.readouterr()
    assert f"restored {topics}" in err and "removed .topics.new-abcd" in err
    assert "imported" not in out + err
    assert snapshot(topics) == before
    assert not old.exists() and not new.exists()


def test_leftover_scratch_folders_are_removed_with_a_message(project, capsys) -> None:
    site = project.site_dir
    for name in (f".{site.name}.new-x1", f".{site.name}.old-99", ".topics.new-zz"):
        (project.root / name).mkdir()
        (project.root / name / "f").write_text("scratch")
    assert main(["--project", str(project.root), "check"]) == 0
    err = capsys.readouterr().err
    assert err.count("left by a command that was stopped") == 3
    assert sorted(p.name for p in project.root.iterdir() if p.name.startswith(".")) == []


def test_recover_does_nothing_when_all_is_well(tmp_path: Path) -> None:
    (tmp_path / "topics").mkdir()
    assert recover(tmp_path / "topics") == []


KILL_POINTS = 6


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "SOURCE_DATE_EPOCH": "0"}


def _kill_test(root: Path, source: Path, target: Path, command: list[str]) -> set[str]:
    """Kill ``command`` at spread instants while it changes ``target`` between two states.

    After each kill, ``target`` is the previous state or the next one, complete, once
    the next command has run; no scratch folder is left.
    """
    env = _env()
    texts = [source.read_text(encoding="utf-8")]
    texts.append(texts[0].replace("first summary", "first abstract").replace("does", "did"))
    states = []
    for text in texts:  # the two complete states, and how long a run takes
        source.write_text(text, encoding="utf-8")
        timed = subprocess.run(
            [sys.executable, "-c", TIMED, *command], env=env, capture_output=True, text=True
        )
        states.append(snapshot(target))
    assert states[0] != states[1]
    seconds = float(timed.stdout)
    outcomes = set()
    for i in range(KILL_POINTS):
        current = i % 2  # the state on disk now; the run goes to the other one
        source.write_text(texts[1 - current], encoding="utf-8")
        proc = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            proc.wait(timeout=seconds * (i + 0.5) / KILL_POINTS)
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.wait()
        if not target.exists():
            assert list(root.glob(f".{target.name}.old-*")), f"{target} is gone"
        checked = subprocess.run(
            [*command[:5], "check"], env=env, capture_output=True, timeout=120, text=True
        )
        assert checked.returncode == 0, checked.stderr
        now = snapshot(target)
        assert now in states, f"{target} is neither the old nor the new one"
        outcomes.add("killed" if now == states[current] else "finished")
        assert not list(root.glob(f".{target.name}.*")), "scratch folders left behind"
        # Finish the run, so the next kill starts from a known state.
        subprocess.run(command, env=env, capture_output=True, timeout=300, check=True)
        source.write_text(texts[1 - current], encoding="utf-8")
    return outcomes


@pytest.mark.slow
def test_a_kill_at_any_instant_of_import_leaves_a_complete_store(tmp_path: Path) -> None:
    config = make_project(tmp_path, {"notes.md": NOTES * 1})
    command = [sys.executable, "-m", "kbgen", "--project", str(tmp_path), "import"]
    outcomes = _kill_test(tmp_path, config.sources_dir / "notes.md", config.topics_dir, command)
    assert "killed" in outcomes


@pytest.mark.slow
def test_a_kill_at_any_instant_of_build_leaves_a_complete_site(tmp_path: Path) -> None:
    config = make_site_project(tmp_path, {"notes.md": NOTES}, kbgen_yml="")
    assert main(["--project", str(tmp_path), "import"]) == 0
    command = [sys.executable, "-m", "kbgen", "--project", str(tmp_path), "build"]
    topic = config.topics_dir / "alpha-method.md"  # an editor's change, then the build
    outcomes = _kill_test(tmp_path, topic, config.site_dir, command)
    assert "killed" in outcomes


TIMED = """
import subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], capture_output=True, check=True)
print(time.perf_counter() - start)
"""


# --- errors from the operating system name the file -------------------------------------


def _no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # no file name, as write() gives


@pytest.mark.parametrize(
    ("module", "name", "where"),
    [("pathlib.Path", "write_bytes", "docs"), ("mkdocs.utils", "write_file", "the site into")],
    ids=["generating the pages", "writing the site"],
)
def test_a_full_disk_names_what_could_not_be_written(
    tmp_path: Path, monkeypatch, capsys, module: str, name: str, where: str
) -> None:
    config = make_site_project(tmp_path, {"notes.md": NOTES}, kbgen_yml="")
    assert main(["--project", str(tmp_path), "build"]) == 0
    before = snapshot(config.site_dir)
    _edit_topic(config)
    owner = Path if module == "pathlib.Path" else importlib.import_module(module)
    monkeypatch.setattr(owner, name, _no_space)
    capsys.readouterr()
    assert main(["--project", str(tmp_path), "build"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and where in err and str(tmp_path) in err
    assert "error: :" not in err
    monkeypatch.undo()
    assert snapshot(config.site_dir) == before


def _edit_topic(config) -> None:
    topic = config.topics_dir / "alpha-method.md"
    topic.write_text(topic.read_text().replace("Carefully.", "With care."))

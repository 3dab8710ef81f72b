"""The repository as shipped: its committed topic store and the README's quick start."""

from __future__ import annotations

import shutil

import pytest

from kbgen.check import run_check
from kbgen.cli import main
from kbgen.config import load_config
from kbgen.importer import run_import
from tests.helpers import ROOT, snapshot
from tests.sitekit import make_site_project


def _copy_repo(tmp_path):
    config = make_site_project(tmp_path)
    shutil.copytree(ROOT / "topics", config.topics_dir)
    return load_config(config.root)


def test_committed_topics_pass_check():
    count, problems = run_check(load_config(ROOT))
    assert count > 400
    assert [str(p) for p in problems if p.severity == "error"] == []


def test_committed_topics_are_what_import_makes_of_the_sources(tmp_path):
    """Re-importing the bundled sources over the committed store changes nothing."""
    config = _copy_repo(tmp_path)
    before = snapshot(config.topics_dir)
    result = run_import(config)
    assert result.written == []
    assert result.conflicts == []
    assert snapshot(config.topics_dir) == before


@pytest.mark.slow
def test_quick_start_builds_the_site_from_a_clean_copy(tmp_path, capsys):
    config = _copy_repo(tmp_path)
    assert main(["--project", str(config.root), "build"]) == 0
    out = capsys.readouterr().out
    assert "imported" not in out  # the committed store is used as it is
    assert (config.site_dir / "index.html").is_file()
    pages = list((config.site_dir / "topics").glob("*/index.html"))
    assert len(pages) > 400

"""``kbgen serve`` without a browser: what each rebuild of :class:`kbgen.serve.Preview`
builds, and that a rebuild of the changed pages alone gives the site a whole build gives."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config as load_mkdocs

from kbgen.build import OWNED_DIRS, OWNED_FILES
from kbgen.exceptions import InputError
from kbgen.importer import run_import
from kbgen.serve import Preview, hand_written
from tests.sitekit import free_port, make_site_project
from tests.test_incremental import NOTES  # the same three topics

pytestmark = pytest.mark.slow


@pytest.fixture
def preview(tmp_path):
    project = make_site_project(tmp_path / "kb", {"notes.md": NOTES})
    run_import(project)
    preview = Preview(project, "127.0.0.1", free_port())
    yield preview
    preview.config.plugins.on_shutdown()
    shutil.rmtree(preview.site_dir, ignore_errors=True)


def _build(preview: Preview, capsys) -> str:
    preview.build()
    return capsys.readouterr().err


def _whole_site(preview: Preview, site: Path) -> Path:
    """The same project built whole, from scratch, at the preview's address."""
    config = load_mkdocs(config_file=str(preview.project.root / "mkdocs.yml"), site_dir=str(site))
    config.site_url = preview.url
    mkdocs_build(config, serve_url=preview.url)
    return site


def _differences(left: Path, right: Path) -> list[str]:
    """Files that differ or exist on one side only, but Material's own search index, which
    the site never reads (its header search is kbgen's)."""
    found = []
    for path in sorted({*_files(left), *_files(right)}):
        if path == "search/search_index.json":
            continue
        a, b = left / path, right / path
        if not (a.is_file() and b.is_file() and filecmp.cmp(a, b, shallow=False)):
            found.append(path)
    return found


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_an_edit_builds_the_changed_files_alone_and_gives_the_whole_builds_site(
    preview, tmp_path, capsys
):
    first = _build(preview, capsys)
    assert "(3 rendered): whole MkDocs build" in first
    site = preview.site_dir
    page = site / "topics/speculative-decoding/index.html"
    beam = site / "topics/beam-search/index.html"
    beam_built = beam.stat().st_mtime_ns
    topic = preview.project.topics_dir / "speculative-decoding.md"
    topic.write_text(
        topic.read_text().replace("Latency matters.", "Latency matters; see Key-Value Caching.")
    )
    second = _build(preview, capsys)
    # The edited page and the page it now links to (a new backlink), nothing else.
    assert "(2 rendered): " in second and "file(s) built again" in second, second
    assert "Latency matters; see" in page.read_text()
    assert beam.stat().st_mtime_ns == beam_built
    assert _differences(site, _whole_site(preview, tmp_path / "whole")) == []


def test_a_new_topic_a_deleted_one_and_a_changed_template_get_whole_builds(
    preview, tmp_path, capsys
):
    _build(preview, capsys)
    topics = preview.project.topics_dir
    site = preview.site_dir
    added = topics / "draft-decoding.md"
    text = (topics / "beam-search.md").read_text()
    added.write_text(text.replace("Beam Search", "Draft Decoding").replace("beam-search", "x"))
    assert "dirty MkDocs build" in _build(preview, capsys)
    assert (site / "topics/draft-decoding/index.html").is_file()
    added.unlink()
    assert "dirty MkDocs build" in _build(preview, capsys)
    # The deleted topic's page is gone from the site, not left behind.
    assert not (site / "topics/draft-decoding/index.html").exists()
    override = preview.project.root / "templates/overrides/404.html"
    override.write_text(override.read_text() + "\n{# edited #}\n")
    assert "(3 rendered): whole MkDocs build" in _build(preview, capsys)
    assert _differences(site, _whole_site(preview, tmp_path / "whole")) == []


def test_a_hand_written_page_is_built_again_when_it_changes(preview, capsys):
    _build(preview, capsys)
    about = Path(preview.config.docs_dir) / "about.md"
    about.write_text(about.read_text() + "\n\nA line added while serving.\n")
    assert "dirty MkDocs build" in _build(preview, capsys)
    html = (preview.site_dir / "about/index.html").read_text()
    assert "A line added while serving." in html


def test_a_broken_topic_file_is_reported_and_the_last_site_stays(preview, capsys):
    _build(preview, capsys)
    page = preview.site_dir / "topics/beam-search/index.html"
    before = page.read_bytes()
    topic = preview.project.topics_dir / "beam-search.md"
    topic.write_text(topic.read_text().replace("title:", "title: [unclosed", 1))
    with pytest.raises(InputError) as caught:
        preview.build()
    assert any("beam-search.md" in str(p) for p in caught.value.problems)
    assert page.read_bytes() == before


def test_the_server_watches_the_inputs_and_no_file_kbgen_generates(preview, capsys):
    _build(preview, capsys)
    docs = Path(preview.config.docs_dir)
    (docs / "guides").mkdir()
    (docs / "guides/setup.md").write_text("# Setup\n")
    (docs / "assets/team").mkdir(parents=True)
    watched = {p.relative_to(preview.project.root).as_posix() for p in preview.watched()}
    assert {"topics", "templates", "kbgen.yml", "mkdocs.yml", "docs/about.md"} <= watched
    # A folder that holds none of kbgen's files is one entry; one that does is looked into.
    assert {"docs/guides", "docs/assets/team"} <= watched
    generated = {*OWNED_DIRS, *OWNED_FILES}
    for path in hand_written(docs):
        relative = path.relative_to(docs).as_posix()
        assert not any(relative == g or g.startswith(f"{relative}/") for g in generated)
        assert not any(relative.startswith(f"{g}/") for g in generated)


def test_a_server_stopped_by_sigterm_removes_its_preview_folder(tmp_path):
    """`kill` or a service manager stops `kbgen serve` as Ctrl+C does: the built preview
    (tens of megabytes for a large knowledge base) does not stay behind."""
    project = make_site_project(tmp_path / "kb", {"notes.md": NOTES})
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    port = free_port()
    command = [sys.executable, "-m", "kbgen", "--project", str(project.root), "serve"]
    server = subprocess.Popen(
        [*command, "--dev-addr", f"127.0.0.1:{port}"],
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(scratch.glob("kbgen-serve-*/index.html")):
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    # A stop, not a death by the signal (-15): 0 while serving, 130 while still building.
    assert server.returncode in (0, 130) and "Traceback" not in err, err
    assert not list(scratch.iterdir())

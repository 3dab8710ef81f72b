"""The builder and the MkDocs publisher: generated pages, redirects, strictness, atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sphobjinv as soi

import kbgen.publish as publish
from kbgen.build import generate, load_checked_topics
from kbgen.cli import main
from kbgen.config import load_config
from kbgen.exceptions import BuildError, InputError
from kbgen.importer import run_import
from kbgen.publish import build_site
from kbgen.records import Topic
from kbgen.slugs import redirect_map
from tests.helpers import snapshot
from tests.sitekit import make_site_project

NOTES = """## Inference & Efficiency
- Key-Value Caching (KV Cache) — reuse attention state.
  [What] Key-value caching stores attention keys and values; see Speculative Decoding.
  [How] Keep a buffer per layer.
  [Pitfalls] Memory grows with context.
- Speculative Decoding — draft then verify.
  [What] A small model drafts tokens that a large model verifies, reusing the KV Cache.
  [Use When] Latency matters.
"""
CONFIG = """tags:
  inference-efficiency: {name: Inference & Efficiency, description: Serving.}
"""


@pytest.fixture
def small(tmp_path):
    return make_site_project(tmp_path, {"notes.md": NOTES}, CONFIG)


def test_build_imports_when_topics_are_empty_then_publishes(small, capsys):
    assert main(["--project", str(small.root), "build"]) == 0
    assert "imported the sources" in capsys.readouterr().out
    site = small.site_dir
    for page in ("index.html", "tags/index.html", "a-z/index.html", "browse/index.html"):
        assert (site / page).is_file(), page
    kv = (site / "topics/key-value-caching/index.html").read_text()
    assert 'href="../speculative-decoding/"' in kv
    assert (site / "topics.json").is_file() and (site / "objects.inv").is_file()
    # An alias with a slug of its own redirects to its topic.
    stub = (site / "topics/kv-cache/index.html").read_text()
    assert "url=../key-value-caching/" in stub


def test_generated_pages_are_plain_markdown_mkdocs_can_build_without_kbgen(small, tmp_path):
    """The pages need no plugin: drop the kbgen plugin from mkdocs.yml and build."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    run_import(small)
    generate(small, small.docs_dir, "KB")
    yml = (small.root / "mkdocs.yml").read_text().replace("  - kbgen\n", "")
    (small.root / "plain.yml").write_text(yml)
    config = load_config(str(small.root / "plain.yml"), site_dir=str(tmp_path / "plain-site"))
    build(config)
    page = (tmp_path / "plain-site/topics/speculative-decoding/index.html").read_text()
    assert 'href="../key-value-caching/"' in page


def test_generate_writes_only_changed_files_and_removes_stale_pages(small):
    run_import(small)
    first = generate(small, small.docs_dir, "KB")
    assert first.written > 0
    again = generate(small, small.docs_dir, "KB")
    assert (again.written, again.removed) == (0, 0)
    (small.topics_dir / "speculative-decoding.md").unlink()
    (small.topics_dir / "key-value-caching.md").write_text(
        (small.topics_dir / "key-value-caching.md")
        .read_text()
        .replace("Speculative Decoding", "drafting")
    )
    after = generate(small, small.docs_dir, "KB")
    assert after.removed >= 1
    assert not (small.docs_dir / "topics/speculative-decoding.md").exists()


def test_generate_reads_each_topic_file_once_and_any_line_ends(small, monkeypatch):
    """The store's digest and the topics are read from the same bytes: one read a file, and
    a file with Windows line ends loads as the same topic."""
    run_import(small)
    path = small.topics_dir / "speculative-decoding.md"
    unix = load_checked_topics(small)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    reads: list[str] = []
    for name in ("read_bytes", "read_text"):
        original = getattr(Path, name)

        def counted(self, *args, _original=original, **kwargs):
            if self.parent == small.topics_dir and self.suffix == ".md":
                reads.append(self.name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Path, name, counted)
    assert generate(small, small.docs_dir, "KB").rendered == 2
    topics = sorted(p.name for p in small.topics_dir.glob("*.md"))
    assert sorted(reads) == topics
    assert load_checked_topics(small) == unix


def test_a_build_with_nothing_changed_renders_no_page(small, capsys):
    assert main(["--project", str(small.root), "build"]) == 0
    assert "rendered" in capsys.readouterr().out
    assert main(["--project", str(small.root), "build"]) == 0
    assert "(none changed)" in capsys.readouterr().out
    again = generate(small, small.docs_dir, "KB")
    # The site's name is an input: a new one renders every page again.
    assert again.rendered == again.topics > 0
    assert generate(small, small.docs_dir, "KB").rendered == 0


def test_editing_one_topic_rewrites_its_page_and_the_exports_only(small):
    run_import(small)
    generate(small, small.docs_dir, "KB")
    path = small.topics_dir / "speculative-decoding.md"
    other = small.docs_dir / "topics/key-value-caching.md"
    untouched = other.stat().st_mtime_ns
    path.write_text(path.read_text().replace("Latency matters.", "Latency matters most."))
    done = generate(small, small.docs_dir, "KB")
    # One process renders every page once; only the files whose content changed are written.
    assert done.rendered == done.topics
    assert 1 <= done.written < 10
    assert other.stat().st_mtime_ns == untouched
    page = (small.docs_dir / "topics/speculative-decoding.md").read_text()
    assert "Latency matters most." in page
    assert "Latency matters most." in (small.docs_dir / "llms-full.txt").read_text()


def test_a_generated_file_deleted_or_edited_by_hand_is_restored(small):
    run_import(small)
    generate(small, small.docs_dir, "KB")
    page = small.docs_dir / "topics/key-value-caching.md"
    original = page.read_bytes()
    page.unlink()
    (small.docs_dir / "topics.json").write_text("{}")
    done = generate(small, small.docs_dir, "KB")
    assert done.written == 2
    assert page.read_bytes() == original
    assert json.loads((small.docs_dir / "topics.json").read_text())["topics"]


def test_a_broken_manifest_means_a_full_generation(small):
    from kbgen.manifest import MANIFEST_FILE

    run_import(small)
    generate(small, small.docs_dir, "KB")
    (small.docs_dir / MANIFEST_FILE).write_text("{not json")
    done = generate(small, small.docs_dir, "KB")
    assert done.rendered == done.topics and done.written == 0


def test_generate_refuses_to_overwrite_a_hand_written_page(small):
    run_import(small)
    (small.docs_dir / "tags.md").write_text("# My own tags page\n")
    with pytest.raises(BuildError, match=r"tags\.md"):
        generate(small, small.docs_dir, "KB")


def test_unknown_tag_fails_the_build_with_file_and_line(small, capsys):
    run_import(small)
    build_site(small)
    before = snapshot(small.site_dir)
    path = small.topics_dir / "speculative-decoding.md"
    path.write_text(
        path.read_text().replace("tags: [inference-efficiency]", "tags: [inference-eficiency]")
    )
    line = path.read_text().split("\n").index("tags: [inference-eficiency]") + 1
    assert main(["--project", str(small.root), "build"]) == 1
    err = capsys.readouterr().err
    assert (
        f"{path}:{line}: unknown tag `inference-eficiency` (did you mean `inference-efficiency`?)"
        in err
    )
    assert snapshot(small.site_dir) == before


def test_a_failure_half_way_through_publishing_leaves_the_old_site(small, monkeypatch):
    build_site(small)
    before = snapshot(small.site_dir)

    def broken(config):
        (Path(config.site_dir) / "index.html").write_text("half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(publish, "mkdocs_build", broken)
    with pytest.raises(RuntimeError):
        build_site(small)
    assert snapshot(small.site_dir) == before
    assert not [p for p in small.root.iterdir() if p.name.startswith(".site.new-")]


def test_a_mkdocs_warning_fails_the_build(small):
    run_import(small)
    (small.docs_dir / "about.md").write_text("# About\n\n[broken](no-such-page.md)\n")
    with pytest.raises(BuildError, match="strict"):
        build_site(small)


def test_redirects_skip_reserved_taken_and_ambiguous_slugs():
    topics = [
        Topic("low-rank-adaptation", "Low-Rank Adaptation (LoRA)", ["LoRA", "Tags"]),
        Topic("lora", "LoRA Fine-Tuning", []),
        Topic("sam-a", "Segment Anything", ["SAM Model"]),
        Topic("sam-b", "Sharpness-Aware Minimization", ["SAM Model"]),
    ]
    redirects = redirect_map(topics, {"old-name": "sam-a", "gone": "missing"})
    # `lora` is a topic's own slug, `tags` is reserved, `sam-model` names two topics, and
    # `gone` points at no topic: none of them redirects. Titles' slugs do.
    assert redirects == {
        "old-name": "sam-a",
        "lora-fine-tuning": "lora",
        "segment-anything": "sam-a",
        "sharpness-aware-minimization": "sam-b",
    }


def test_broken_topic_file_fails_generation_listing_every_problem(small):
    run_import(small)
    (small.topics_dir / "broken.md").write_text("---\ntitle: [unclosed\n---\n")
    (small.topics_dir / "no-what.md").write_text("---\ntitle: No What\n---\n\n## How\n\nx\n")
    with pytest.raises(InputError) as info:
        generate(small, small.docs_dir, "KB")
    text = str(info.value)
    assert "broken.md:2: invalid YAML front matter" in text
    assert "no-what.md" in text and "no `## What`" in text


def test_a_broken_import_state_fails_the_build_with_its_file(small, capsys):
    run_import(small)
    state = small.topics_dir / ".import-state.json"
    state.write_text('{"redirects": 5}')
    assert main(["--project", str(small.root), "build"]) == 1
    assert f"{state}:1: unreadable import state" in capsys.readouterr().err


def test_an_unwritable_report_path_is_an_error_not_a_traceback(small, capsys):
    target = small.root / "no-such-folder" / "report.md"
    assert main(["--project", str(small.root), "import", "--report", str(target)]) == 1
    assert "error:" in capsys.readouterr().err


def test_a_topic_merged_into_another_leaves_a_redirect_page(small):
    run_import(small)
    build_site(small)
    assert (small.site_dir / "topics/speculative-decoding/index.html").is_file()
    merge = '\nmerge:\n  - ["Key-Value Caching (KV Cache)", "Speculative Decoding"]\n'
    (small.root / "kbgen.yml").write_text(CONFIG + merge)
    config = load_config(small.root)
    run_import(config)
    build_site(config)
    stub = (config.site_dir / "topics/speculative-decoding/index.html").read_text()
    assert "url=../key-value-caching/" in stub


def test_exports_sit_at_the_site_root_with_the_site_address(small, monkeypatch):
    monkeypatch.setenv("KBGEN_SITE_URL", "https://kb.example.com/")
    build_site(small)
    doc = json.loads((small.site_dir / "topics.json").read_text(encoding="utf-8"))
    assert doc["site_url"] == "https://kb.example.com/"
    inv = soi.Inventory(small.site_dir / "objects.inv")
    assert inv.project == "ML Knowledge Base" and len(inv.objects) > 0


def test_materials_own_index_skips_the_pages_kbgens_search_covers(small) -> None:
    """The header search runs kbgen's engine: Material indexes the hand-written pages
    only, while the generated pages still carry Material's search settings for a build
    without the plugin."""
    build_site(small)
    index = json.loads((small.site_dir / "search/search_index.json").read_text())
    pages = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert "about/" in pages
    assert not [p for p in pages if p.startswith("topics/") or p in ("", "tags/", "a-z/")]
    page = (small.docs_dir / "topics/key-value-caching.md").read_text()
    assert "search:\n  boost:" in page and "exclude: true" not in page

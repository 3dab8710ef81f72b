"""Provenance: source and edit links, last-changed dates, and how topic pages show them."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kbgen.build import render_site
from kbgen.importer import run_import
from kbgen.provenance import RepoLinks, last_changed
from kbgen.records import SourceRef, Topic
from kbgen.render import build_pages
from kbgen.store import load_topics
from kbgen.templating import az_letter, template_env
from tests.helpers import make_project

REPO = "https://git.example.org/team/kb"


@pytest.mark.parametrize(
    ("links", "ref", "expected"),
    [
        (RepoLinks(REPO), SourceRef("notes.md", 12), f"{REPO}/blob/main/sources/notes.md#L12"),
        (RepoLinks(REPO + "/"), SourceRef("a.txt", 1), f"{REPO}/blob/main/sources/a.txt#L1"),
        (
            RepoLinks(REPO, source_uri="-/blob/trunk/{path}?plain=1#L{line}"),
            SourceRef("a.txt", 3),
            f"{REPO}/-/blob/trunk/sources/a.txt?plain=1#L3",
        ),
        (
            RepoLinks(REPO),
            SourceRef("my notes #1.md", 2),
            f"{REPO}/blob/main/sources/my%20notes%20%231.md#L2",
        ),
        (
            RepoLinks(REPO, sources_dir="glossaries"),
            SourceRef("a.md", 5),
            f"{REPO}/blob/main/glossaries/a.md#L5",
        ),
        (RepoLinks(""), SourceRef("a.md", 5), ""),
        (RepoLinks(REPO, source_uri=""), SourceRef("a.md", 5), ""),
    ],
)
def test_source_links(links: RepoLinks, ref: SourceRef, expected: str) -> None:
    assert links.source(ref) == expected


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        (RepoLinks(REPO), f"{REPO}/edit/main/topics/lora.md"),
        (RepoLinks(REPO, edit_uri="-/edit/dev/{path}"), f"{REPO}/-/edit/dev/topics/lora.md"),
        (RepoLinks(REPO, topics_dir="kb/topics"), f"{REPO}/edit/main/kb/topics/lora.md"),
        (RepoLinks(REPO, edit_uri=""), ""),
        (RepoLinks(), ""),
    ],
)
def test_edit_links(links: RepoLinks, expected: str) -> None:
    assert links.edit("lora") == expected


@pytest.mark.parametrize(
    ("name", "letter"),
    [
        ("LoRA", "L"),
        ("adam", "A"),
        ("Élan", "E"),
        ("β-VAE", "Other"),
        ("4-bit", "Other"),
        ("", "Other"),
    ],
)
def test_a_z_letters(name: str, letter: str) -> None:
    assert az_letter(name) == letter


def _topic(slug: str, **kw) -> Topic:
    body = kw.pop(
        "body",
        "## What\n\n<!-- source: a.md:3 -->\n\nFirst.\n\n<!-- source: b.txt:9 -->\n\nSecond.\n",
    )
    return Topic(
        slug,
        kw.pop("title", slug.title()),
        sources=[SourceRef("a.md", 3), SourceRef("b.txt", 9)],
        body=body,
        **kw,
    )


def test_topic_page_links_each_part_and_names_its_topic_file() -> None:
    page = build_pages(
        [_topic("lora")], {}, template_env(), repo=RepoLinks(REPO), changed={"lora": "2026-01-02"}
    )["lora"]
    assert f'<a href="{REPO}/blob/main/sources/a.md#L3"' in page
    assert f'<a href="{REPO}/blob/main/sources/b.txt#L9"' in page
    assert f"edit_url: {REPO}/edit/main/topics/lora.md" in page
    assert '<time datetime="2026-01-02">2026-01-02</time>' in page


def test_without_a_repository_labels_are_plain_text() -> None:
    page = build_pages([_topic("lora")], {}, template_env())["lora"]
    assert '<p class="kb-source">a.md:3</p>' in page
    assert "edit_url" not in page and "blob/" not in page and "<time" not in page


def test_a_hostile_file_name_stays_text_in_labels_and_links() -> None:
    body = (
        '## What\n\n<!-- source: <img src=x onerror=alert(1)>".md:3 -->\n\nA.\n\n'
        "<!-- source: b.txt:9 -->\n\nB.\n"
    )
    topic = _topic("x", body=body)
    topic.sources = [SourceRef('<img src=x onerror=alert(1)>".md', 3)]
    page = build_pages([topic], {}, template_env(), repo=RepoLinks(REPO))["x"]
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;.md:3" in page
    assert "%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%22.md#L3" in page


def test_the_toc_lists_every_section_and_the_lead_is_the_summary() -> None:
    topic = _topic(
        "lora", body="## What\n\nLoRA adapts. More.\n\n## How\n\nLike this.\n\n## Tips\n\nA tip.\n"
    )
    page = build_pages([topic], {}, template_env())["lora"]
    toc = page.split('<details class="kb-toc"', 1)[1].split("</details>", 1)[0]
    assert re.findall(r'<li><a href="(#[^"]*)">([^<]*)</a></li>', toc) == [
        ("#what", "What"),
        ("#how", "How"),
        ("#tips", "Tips"),
    ]
    assert '<p class="kb-lead" data-search-exclude>LoRA adapts.</p>' in page


def _git(cwd: Path, *args: str, date: str = "") -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_last_changed_is_the_last_commit_else_the_file_time(tmp_path: Path) -> None:
    topics = tmp_path / "topics"
    topics.mkdir()
    for slug in ("old", "edited", "newer", "untracked"):
        (topics / f"{slug}.md").write_text(slug, encoding="utf-8")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "topics/old.md", "topics/edited.md", "topics/newer.md")
    _git(tmp_path, "commit", "-qm", "one", date="2024-03-05T10:00:00+00:00")
    (topics / "newer.md").write_text("newer, changed", encoding="utf-8")
    _git(tmp_path, "commit", "-qam", "two", date="2025-07-08T10:00:00+00:00")
    (topics / "edited.md").write_text("edited after its commit", encoding="utf-8")
    stamp = datetime.datetime(2026, 2, 3, 12, tzinfo=datetime.timezone.utc).timestamp()
    os.utime(topics / "edited.md", (stamp, stamp))
    os.utime(topics / "untracked.md", (stamp, stamp))
    dates = last_changed(topics, ["old", "edited", "newer", "untracked", "gone"])
    assert dates == {
        "old": "2024-03-05",
        "newer": "2025-07-08",
        "edited": "2026-02-03",
        "untracked": "2026-02-03",
    }


def test_outside_git_the_date_is_the_file_time(tmp_path: Path) -> None:
    topics = tmp_path / "topics"
    topics.mkdir()
    (topics / "a.md").write_text("a", encoding="utf-8")
    stamp = datetime.datetime(2023, 9, 1, 8, tzinfo=datetime.timezone.utc).timestamp()
    os.utime(topics / "a.md", (stamp, stamp))
    assert last_changed(topics, ["a"]) == {"a": "2023-09-01"}


def test_the_real_store_gets_a_date_for_every_topic(tmp_path: Path) -> None:
    config = make_project(tmp_path, None, (Path(__file__).parent.parent / "kbgen.yml").read_text())
    run_import(config)
    loaded, _ = load_topics(config.topics_dir)
    slugs = [t.topic.slug for t in loaded]
    dates = last_changed(config.topics_dir, slugs)
    assert set(dates) == set(slugs)
    files = render_site(config, [t.topic for t in loaded], "KB", repo=RepoLinks(REPO))
    page = files["topics/low-rank-adaptation.md"].decode()
    assert f"{REPO}/edit/main/topics/low-rank-adaptation.md" in page
    assert page.count(f"{REPO}/blob/main/sources/") >= 2

"""Name resolution (kbgen.resolve) and ``kbgen link``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kbgen.cli import main
from kbgen.exports import topics_json
from kbgen.importer import run_import
from kbgen.resolve import NameIndex, read_topics_json
from kbgen.store import load_topics
from tests.helpers import make_project
from tests.sitekit import serve_directory

FIXTURES = Path(__file__).parent / "fixtures" / "exports" / "topics"


@pytest.fixture(scope="module")
def names() -> NameIndex:
    loaded, _ = load_topics(FIXTURES)
    return NameIndex(json.loads(topics_json([t.topic for t in loaded], "KB"))["topics"])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose topic store holds the fixture topics, with no site built."""
    shutil.copytree(FIXTURES, tmp_path / "topics")
    (tmp_path / "kbgen.yml").write_text("", encoding="utf-8")
    return tmp_path


def slugs(found) -> list[str]:
    return [r.slug for r in found]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("LoRA", "low-rank-adaptation"),
        ("lora", "low-rank-adaptation"),
        ("  Low-Rank   Adaptation (LoRA) ", "low-rank-adaptation"),
        ("low rank adaptations", "low-rank-adaptation"),  # loose: hyphens, plural
        ("Nucleus Sampling", "top-p-sampling"),
        ("qlora", "qlora"),
    ],
)
def test_names_resolve_exactly_then_loosely(names: NameIndex, name: str, slug: str) -> None:
    assert slugs(names.lookup(name)) == [slug]


def test_the_matched_spelling_is_reported(names: NameIndex) -> None:
    (found,) = names.lookup("nucleus sampling")
    assert (found.name, found.title) == ("Nucleus Sampling", "Top-p Sampling (Nucleus Sampling)")
    assert found.url == "topics/top-p-sampling/" and found.anchors == ("what", "pitfalls")


def test_a_title_wins_over_another_topics_alias() -> None:
    index = NameIndex(
        [
            {"slug": "a", "title": "Adapters", "aliases": [], "url": "topics/a/"},
            {"slug": "b", "title": "Adapter Modules", "aliases": ["Adapters"], "url": "topics/b/"},
        ]
    )
    assert slugs(index.lookup("adapters")) == ["a"]


def test_a_shared_alias_leads_to_the_page_listing_its_topics(names: NameIndex) -> None:
    [page] = names.lookup("Adapters")
    assert (page.slug, page.url, page.title) == (
        "adapters",
        "topics/adapters/",
        "Adapters (disambiguation)",
    )
    assert slugs(names.lookup_exact("adapter")) == []  # only loosely
    assert slugs(names.lookup("adapter")) == ["adapters"]


def test_unknown_names_get_close_suggestions(names: NameIndex) -> None:
    assert names.lookup("Nucleus Samplng") == []
    assert names.suggest("Nucleus Samplng")[0] == "Nucleus Sampling"
    rl = "Reinforcement Learning from Human Feedback"
    assert names.suggest("Reinforcement Learning")[0] == rl
    assert names.suggest("zzzz") == []


def test_topics_json_is_read_from_a_path_or_a_url(tmp_path: Path) -> None:
    loaded, _ = load_topics(FIXTURES)
    text = topics_json([t.topic for t in loaded], "KB")
    (tmp_path / "topics.json").write_text(text, encoding="utf-8")
    assert read_topics_json(tmp_path / "topics.json") == json.loads(text)
    with serve_directory(tmp_path) as url:
        assert read_topics_json(f"{url}topics.json") == json.loads(text)


# --- kbgen link ----------------------------------------------------------------------------


def link(project: Path, *args: str) -> list[str]:
    return ["--project", str(project), "link", *args]


def test_link_prints_the_url_and_a_markdown_link(project: Path, capsys) -> None:
    assert main(link(project, "lora")) == 0
    assert capsys.readouterr().out == (
        "topics/low-rank-adaptation/\n[LoRA](topics/low-rank-adaptation/)\n"
    )


def test_link_uses_site_url_from_mkdocs_yml_unless_given(project: Path, capsys) -> None:
    (project / "mkdocs.yml").write_text(
        "site_name: KB\nsite_url: https://kb.example.com/ml\n"
        "markdown_extensions:\n  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
        encoding="utf-8",
    )
    assert main(link(project, "Nucleus Sampling")) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "https://kb.example.com/ml/topics/top-p-sampling/",
        "[Nucleus Sampling](https://kb.example.com/ml/topics/top-p-sampling/)",
    ]
    assert main(link(project, "RLHF", "--base-url", "/kb")) == 0
    assert capsys.readouterr().out.splitlines()[0] == "/kb/topics/rlhf/"


def test_link_reads_site_url_from_the_environment_as_mkdocs_does(
    project: Path, capsys, monkeypatch
) -> None:
    (project / "mkdocs.yml").write_text(
        'site_name: KB\nsite_url: !ENV [KBGEN_SITE_URL, ""]\n', encoding="utf-8"
    )
    assert main(link(project, "RLHF")) == 0
    assert capsys.readouterr().out.splitlines()[0] == "topics/rlhf/"
    monkeypatch.setenv("KBGEN_SITE_URL", "https://kb.example.com/")
    assert main(link(project, "RLHF")) == 0
    assert capsys.readouterr().out.splitlines()[0] == "https://kb.example.com/topics/rlhf/"


def test_link_to_a_section_by_id_or_heading(project: Path, capsys) -> None:
    assert main(link(project, "LoRA#pitfalls")) == 0
    assert capsys.readouterr().out.splitlines()[0] == "topics/low-rank-adaptation/#pitfalls"
    assert main(link(project, "LoRA#Use When")) == 0
    assert capsys.readouterr().out.splitlines()[0] == "topics/low-rank-adaptation/#use-when"
    assert main(link(project, "LoRA#pitfall")) == 1
    assert "has no section `pitfall`; try `pitfalls`" in capsys.readouterr().err


def test_link_to_an_unknown_name_lists_the_closest(project: Path, capsys) -> None:
    assert main(link(project, "Nucleus Samplng")) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no topic is named `Nucleus Samplng`; closest: `Nucleus Sampling`" in captured.err


def test_link_to_a_shared_name_prints_its_disambiguation_page(project: Path, capsys) -> None:
    assert main(link(project, "Adapters")) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("topics/adapters/")


def test_link_without_a_topic_store_says_to_import(tmp_path: Path, capsys) -> None:
    (tmp_path / "kbgen.yml").write_text("", encoding="utf-8")
    assert main(link(tmp_path, "LoRA")) == 1
    assert "run `kbgen import` first" in capsys.readouterr().err


def test_link_on_the_real_topics(tmp_path: Path, capsys) -> None:
    config = make_project(tmp_path)
    run_import(config)
    assert main(link(tmp_path, "LoRA", "--base-url", "https://kb.example.com")) == 0
    url, markdown = capsys.readouterr().out.splitlines()
    slug = url.removeprefix("https://kb.example.com/topics/").removesuffix("/")
    loaded, _ = load_topics(config.topics_dir)
    topic = next(t.topic for t in loaded if t.topic.slug == slug)
    assert "LoRA" in topic.names and markdown == f"[LoRA]({url})"
    assert main(link(tmp_path, "PagedAttention")) == 0
    assert capsys.readouterr().out.startswith("topics/pagedattention/\n")

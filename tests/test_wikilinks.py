"""The ``[[Name]]`` Markdown extension, alone and inside real MkDocs builds."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import markdown
import pytest

from kbgen import wikilinks
from kbgen.exports import topics_json
from kbgen.store import load_topics
from tests.sitekit import serve_directory

FIXTURES = Path(__file__).parent / "fixtures" / "exports" / "topics"
BASE = "https://kb.example.com/"


def write_topics_json(folder: Path, site_url: str = "") -> Path:
    loaded, _ = load_topics(FIXTURES)
    path = folder / "topics.json"
    path.write_text(topics_json([t.topic for t in loaded], "KB", site_url), encoding="utf-8")
    return path


@pytest.fixture
def render(tmp_path: Path):
    path = write_topics_json(tmp_path)

    def run(text: str, **options: str) -> str:
        config = {"topics": str(path), "base_url": BASE, **options}
        return markdown.markdown(
            text, extensions=["kbgen.wikilinks"], extension_configs={"kbgen.wikilinks": config}
        )

    return run


def test_name_links_to_the_topic(render) -> None:
    assert render("Use [[LoRA]].") == (
        '<p>Use <a class="kb-link" href="https://kb.example.com/topics/low-rank-adaptation/" '
        'title="Low-Rank Adaptation (LoRA)">LoRA</a>.</p>'
    )


def test_custom_text_and_section_forms(render) -> None:
    html = render("[[nucleus sampling|top-p]] and [[LoRA#pitfalls]] and [[LoRA#Use When|when]]")
    assert '<a class="kb-link" href="https://kb.example.com/topics/top-p-sampling/"' in html
    assert ">top-p</a>" in html
    assert 'href="https://kb.example.com/topics/low-rank-adaptation/#pitfalls"' in html
    assert 'href="https://kb.example.com/topics/low-rank-adaptation/#use-when"' in html
    assert ">when</a>" in html


def test_unknown_name_warns_with_did_you_mean_and_links_nothing(render, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        html = render("See [[Nucleus Samplng]].")
    assert html == '<p>See <span class="kb-missing">Nucleus Samplng</span>.</p>'
    assert [r.name for r in caplog.records] == ["mkdocs.kbgen.wikilinks"]
    message = caplog.records[0].getMessage()
    assert message.startswith("[[Nucleus Samplng]] names no topic; did you mean `Nucleus Sampling`")


def test_shared_name_links_its_disambiguation_page_and_unknown_section_warns(
    render, caplog
) -> None:
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        html = render("[[Adapters]] and [[LoRA#pitfall]]")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "[[LoRA#pitfall]]: `Low-Rank Adaptation (LoRA)` has no section `pitfall`; it has "
        "`what`, `use-when`, `how`, `pitfalls`, `strengths`",
    ]
    assert 'href="https://kb.example.com/topics/adapters/"' in html
    assert 'href="https://kb.example.com/topics/low-rank-adaptation/"' in html


def test_code_and_plain_links_are_left_alone(render) -> None:
    html = render("`[[LoRA]]` and [text](http://x.y/) and [ref]")
    assert "<code>[[LoRA]]</code>" in html and "kb-link" not in html
    assert '<a href="http://x.y/">text</a>' in html


def test_base_url_defaults_to_the_site_url_in_topics_json(tmp_path: Path) -> None:
    path = write_topics_json(tmp_path, "https://docs.example.org/kb")
    md = markdown.Markdown(extensions=[wikilinks.makeExtension(topics=str(path))])
    assert 'href="https://docs.example.org/kb/topics/rlhf/"' in md.convert("[[RLHF]]")


def test_a_local_topics_json_without_site_url_needs_base_url(tmp_path: Path) -> None:
    path = write_topics_json(tmp_path)
    with pytest.raises(ValueError, match="set the `base_url` option"):
        markdown.Markdown(extensions=[wikilinks.makeExtension(topics=str(path))])
    with pytest.raises(ValueError, match="cannot read topics from"):
        markdown.Markdown(extensions=[wikilinks.makeExtension(topics=str(tmp_path / "no.json"))])


HOSTILE_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java&#115;cript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
@pytest.mark.parametrize("field", ["site_url", "url"])
def test_a_hostile_topics_json_is_an_error_never_a_script_link(
    tmp_path: Path, field: str, url: str
) -> None:
    path = write_topics_json(tmp_path, "https://kb.example.com/")
    data = json.loads(path.read_text(encoding="utf-8"))
    if field == "site_url":
        data["site_url"] = url
    else:
        data["topics"][0]["url"] = url
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="is not an http, https or relative URL") as caught:
        markdown.Markdown(extensions=[wikilinks.makeExtension(topics=str(path))])
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("url", HOSTILE_URLS[:3])
def test_a_hostile_base_url_option_is_an_error(tmp_path: Path, url: str) -> None:
    path = write_topics_json(tmp_path)
    with pytest.raises(ValueError, match=r"base_url .* is not an http or https URL"):
        markdown.Markdown(extensions=[wikilinks.makeExtension(topics=str(path), base_url=url)])


def test_relative_and_http_urls_in_topics_json_are_accepted(tmp_path: Path) -> None:
    path = write_topics_json(tmp_path, "http://kb.example.com/")
    data = json.loads(path.read_text(encoding="utf-8"))
    # Absolute http URLs (topics.json gives them when the site's address is known).
    assert all(t["url"].startswith("http://kb.example.com/topics/") for t in data["topics"])
    md = markdown.Markdown(extensions=[wikilinks.makeExtension(topics=str(path))])
    assert 'href="http://kb.example.com/topics/rlhf/"' in md.convert("[[RLHF]]")


# --- MkDocs builds -------------------------------------------------------------------------


def mkdocs_project(folder: Path, topics: str, page: str, base_url: str = "") -> Path:
    """A tiny MkDocs site using the extension; returns its mkdocs.yml."""
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "index.md").write_text(page, encoding="utf-8")
    options = {"topics": topics, **({"base_url": base_url} if base_url else {})}
    config = {
        "site_name": "Team docs",
        "theme": {"name": "mkdocs"},
        "markdown_extensions": [{"kbgen.wikilinks": options}],
    }
    path = folder / "mkdocs.yml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path


def mkdocs_build(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def hrefs(site: Path) -> list[str]:
    html = (site / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<a class="kb-link" href="([^"]+)"', html)


def test_mkdocs_site_links_names_from_a_local_topics_json(tmp_path: Path) -> None:
    topics = write_topics_json(tmp_path)
    page = "# Notes\n\nWe use [[LoRA]], [[QLoRA|quantized adapters]] and [[RLHF#use-when]].\n"
    config = mkdocs_project(tmp_path / "team", str(topics), page, BASE)
    result = mkdocs_build(config, "--strict")
    assert result.returncode == 0, result.stderr
    assert hrefs(tmp_path / "team" / "site") == [
        f"{BASE}topics/low-rank-adaptation/",
        f"{BASE}topics/qlora/",
        f"{BASE}topics/rlhf/#use-when",
    ]


def test_strict_mkdocs_build_fails_on_an_unknown_name(tmp_path: Path) -> None:
    topics = write_topics_json(tmp_path)
    page = "See [[Lora]] and [[Top-p Samplin]].\n"
    config = mkdocs_project(tmp_path / "team", str(topics), page, BASE)
    result = mkdocs_build(config, "--strict")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "WARNING -  [[Top-p Samplin]] names no topic; did you mean `Top-p Sampling`," in output
    assert "Aborted with 1 warnings in strict mode" in output
    lenient = mkdocs_build(config)
    assert lenient.returncode == 0 and "WARNING" in lenient.stderr


def test_mkdocs_site_reads_topics_json_from_a_url(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    write_topics_json(kb)
    with serve_directory(tmp_path) as url:
        config = mkdocs_project(tmp_path / "team", f"{url}kb/topics.json", "[[Nucleus Sampling]]\n")
        result = mkdocs_build(config, "--strict")
    assert result.returncode == 0, result.stderr
    assert hrefs(tmp_path / "team" / "site") == [f"{url}kb/topics/top-p-sampling/"]


# --- errors: true --------------------------------------------------------------------------


def test_errors_option_fails_the_page_listing_every_unresolved_link(render, caplog) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="mkdocs"),
        pytest.raises(wikilinks.WikiLinkError) as failed,
    ):
        render("[[Nucleus Samplng]], [[LoRA#pitfall]], [[Nowhere]] and [[LoRA]]", errors=True)
    message = str(failed.value)
    assert message.startswith("kbgen.wikilinks: 3 unresolved links:\n")
    assert "[[Nowhere]] names no topic" in message
    assert "[[Nucleus Samplng]] names no topic; did you mean `Nucleus Sampling`" in message
    assert "[[LoRA#pitfall]]: `Low-Rank Adaptation (LoRA)` has no section `pitfall`" in message
    assert caplog.records == []
    # A page whose links all resolve converts as without the option.
    assert render("[[LoRA]]", errors=True) == render("[[LoRA]]")


def test_errors_option_does_not_carry_problems_into_the_next_page(tmp_path: Path) -> None:
    path = write_topics_json(tmp_path)
    md = markdown.Markdown(
        extensions=[wikilinks.makeExtension(topics=str(path), base_url=BASE, errors=True)]
    )
    with pytest.raises(wikilinks.WikiLinkError):
        md.convert("[[Nope]]")
    assert "kb-link" in md.reset().convert("[[LoRA]]")


def test_errors_option_fails_a_lenient_mkdocs_build(tmp_path: Path) -> None:
    topics = write_topics_json(tmp_path)
    (tmp_path / "team" / "docs").mkdir(parents=True)
    (tmp_path / "team" / "docs" / "index.md").write_text("[[Lora X]]\n", encoding="utf-8")
    config = {
        "site_name": "Team docs",
        "theme": {"name": "mkdocs"},
        "markdown_extensions": [
            {"kbgen.wikilinks": {"topics": str(topics), "base_url": BASE, "errors": True}}
        ],
    }
    (tmp_path / "team" / "mkdocs.yml").write_text(json.dumps(config), encoding="utf-8")
    result = mkdocs_build(tmp_path / "team" / "mkdocs.yml")
    assert result.returncode != 0
    assert "[[Lora X]] names no topic" in result.stderr


@pytest.mark.slow
def test_strict_mkdocs_build_links_the_names_people_type_on_the_real_site(
    tmp_path: Path, built_site
) -> None:
    """Acronyms and spellings kbgen derives resolve like titles and aliases."""
    doc = json.loads((built_site.site / "topics.json").read_text(encoding="utf-8"))
    typed = ["MoE", "LLM", "kv cache", "KV cache", "Mixture of Experts", "Low-Rank Adaptation"]
    typed += ["LoRA", "Mixture-of-Experts"]
    page = "# Notes\n\n" + ", ".join(f"[[{n}]]" for n in typed) + ", [[LoRA#pitfalls]].\n"
    config = mkdocs_project(tmp_path / "team", str(built_site.site / "topics.json"), page)
    result = mkdocs_build(config, "--strict")
    assert result.returncode == 0, result.stderr
    found = hrefs(tmp_path / "team" / "site")

    def url(name: str) -> str:
        wanted = {"moe": "mixture of experts", "llm": "large language models"}.get(
            name.lower(), name.lower().replace("-", " ")
        )
        (topic,) = [
            t
            for t in doc["topics"]
            if wanted
            in {" ".join(n.lower().replace("-", " ").split()) for n in t["aliases"]}
            | {t["title"].lower().replace("-", " ")}
        ]
        return topic["url"]

    assert found == [url(n) for n in typed] + [url("LoRA") + "#pitfalls"]

"""A Sphinx project links to knowledge-base topics through intersphinx and objects.inv."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sphinx.cmd.build import build_main

from kbgen.exports import inventory
from kbgen.importer import run_import
from kbgen.records import Topic
from kbgen.resolve import fold
from kbgen.store import load_topics
from tests.helpers import make_project

BASE = "https://kb.example.com/"
CONF = """
project = "Team docs"
extensions = ["sphinx.ext.intersphinx"]
intersphinx_mapping = {{"kb": ("{base}", {inventory!r})}}
"""
PAGE = """
Team docs
=========

We fine-tune with :term:`LoRA`, serve with :term:`kb:PagedAttention`, decode with
:term:`nucleus sampling`, align with :external+kb:term:`RLHF` and quantize with
:term:`the quantized variant <kb:QLoRA>`.
"""


@pytest.fixture(scope="module")
def real_topics(tmp_path_factory: pytest.TempPathFactory) -> list[Topic]:
    config = make_project(tmp_path_factory.mktemp("real"))
    run_import(config)
    loaded, _ = load_topics(config.topics_dir)
    return [t.topic for t in loaded]


def url_of(topics: list[Topic], name: str) -> str:
    """The URL of the one topic bearing ``name`` as its title or an alias."""
    (slug,) = {t.slug for t in topics if fold(name) in {fold(n) for n in t.names}}
    return f"{BASE}topics/{slug}/"


def sphinx_build(tmp_path: Path, topics: list[Topic], page: str) -> tuple[int, str, str]:
    """Build a Sphinx project against the topics' objects.inv; (status, HTML, warnings)."""
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "objects.inv").write_bytes(inventory(topics, "ML Knowledge Base"))
    src = tmp_path / "src"
    src.mkdir()
    conf = CONF.format(base=BASE, inventory=str(kb / "objects.inv"))
    (src / "conf.py").write_text(conf, encoding="utf-8")
    (src / "index.rst").write_text(page, encoding="utf-8")
    out, warnings = tmp_path / "out", tmp_path / "warnings.txt"
    status = build_main(["-b", "html", "-q", "-E", "-w", str(warnings), str(src), str(out)])
    html = (out / "index.html").read_text(encoding="utf-8") if (out / "index.html").exists() else ""
    return status, html, warnings.read_text(encoding="utf-8")


def test_term_roles_link_to_the_topic_pages(tmp_path: Path, real_topics: list[Topic]) -> None:
    status, html, warnings = sphinx_build(tmp_path, real_topics, PAGE)
    assert status == 0 and warnings == ""
    links = re.findall(r'<a class="reference external" href="([^"]+)"[^>]*>(.*?)</a>', html)
    assert [(href, re.sub("<[^>]+>", "", text)) for href, text in links] == [
        (url_of(real_topics, "LoRA"), "LoRA"),
        (url_of(real_topics, "PagedAttention"), "PagedAttention"),
        (url_of(real_topics, "Nucleus Sampling"), "Nucleus Sampling"),
        (url_of(real_topics, "RLHF"), "RLHF"),
        (url_of(real_topics, "QLoRA"), "the quantized variant"),
    ]


def test_an_unknown_term_is_a_warning_not_a_link(tmp_path: Path, real_topics: list[Topic]) -> None:
    status, html, warnings = sphinx_build(tmp_path, real_topics, "Oops\n====\n\n:term:`LoRAX`\n")
    assert status == 0
    assert "LoRAX" in warnings and "term not in glossary" in warnings
    assert "kb.example.com" not in html

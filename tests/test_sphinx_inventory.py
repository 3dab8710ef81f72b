"""A Sphinx project links to knowledge-base topics through intersphinx and objects.inv."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sphinx.cmd.build import build_main

from kbgen.records import Topic
from kbgen.resolve import fold
from kbgen.store import load_topics
from tests.conftest import BuiltSite

CONF = """
project = "Team docs"
extensions = ["sphinx.ext.intersphinx"]
intersphinx_mapping = {{"kb": ("{base}", {inventory!r})}}
"""
TYPED = [
    "MoE",
    "LLM",
    "kv cache",
    "KV cache",
    "Mixture of Experts",
    "Low-Rank Adaptation",
    "LoRA",
    "lora",
    "Large Language Models",
    "RLHF",
    "PagedAttention",
    "nucleus sampling",
    "QLoRA",
]


@pytest.fixture(scope="module")
def site_topics(built_site: BuiltSite) -> list[Topic]:
    loaded, _ = load_topics(built_site.config.topics_dir)
    return [t.topic for t in loaded]


BEARERS = {"MoE": "Mixture of Experts", "LLM": "Large Language Models", "kv cache": "KV Cache"}
"""A name that is no topic's title or alias, and the name of the topic it stands for."""


def url_of(site: BuiltSite, topics: list[Topic], name: str) -> str:
    """The URL of the one topic bearing ``name``, hyphens read as spaces."""
    wanted = fold(BEARERS.get(name, BEARERS.get(name.lower(), name)).replace("-", " "))
    (slug,) = {t.slug for t in topics if wanted in {fold(n.replace("-", " ")) for n in t.names}}
    return f"{site.url}topics/{slug}/"


def sphinx_build(
    tmp_path: Path, site: BuiltSite, page: str, served: bool = False
) -> tuple[int, str, str]:
    """Build a project (``-W -n``) against the site's objects.inv, read from its file or
    downloaded from the served site; (status, HTML, warnings)."""
    src = tmp_path / "src"
    src.mkdir()
    inventory = None if served else str(site.site / "objects.inv")
    conf = CONF.format(base=site.url, inventory=inventory)
    (src / "conf.py").write_text(conf, encoding="utf-8")
    (src / "index.rst").write_text(page, encoding="utf-8")
    out, warnings = tmp_path / "out", tmp_path / "warnings.txt"
    args = ["-b", "html", "-q", "-E", "-W", "-n", "-w", str(warnings), str(src), str(out)]
    status = build_main(args)
    html = (out / "index.html").read_text(encoding="utf-8") if (out / "index.html").exists() else ""
    return status, html, warnings.read_text(encoding="utf-8")


def links(html: str) -> list[tuple[str, str]]:
    """(href, text) of each external reference."""
    found = re.findall(r'<a class="reference external" href="([^"]+)"[^>]*>(.*?)</a>', html)
    return [(href, re.sub("<[^>]+>", "", text)) for href, text in found]


@pytest.mark.slow
@pytest.mark.parametrize("served", [False, True], ids=["file", "served"])
def test_term_roles_resolve_the_names_people_type(
    tmp_path: Path, built_site: BuiltSite, site_topics: list[Topic], served: bool
) -> None:
    page = "Team docs\n=========\n\n" + "\n\n".join(f"* :term:`kb:{n}`" for n in TYPED) + "\n"
    page += "\nAnd :external+kb:term:`MoE`, :term:`the quantized variant <QLoRA>`.\n"
    status, html, warnings = sphinx_build(tmp_path, built_site, page, served)
    assert (status, warnings) == (0, "")
    # Each link shows the name as typed: the inventory's display name is `-`.
    expected = [(url_of(built_site, site_topics, n), n) for n in TYPED]
    expected += [
        (url_of(built_site, site_topics, "MoE"), "MoE"),
        (url_of(built_site, site_topics, "QLoRA"), "the quantized variant"),
    ]
    assert links(html) == expected


@pytest.mark.slow
def test_ref_reaches_a_section_under_any_name(
    tmp_path: Path, built_site: BuiltSite, site_topics: list[Topic]
) -> None:
    page = (
        "Sections\n========\n\n:ref:`kb:lora-pitfalls`, :ref:`LoRA pitfalls <lora-use-when>`,"
        " :ref:`kb:mixture-of-experts-how`, :doc:`kb:topics/low-rank-adaptation`\n"
    )
    status, html, warnings = sphinx_build(tmp_path, built_site, page)
    assert (status, warnings) == (0, "")
    lora = url_of(built_site, site_topics, "LoRA")
    moe = url_of(built_site, site_topics, "MoE")
    lora_title = next(t.title for t in site_topics if lora.endswith(f"/{t.slug}/"))
    moe_title = next(t.title for t in site_topics if moe.endswith(f"/{t.slug}/"))
    assert links(html) == [
        (f"{lora}#pitfalls", f"{lora_title}: Pitfalls"),
        (f"{lora}#use-when", "LoRA pitfalls"),
        (f"{moe}#how", f"{moe_title}: How"),
        (lora, lora_title),
    ]


@pytest.mark.slow
def test_an_unknown_term_fails_the_strict_build(tmp_path: Path, built_site: BuiltSite) -> None:
    status, _, warnings = sphinx_build(tmp_path, built_site, "Oops\n====\n\n:term:`LoRAX`\n")
    assert status != 0
    assert "LoRAX" in warnings and "term not in glossary" in warnings

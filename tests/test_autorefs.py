"""A MkDocs site links to topics by name through mkdocstrings/autorefs and objects.inv."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kbgen.records import Topic
from kbgen.resolve import fold
from kbgen.store import load_topics
from tests.conftest import BuiltSite

PAGE = """# Team notes

We route tokens with [Mixture of Experts][] ([MoE][]), fine-tune with [LoRA][], that is
[Low-Rank Adaptation][], mind [its pitfalls][lora-pitfalls] and cache with [kv cache][].
"""
EXPECTED = [
    ("Mixture of Experts", "Mixture of Experts", ""),
    ("MoE", "Mixture of Experts", ""),
    ("LoRA", "LoRA", ""),
    ("Low-Rank Adaptation", "LoRA", ""),
    ("its pitfalls", "LoRA", "#pitfalls"),
    ("kv cache", "KV Cache", ""),
]
"""Link text, a name of the topic it must reach (hyphens read as spaces), anchor."""


def autorefs_project(folder: Path, inventory_url: str, page: str) -> Path:
    """A MkDocs site importing the knowledge base's inventory, as the README shows."""
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "index.md").write_text(page, encoding="utf-8")
    config = {
        "site_name": "Team docs",
        "theme": {"name": "mkdocs"},
        "plugins": [
            {
                "mkdocstrings": {
                    "handlers": {
                        "python": {"inventories": [{"url": inventory_url, "domains": ["std"]}]}
                    }
                }
            }
        ],
    }
    path = folder / "mkdocs.yml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path


def mkdocs_build(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def url_of(site: BuiltSite, topics: list[Topic], name: str) -> str:
    wanted = fold(name.replace("-", " "))
    (slug,) = {t.slug for t in topics if wanted in {fold(n.replace("-", " ")) for n in t.names}}
    return f"{site.url}topics/{slug}/"


@pytest.mark.slow
def test_autorefs_resolves_names_as_people_write_them(tmp_path: Path, built_site: BuiltSite):
    topics = [t.topic for t in load_topics(built_site.config.topics_dir)[0]]
    config = autorefs_project(tmp_path / "team", f"{built_site.url}objects.inv", PAGE)
    result = mkdocs_build(config)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "team" / "site" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a class="autorefs autorefs-external" href="([^"]+)">([^<]+)</a>', html)
    assert links == [
        (url_of(built_site, topics, bearer) + anchor, text) for text, bearer, anchor in EXPECTED
    ]


@pytest.mark.slow
def test_an_unknown_name_fails_the_strict_build(tmp_path: Path, built_site: BuiltSite):
    config = autorefs_project(tmp_path / "team", f"{built_site.url}objects.inv", "[LoRAX][]\n")
    result = mkdocs_build(config)
    assert result.returncode != 0
    assert "Could not find cross-reference target 'LoRAX'" in result.stderr

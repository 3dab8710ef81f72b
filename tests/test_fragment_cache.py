"""The cache of rendered text between builds: same pages, and never past the sanitizer."""

from __future__ import annotations

import json
from pathlib import Path

from kbgen.fragment_cache import CACHE_DIR, FILE, FORMAT, FragmentCache, _digest, setup_salt
from kbgen.sanitize import Fragments, site_markdown

ROOT = Path(__file__).resolve().parent.parent
SITE = site_markdown(ROOT)
TEXT = "Some `code`, *emphasis* and a [link](lora.md).\n\n```python\nx = 1\n```"
PAGE = "topics/x.md"


def _render(root: Path, text: str = TEXT) -> tuple[str, FragmentCache]:
    cache = FragmentCache.load(root, setup_salt(SITE))
    html = Fragments(SITE, cache).html(text, PAGE)
    cache.save()
    return html, cache


def test_a_second_build_reuses_the_rendered_text(tmp_path: Path) -> None:
    plain = Fragments(SITE).html(TEXT, PAGE)
    first, cache = _render(tmp_path)
    assert cache.hits == 0 and (tmp_path / CACHE_DIR / FILE).is_file()
    second, cache = _render(tmp_path)
    assert cache.hits == 1
    assert first == second == plain


def test_prose_is_not_cached(tmp_path: Path) -> None:
    _render(tmp_path, "Plain words and a [link](lora.md).")
    assert not (tmp_path / CACHE_DIR / FILE).exists()


def test_a_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    _render(tmp_path)
    path = tmp_path / CACHE_DIR / FILE
    path.write_bytes(path.read_bytes()[:50])
    html, cache = _render(tmp_path)
    assert cache.hits == 0 and html == Fragments(SITE).html(TEXT, PAGE)
    assert json.loads(path.read_text())["entries"]  # written again, whole


def test_an_entry_that_fails_its_check_is_ignored(tmp_path: Path) -> None:
    _render(tmp_path)
    path = tmp_path / CACHE_DIR / FILE
    data = json.loads(path.read_text())
    ((key, (html, check)),) = data["entries"].items()
    data["entries"][key] = [html.replace("emphasis", "EDITED"), check]
    path.write_text(json.dumps(data))
    html, cache = _render(tmp_path)
    assert cache.hits == 0 and "EDITED" not in html


def test_a_foreign_entry_is_still_sanitized(tmp_path: Path) -> None:
    """An entry written by someone else, check digest and all, goes through nh3."""
    salt = setup_salt(SITE)
    key = _digest(salt, PAGE, TEXT)
    hostile = '<p onclick="x()">hi</p><script>alert(1)</script><a href="javascript:x">y</a>'
    entries = {key: [hostile, _digest(salt, key, hostile)]}
    (tmp_path / CACHE_DIR).mkdir()
    data = {"format": FORMAT, "salt": salt, "entries": entries}
    (tmp_path / CACHE_DIR / FILE).write_text(json.dumps(data))
    html, cache = _render(tmp_path)
    assert cache.hits == 1
    assert "<script" not in html and "onclick" not in html and "javascript" not in html


def test_another_setup_starts_afresh(tmp_path: Path) -> None:
    _render(tmp_path)
    cache = FragmentCache.load(tmp_path, setup_salt(SITE) + "other")
    Fragments(SITE, cache).html(TEXT, PAGE)
    assert cache.hits == 0


def test_an_unwritable_cache_is_no_error(tmp_path: Path) -> None:
    (tmp_path / CACHE_DIR).write_text("a file where the folder should be")
    html, _ = _render(tmp_path)
    assert html == Fragments(SITE).html(TEXT, PAGE)

"""The embeddable summary cards in Chromium, on a page served from a second origin."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from urllib.parse import urlparse

import pytest

from kbgen.embed import topics_js
from tests.sitekit import serve_directory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEAM_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Team docs</title><link rel="icon" href="data:,">
<script src="{kb}assets/kbgen/embed.js"{data} defer></script></head>
<body><main>
<p>We fine-tune with <a id="lora" href="{kb}topics/{lora}/">LoRA</a>, see
<a id="pitfalls" href="{kb}topics/{lora}/#pitfalls">its pitfalls</a> and
<a id="moe" href="{kb}topics/{moe}/index.html"><em>MoE</em></a>, also at
<a id="alias" href="{kb}topics/lora/">a redirect</a>.</p>
<p><a id="other" href="{kb}tags/">tags</a> <a id="local" href="notes.html">notes</a>
<a id="elsewhere" href="https://example.org/topics/{lora}/">elsewhere</a></p>
</main></body></html>
"""


def team_site(folder: Path, kb: str, lora: str, moe: str, data: str = "") -> Path:
    """The team's page; ``data``, when given, is the embed script's ``data-topics``."""
    folder.mkdir(parents=True, exist_ok=True)
    attribute = f' data-topics="{data}"' if data else ""
    page = TEAM_PAGE.format(kb=kb, lora=lora, moe=moe, data=attribute)
    (folder / "index.html").write_text(page, encoding="utf-8")
    return folder


def card(page) -> dict:
    return page.evaluate(
        """() => {
          const c = document.querySelector('[role=tooltip]');
          return c && {hidden: c.hidden, text: c.innerText, html: c.innerHTML, id: c.id,
                       children: [...c.querySelectorAll('*')].map(e => e.tagName)};
        }"""
    )


def described(page, selector: str) -> str | None:
    return page.get_attribute(selector, "aria-describedby")


def test_hover_and_focus_show_the_topic_card_from_another_origin(
    built_site, watched, tmp_path: Path
) -> None:
    doc = json.loads((built_site.site / "topics.json").read_text(encoding="utf-8"))
    by_slug = {t["slug"]: t for t in doc["topics"]}
    lora = next(t for t in doc["topics"] if "LoRA" in t["aliases"])
    moe = next(t for t in doc["topics"] if t["title"].startswith("Mixture of Experts"))
    team = team_site(tmp_path / "team", built_site.url, lora["slug"], moe["slug"])
    with serve_directory(team) as team_url:
        assert urlparse(team_url).port != urlparse(built_site.url).port
        page = watched.page
        page.goto(team_url)
        page.wait_for_function("() => window.kbgenTopics !== undefined")
        page.hover("#lora")
        page.wait_for_selector("[role=tooltip]:not([hidden])")
        shown = card(page)
        assert shown["text"].startswith(lora["title"])
        assert lora["summary"] and lora["summary"] in shown["text"]
        assert described(page, "#lora") == shown["id"]

        page.keyboard.press("Escape")
        assert card(page)["hidden"] and described(page, "#lora") is None

        # A link to a section, and one whose text is markup, show their topic too.
        page.hover("#pitfalls")
        page.wait_for_selector("[role=tooltip]:not([hidden])")
        assert card(page)["text"].startswith(lora["title"])
        page.hover("#moe em")
        page.wait_for_function(
            "t => document.querySelector('[role=tooltip]').innerText.startsWith(t)",
            arg=moe["title"],
        )

        # A link to a redirect page shows the topic it leads to.
        page.hover("#alias")
        page.wait_for_function(
            "t => document.querySelector('[role=tooltip]').innerText.startsWith(t)",
            arg=lora["title"],
        )

        # Links that are no topic page show nothing.
        for other in ("#other", "#local", "#elsewhere"):
            page.hover(other)
            page.wait_for_timeout(400)
            assert card(page)["hidden"], other

        # Keyboard readers: focusing the link shows the card, moving on hides it.
        page.focus("#lora")
        page.wait_for_selector("[role=tooltip]:not([hidden])")
        assert card(page)["text"].startswith(by_slug[lora["slug"]]["title"])
        page.keyboard.press("Tab")
        page.wait_for_function(
            "() => document.activeElement.id === 'pitfalls' && "
            "!document.querySelector('[role=tooltip]').hidden"
        )
        page.keyboard.press("Escape")
        assert card(page)["hidden"]

    origins = {urlparse(u).netloc for u in watched.requests}
    assert origins == {urlparse(team_url).netloc, urlparse(built_site.url).netloc}
    assert watched.errors == [] and watched.dialogs == []


def test_text_from_the_data_never_becomes_markup(watched, tmp_path: Path) -> None:
    hostile = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    doc = {
        "version": 2,
        "site_name": "KB",
        "topics": [
            {
                "slug": "x",
                "title": f"X {hostile}",
                "aliases": [hostile],
                "tags": [],
                "url": "topics/x/",
                "summary": f"</script>{hostile}\u2028end",
                "anchors": ["what"],
            }
        ],
    }
    kb = tmp_path / "kb"
    (kb / "assets" / "kbgen").mkdir(parents=True)
    embed = importlib.resources.files("kbgen").joinpath("templates", "embed.js").read_bytes()
    (kb / "assets" / "kbgen" / "embed.js").write_bytes(embed)
    # Read from where data-topics says, not the site root's topics.js.
    (kb / "copy.js").write_text(topics_js(json.dumps(doc)), encoding="utf-8")
    with serve_directory(kb) as kb_url, serve_directory(tmp_path / "team") as team_url:
        team_site(tmp_path / "team", kb_url, "x", "x", f"{kb_url}copy.js")
        page = watched.page
        page.goto(team_url)
        page.wait_for_function("() => window.kbgenTopics !== undefined")
        page.hover("#lora")
        page.wait_for_selector("[role=tooltip]:not([hidden])")
        page.wait_for_timeout(300)
        shown = card(page)
        assert shown["children"] == ["STRONG", "P", "SMALL"]
        assert f"X {hostile}" in shown["text"] and "</script>" in shown["text"]
    assert watched.dialogs == []
    assert not [u for u in watched.requests if u.endswith("/x")]

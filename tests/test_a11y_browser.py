"""Accessibility of the built site: axe-core's WCAG 2.2 AA rules in Chromium.

axe-core comes from npm (``npm ci`` at the repository root installs the version pinned in
``package-lock.json``) and is injected into each page by Playwright. Every page kind is
checked at desktop and phone width, in light and dark mode, as loaded and with the search
dialog open, so violations that come from the theme count too.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.helpers import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RULES = [*WCAG_22_AA, "best-practice"]
"""axe-core's WCAG 2.2 AA rules, and its best practices, which Lighthouse checks too (a
dialog's name, for one)."""
PAGES = {
    "home": "",
    "topic": "topics/low-rank-adaptation/",
    "browse": "browse/",
    "tags": "tags/",
    "a-z": "a-z/",
}
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}


def _require_axe() -> None:
    if AXE.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{AXE} is missing: CI must run `npm ci`")
    pytest.skip("axe-core not installed (npm ci)")


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's violations of :data:`RULES` on the page as it is now, of these impacts."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", RULES
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"][:5]],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_serious_axe_violation(built_site, browser, artifacts, viewport, scheme):
    _require_axe()
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme=scheme,
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
    )
    page = context.new_page()
    found = {}
    for name, path in PAGES.items():
        page.goto(built_site.url + path)
        page.wait_for_load_state("networkidle")
        found[name] = axe_violations(page)
    # The search dialog, open and showing results, is part of every page.
    page.goto(built_site.url + PAGES["topic"])
    page.locator(
        "label.md-header__button[for='__search']:visible, input.md-search__input:visible"
    ).first.click()
    page.locator("input.md-search__input").press_sequentially("lora")
    page.wait_for_selector("li.md-search-result__item", timeout=10000)
    # Colours are measured once the dialog has faded in: mid-transition they are not final.
    page.wait_for_function(
        "document.getAnimations().every(a => a.playState !== 'running')", timeout=10000
    )
    found["search"] = axe_violations(page)
    context.close()
    report = artifacts / f"axe-{viewport}-{scheme}.json"
    report.write_text(json.dumps(found, indent=1), encoding="utf-8")
    assert {k: v for k, v in found.items() if v} == {}


def test_axe_reports_an_unnamed_dialog(built_site, browser):
    """The check itself works: a dialog without a name is a serious violation."""
    _require_axe()
    context = browser.new_context()
    page = context.new_page()
    page.goto(built_site.url + PAGES["topic"])
    page.evaluate(
        """() => { const d = document.createElement('div');
                   d.setAttribute('role', 'dialog'); d.textContent = 'x';
                   document.body.prepend(d); }"""
    )
    ids = {v["id"] for v in axe_violations(page)}
    context.close()
    assert "aria-dialog-name" in ids

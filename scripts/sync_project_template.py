"""Copy the bundled project's site settings and theme overrides into ``kbgen init``'s template.

The bundled knowledge base is the reference site: a project that ``kbgen init`` writes must
get the same ``mkdocs.yml`` (but its own name, description and nav) and the same
``templates/overrides``. ``tests/test_init.py`` fails when the two drift; run this to sync them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "src" / "kbgen" / "project_template"

NAMES = (
    "# kbgen plugin) writes the topic pages into docs/ first; see README.md.\n"
    "site_name: ML Knowledge Base\n"
    "site_description: What, when, how and pitfalls of the techniques an ML team uses.\n"
    "# Where the site is served from, e.g. https://kb.example.com/.",
    "# kbgen plugin) writes the topic pages into docs/ first.\n"
    "site_name: __SITE_NAME__\n"
    "site_description: __SITE_DESCRIPTION__\n"
    "# Where the site is served from, e.g. https://you.github.io/kb/.",
)


def template_mkdocs(text: str) -> str:
    """The bundled ``mkdocs.yml`` with a new project's name placeholders and nav."""
    if NAMES[0] not in text:
        raise SystemExit("mkdocs.yml: the site name lines changed; update NAMES in this script")
    text = text.replace(*NAMES)
    start = text.index("  - About:\n")
    end = text.index("not_in_nav:")
    return text[:start] + "  - About: about.md\n" + text[end:]


def main() -> None:
    mkdocs = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    (TEMPLATE / "mkdocs.yml").write_text(template_mkdocs(mkdocs), encoding="utf-8")
    overrides = TEMPLATE / "templates" / "overrides"
    shutil.rmtree(overrides)
    shutil.copytree(ROOT / "templates" / "overrides", overrides)
    print(f"synced {TEMPLATE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

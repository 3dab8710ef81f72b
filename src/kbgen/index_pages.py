"""The index pages kbgen writes: home, Tags, A–Z and Browse, from their templates."""

from __future__ import annotations

from collections import Counter

import jinja2

from kbgen.config import Config, TagInfo
from kbgen.incremental import Memo
from kbgen.prerendered import Blocks
from kbgen.records import Topic
from kbgen.sanitize import Fragments
from kbgen.templating import render_page

__all__ = ["OWNED_PAGES", "index_pages"]

OWNED_PAGES = ("index.md", "tags.md", "a-z.md", "browse.md")
"""The pages of the docs folder kbgen writes (a hand-written page may not take a name)."""


def index_pages(
    config: Config,
    env: jinja2.Environment,
    fragments: Fragments,
    topics: list[Topic],
    used_tags: list[TagInfo],
    counts: Counter[str],
    site_name: str,
    site_description: str,
    memo: Memo,
    blocks: dict[str, Blocks],
) -> dict[str, bytes]:
    """The home, Tags, A–Z and Browse pages; their blocks of HTML go into ``blocks``."""
    context_topics = sorted(topics, key=lambda t: (t.title.casefold(), t.slug))
    context = {
        "site_name": site_name,
        "site_description": site_description,
        "home": config.home,
        "topics": context_topics,
        "tags": used_tags,
        "counts": counts,
        "tagged": {
            tag.slug: [t for t in context_topics if tag.slug in t.tags] for tag in used_tags
        },
    }
    # kbgen's own index page templates read a topic's slug, title, aliases and tags only;
    # a project's template of the same name may read anything: it is rendered every time.
    shown = tuple((t.slug, t.title, tuple(t.aliases), tuple(t.tags)) for t in context_topics)
    index_key = (site_name, site_description, config.home, shown, tuple(used_tags))
    files: dict[str, bytes] = {}
    for page in OWNED_PAGES:

        def index_page(page: str = page) -> tuple[bytes, Blocks]:
            text, found = render_page(env.get_template(f"{page}.j2"), fragments, page, **context)
            return text.encode(), found

        own = not (config.root / "templates" / f"{page}.j2").exists()
        files[page], blocks[page] = (
            memo.get("index", (page, index_key), index_page) if own else index_page()
        )
    return files

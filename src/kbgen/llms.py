"""``llms.txt`` and ``llms-full.txt``: the site for AI assistants (the llmstxt.org convention).

``llms.txt`` is Markdown: the site's name as the heading, a one-line summary in a quote,
then a ``## Topics`` list with one ``- [Title](url): summary`` line per topic, and an
``## Optional`` list of the machine-readable exports. ``llms-full.txt`` holds every topic
page's text: title, other names, tags, URL, then its sections as in ``topics/``, without
the source markers. Both come from the same records as ``topics.json``; links are absolute
when the site's address is known, else relative to the site root.
"""

from __future__ import annotations

import re

from kbgen.exports import TopicRecord, record_key
from kbgen.incremental import Memo
from kbgen.records import Topic
from kbgen.store import fenced_lines, parse_body


def _text(value: str) -> str:
    """One line of text: no line break can start a heading or a list item of its own."""
    return " ".join(value.split())


def _no_headings(markdown: str) -> str:
    """A section's text with any heading outside code escaped, so that it cannot start a
    page or section of its own."""
    lines = markdown.split("\n")
    return "\n".join(
        "\\" + line.lstrip() if not fenced and line.lstrip().startswith("#") else line
        for line, fenced in zip(lines, fenced_lines(lines), strict=True)
    )


def _link_text(value: str) -> str:
    return re.sub(r"([\[\]\\])", r"\\\1", _text(value))


def _root(site_url: str) -> str:
    return site_url if not site_url or site_url.endswith("/") else site_url + "/"


def llms_txt(records: list[TopicRecord], site_name: str, site_url: str = "") -> str:
    """The ``llms.txt`` index: every topic with its link and summary, by title."""
    root = _root(site_url)
    lines = [
        f"# {_text(site_name)}",
        "",
        f"> {len(records)} topics: what each technique is, when to use it, how it works "
        "and its pitfalls.",
        "",
        "Each topic page has the sections What, Use When, How and Pitfalls. "
        f"[llms-full.txt]({root}llms-full.txt) holds the text of every page.",
        "",
        "## Topics",
        "",
    ]
    for r in sorted(records, key=lambda r: (r.title.casefold(), r.slug)):
        summary = f": {_text(r.summary)}" if r.summary else ""
        lines.append(f"- [{_link_text(r.title)}]({root}{r.url}){summary}")
    lines += [
        "",
        "## Optional",
        "",
        f"- [topics.json]({root}topics.json): every topic's names, tags, URL, summary and "
        "section anchors, as JSON",
        f"- [objects.inv]({root}objects.inv): a Sphinx inventory of every name and section",
        "",
    ]
    return "\n".join(lines)


def llms_full_txt(
    topics: list[Topic],
    records: list[TopicRecord],
    site_name: str,
    site_url: str = "",
    memo: Memo | None = None,
) -> str:
    """Every topic page's text, by title, each under its own ``#`` heading; ``memo``
    (:mod:`kbgen.incremental`) keeps each topic's part between calls."""
    root = _root(site_url)
    by_slug = {t.slug: t for t in topics}
    parts = [f"# {_text(site_name)}\n"]
    for r in sorted(records, key=lambda r: (r.title.casefold(), r.slug)):
        body = by_slug[r.slug].body
        if memo is None:
            parts.append(_topic_part(r, body, root))
        else:
            key = (record_key(r), body, root)
            parts.append(
                memo.get("llms-full", key, lambda r=r, body=body: _topic_part(r, body, root))
            )
    return "\n".join(parts)


def _topic_part(r: TopicRecord, markdown: str, root: str) -> str:
    """One topic's part of ``llms-full.txt``."""
    _, sections = parse_body(markdown)
    head = [f"# {_text(r.title)}", "", f"URL: {root}{r.url}"]
    if r.aliases:
        head.append(f"Also: {'; '.join(_text(a) for a in r.aliases)}")
    if r.tags:
        head.append(f"Tags: {', '.join(r.tags)}")
    body = [
        f"## {_text(s.name)}\n\n{_no_headings(s.text.strip())}" for s in sections if s.text.strip()
    ]
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n"

"""Machine-readable exports written into every built site: ``topics.json`` and ``objects.inv``.

``topics.json`` (schema: ``kbgen/schema/topics.schema.json``) lets other tools resolve topic
names to URLs: the ``[[Name]]`` Markdown extension, ``kbgen link``, the browse page.
``objects.inv`` is a Sphinx inventory with one ``std:term`` per title and alias, so Sphinx
(intersphinx) and MkDocs (mkdocstrings / autorefs) projects can link to a topic by name.
Both are deterministic: the same topics give the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import sphobjinv as soi
from markdown.extensions.toc import slugify as toc_slugify
from markdown.extensions.toc import unique

from kbgen.disambiguation import shared_names
from kbgen.records import Topic
from kbgen.resolve import NameIndex
from kbgen.store import parse_body

# The summary helpers moved to kbgen.summary; importable from here as before.
from kbgen.summary import SUMMARY_LIMIT, first_sentence, math_text, plain_text, summary  # noqa: F401

FORMAT_VERSION = 1
"""Version of the ``topics.json`` layout; bumped on any incompatible change."""


def section_anchor(name: str) -> str:
    """The HTML id MkDocs' toc gives a section heading: ``Use When`` → ``use-when``."""
    return toc_slugify(name, "-")


def section_anchors(names: list[str]) -> list[str]:
    """The ids of a page's section headings, in order, made unique as toc does (``_1``…)."""
    taken: set[str] = set()
    return [unique(section_anchor(name), taken) for name in names]


def topic_url(slug: str) -> str:
    """A topic's URL relative to the site root."""
    return f"topics/{slug}/"


@dataclass(frozen=True)
class TopicRecord:
    """One topic as listed in ``topics.json``."""

    slug: str
    title: str
    aliases: list[str]
    tags: list[str]
    url: str
    """Relative to the site root: ``topics/<slug>/``."""
    summary: str
    """The first sentence of What, as plain text."""
    anchors: list[str]
    """HTML ids of the page's sections, in page order."""

    @property
    def names(self) -> list[str]:
        """The title followed by every alias."""
        return [self.title, *self.aliases]


def topic_record(topic: Topic) -> TopicRecord:
    """The export record of one topic."""
    _, sections = parse_body(topic.body)
    return TopicRecord(
        slug=topic.slug,
        title=topic.title,
        aliases=list(topic.aliases),
        tags=list(topic.tags),
        url=topic_url(topic.slug),
        summary=summary(sections, topic.title),
        anchors=section_anchors([s.name for s in sections]),
    )


def topic_records(topics: list[Topic]) -> list[TopicRecord]:
    """Export records of all topics, sorted by slug."""
    return [topic_record(t) for t in sorted(topics, key=lambda t: t.slug)]


def topics_json(
    topics: list[Topic],
    site_name: str,
    site_url: str = "",
    records: list[TopicRecord] | None = None,
) -> str:
    """The ``topics.json`` document; ``site_url`` (when known) is the absolute site root.

    ``records``, when the caller has them already, are :func:`topic_records` of ``topics``.
    """
    data: dict[str, object] = {"version": FORMAT_VERSION, "site_name": site_name}
    if site_url:
        data["site_url"] = site_url if site_url.endswith("/") else site_url + "/"
    data["topics"] = [asdict(r) for r in records or topic_records(topics)]
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def inventory(topics: list[Topic], project: str, records: list[TopicRecord] | None = None) -> bytes:
    """A zlib-compressed Sphinx v2 inventory: one ``std:term`` per unambiguous title and alias.

    Sphinx matches ``:term:`` targets case-insensitively, so names are stored lower-cased
    (the display name keeps the original spelling). A name that is the title of one topic
    points there; a name that is only an alias points at its topic unless several topics
    share it, in which case it is left out rather than pointing at an arbitrary one.
    """
    records = records or topic_records(topics)
    index = NameIndex([asdict(r) for r in records])
    inv = soi.Inventory()
    inv.project, inv.version = project, ""
    seen: set[str] = set()
    for record in records:
        for name in record.names:
            key = " ".join(name.lower().split())
            found = index.lookup_exact(name)
            if key in seen or len(found) != 1 or found[0].slug != record.slug:
                continue
            seen.add(key)
            inv.objects.append(
                soi.DataObjStr(
                    name=key,
                    domain="std",
                    role="term",
                    priority="-1",
                    uri=record.url,
                    dispname=name if name != key else "-",
                )
            )
    # A name several topics go by leads to the page that lists them.
    for shared in shared_names([asdict(r) for r in records]):
        key = " ".join(shared.name.lower().split())
        if key not in seen:
            seen.add(key)
            inv.objects.append(
                soi.DataObjStr(
                    name=key,
                    domain="std",
                    role="term",
                    priority="-1",
                    uri=shared.url,
                    dispname=shared.name if shared.name != key else "-",
                )
            )
    return soi.compress(inv.data_file(contract=True))

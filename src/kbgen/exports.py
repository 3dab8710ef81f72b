"""Machine-readable exports written into every built site: ``topics.json`` and ``objects.inv``.

``topics.json`` (schema: ``kbgen/schema/topics.schema.json``) lets other tools resolve topic
names to URLs: the ``[[Name]]`` Markdown extension, ``kbgen link``, the browse page.
``objects.inv`` is written by :mod:`kbgen.inventory`. Deterministic: the same topics give
the same bytes.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from markdown.extensions.toc import slugify as toc_slugify
from markdown.extensions.toc import unique

from kbgen.incremental import Memo
from kbgen.records import Topic
from kbgen.store import parse_body

# The summary helpers moved to kbgen.summary; importable from here as before.
from kbgen.summary import SUMMARY_LIMIT, first_sentence, math_text, plain_text, summary  # noqa: F401

FORMAT_VERSION = 2
"""Version of the ``topics.json`` layout; bumped on any incompatible change (2: ``url`` is
absolute when the site's address is known)."""

SCHEMA_FILE = "topics.schema.json"
"""The JSON Schema of ``topics.json``, published beside it at the site root."""


@functools.lru_cache(maxsize=65536)  # every page has the same few headings
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
    shared_names: Mapping[str, Iterable[str]] | None = None,
    memo: Memo | None = None,
) -> str:
    """The ``topics.json`` document; ``site_url`` (when known) is the absolute site root.

    ``shared_names`` maps a name the texts imply for several topics, which no title or
    alias gives (:func:`kbgen.disambiguation.implied_names`), to their slugs.

    With ``site_url``, every topic's ``url`` and the ``$schema`` are absolute; without it
    they are relative to the site root. ``records``, when the caller has them already, are
    :func:`topic_records` of ``topics``. ``memo`` (:mod:`kbgen.incremental`) keeps each
    topic's entry between calls.
    """
    root = site_url if not site_url or site_url.endswith("/") else site_url + "/"
    data: dict[str, object] = {
        "$schema": root + SCHEMA_FILE,
        "version": FORMAT_VERSION,
        "site_name": site_name,
    }
    if root:
        data["site_url"] = root
    records = records or topic_records(topics)
    if shared_names:
        names = {name: sorted(slugs) for name, slugs in sorted(shared_names.items())}
    if memo is None:
        data["topics"] = [{**asdict(r), "url": root + r.url} for r in records]
        if shared_names:
            data["shared_names"] = names
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    # The same text, each topic's entry kept: json.dumps indents a nested value by its depth.
    data["topics"] = []
    if shared_names:
        data["shared_names"] = names
    head, _, tail = _dump(data).partition('"topics": []')
    entries = [
        memo.get("topics.json", (record_key(r), root), lambda r=r: _entry(r, root)) for r in records
    ]
    listed = "[\n  " + ",\n  ".join(entries) + "\n ]" if entries else "[]"
    return head + '"topics": ' + listed + tail + "\n"


def record_key(r: TopicRecord) -> tuple:
    """Every field of ``r``, hashable: a key for a result made of the record."""
    return (r.slug, r.title, tuple(r.aliases), tuple(r.tags), r.url, r.summary, tuple(r.anchors))


def _dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)


def _entry(r: TopicRecord, root: str) -> str:
    """One topic's entry in ``topics.json``, as nested two deep."""
    return _dump({**asdict(r), "url": root + r.url}).replace("\n", "\n  ")


def schema_json() -> bytes:
    """The JSON Schema of ``topics.json``, as shipped in the package."""
    return importlib.resources.files("kbgen").joinpath("schema", SCHEMA_FILE).read_bytes()

"""``objects.inv``: the site as a Sphinx inventory, written the way Sphinx writes its own.

Sphinx (intersphinx) and MkDocs (mkdocstrings / autorefs) projects link to topics by name
through it. What it holds, all in the ``std`` domain with priority ``-1`` as Sphinx gives:

- ``std:term``: every name of :func:`kbgen.terms.term_table` in its own spelling, with the
  display name ``-`` (Sphinx then shows what the author typed, styled as a term), and its
  lower-case spelling too: Sphinx looks a ``:term:`` up as written, then ignoring case, and
  older Sphinx versions only in lower case.
- ``std:label``: ``<name>`` for the topic page and ``<name>-<anchor>`` for each section
  (``lora``, ``lora-pitfalls``, ``low-rank-adaptation-use-when``), where ``<name>`` is the
  slug of any of the topic's names as MkDocs' toc makes it (autorefs looks a
  ``[Name][]`` up by that slug when the name itself is not found), or the topic's slug.
  ``:ref:`` shows the section's heading. A label two topics would share is left out.
- ``std:doc``: ``topics/<slug>``, for ``:doc:``.

The same topics give the same bytes.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import asdict, replace

from kbgen.disambiguation import shared_names
from kbgen.exports import section_anchor, topic_records
from kbgen.records import Topic
from kbgen.store import parse_body
from kbgen.terms import Term, fold, name_variants, term_table

PRIORITY = "-1"
"""What Sphinx writes for terms, labels and documents: found, but not shown in search."""


# Readers split a line at the first ` <domain>:<role> <priority> `: a name holding one would
# end early and give the rest of itself as the URL.
_LOOKS_LIKE_FIELDS = re.compile(r"\s\S+:\S+\s+-?\d+(\s|$)")


_SPACES = re.compile(r"\s+")


def _one_line(text: str) -> str:
    """As Sphinx's writer does: any run of whitespace (a line break too) is one space."""
    return _SPACES.sub(" ", text).strip()


def _entry(name: str, role: str, uri: str, dispname: str = "-") -> str:
    name, dispname = _one_line(name), _one_line(dispname) or "-"
    return f"{name} std:{role} {PRIORITY} {uri} {'-' if dispname == name else dispname}\n"


def write_inventory(project: str, version: str, lines: list[str]) -> bytes:
    """A Sphinx v2 inventory, byte for byte as ``sphinx.util.inventory`` writes one."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {_one_line(project)}\n"
        f"# Version: {_one_line(version)}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(line.encode()) for line in lines)
    return header.encode() + body + compressor.flush()


def inventory(
    topics: list[Topic],
    project: str,
    records: list | None = None,
    disambiguation: Mapping[str, str] | None = None,
) -> bytes:
    """A zlib-compressed Sphinx v2 inventory of the topics.

    ``records`` are :func:`kbgen.exports.topic_records` of ``topics`` when the caller has
    them; ``disambiguation`` maps a folded name that several topics share to the URL of
    its disambiguation page (by default, the pages :mod:`kbgen.disambiguation` makes; a
    shared name without one is left out).
    """
    records = records or topic_records(topics)
    if disambiguation is None:
        shared = shared_names([asdict(r) for r in records])
        disambiguation = {fold(d.name): d.url for d in shared}
    by_slug = {t.slug: t for t in topics}
    url_of = {r.slug: r.url for r in records}
    terms = term_table([(r.slug, r.names) for r in records], url_of, disambiguation)
    # A shared name leads to its list, as `kbgen link` does, even where one title gives it.
    terms = [
        replace(t, slug="", url=disambiguation[fold(t.name)])
        if fold(t.name) in disambiguation
        else t
        for t in terms
    ]
    # Names no topic lists (``Lookahead``, implied by two titles) lead to their list too.
    listed = {fold(t.name) for t in terms}
    terms += [Term(name, "", url) for name, url in disambiguation.items() if name not in listed]
    entries: dict[tuple[str, str], str] = {}
    for term in terms:
        if _LOOKS_LIKE_FIELDS.search(_one_line(term.name)):
            continue
        for name in dict.fromkeys([term.name, term.name.lower()]):
            entries.setdefault((name, "term"), _entry(name, "term", term.url))

    names_of: dict[str, list[str]] = {}
    for term in terms:
        names_of.setdefault(term.slug, []).append(term.name)
    # Every name a topic goes by claims its label, so that a name two topics share (`SAM`)
    # labels neither, even where one topic's slug is that name.
    label_owners: dict[str, set[str]] = {}
    for record in records:
        for name in [*record.names, *(v for n in record.names for v in name_variants(n))]:
            label_owners.setdefault(section_anchor(name), set()).add(record.slug)
    labels: dict[str, tuple[str, str]] = {}
    for record in records:
        keys = [record.slug, *map(section_anchor, names_of.get(record.slug, []))]
        _, sections = parse_body(by_slug[record.slug].body)
        headings = [s.name for s in sections]
        for key in dict.fromkeys(k for k in keys if k):
            targets = [(key, record.url, record.title)]
            targets += [
                (f"{key}-{anchor}", f"{record.url}#{anchor}", f"{record.title}: {heading}")
                for anchor, heading in zip(record.anchors, headings, strict=False)
            ]
            for label, uri, title in targets:
                label_owners.setdefault(label, set()).add(record.slug)
                labels.setdefault(label, (uri, title))
    for label, (uri, title) in labels.items():
        if len(label_owners[label]) == 1:
            entries[(label, "label")] = _entry(label, "label", uri, title)

    for record in records:
        name = record.url.rstrip("/")
        entries[(name, "doc")] = _entry(name, "doc", record.url, record.title)

    # Sphinx writes a domain's objects sorted by name.
    return write_inventory(project, "", [entries[key] for key in sorted(entries)])

"""``kbgen link`` and ``kbgen search``: name lookups and searches from the terminal.

Both read the topic store directly, so they work before any site is built. URLs are
``--base-url`` + ``topics/<slug>/``; the base defaults to ``site_url`` in the project's
``mkdocs.yml`` when it has one, else URLs stay relative to the site root.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from difflib import get_close_matches

from mkdocs.exceptions import ConfigurationError
from mkdocs.utils.yaml import yaml_load

from kbgen.classify import subject_tags
from kbgen.config import Config
from kbgen.disambiguation import implied_names, shared_names
from kbgen.exceptions import InputError, KbgenError, Problem
from kbgen.exports import TopicRecord, section_anchor, topic_records
from kbgen.resolve import NameIndex
from kbgen.search_index import search_files
from kbgen.search_query import Searcher, memory_loader
from kbgen.store import load_topics


@dataclass(frozen=True)
class Outcome:
    """What a command prints and its exit status."""

    code: int
    out: str = ""
    err: str = ""

    def emit(self) -> int:
        """Print the outcome; return the exit status."""
        sys.stdout.write(self.out)
        sys.stderr.write(self.err)
        return self.code


def base_url(config: Config, given: str | None = None) -> str:
    """The prefix of topic URLs, ending in ``/``, or ``""`` for URLs relative to the site root.

    ``given`` (``--base-url``) wins; else ``site_url`` in the project's ``mkdocs.yml``
    (read as MkDocs reads it, so ``!ENV [KBGEN_SITE_URL, …]`` counts).
    """
    if given is None:
        path = config.root / "mkdocs.yml"
        try:
            data = yaml_load(path.read_text(encoding="utf-8")) if path.exists() else {}
        except ConfigurationError as exc:
            raise KbgenError(f"{path}: {exc}") from exc
        url = data.get("site_url") if isinstance(data, dict) else None
        given = url if isinstance(url, str) else ""
    return given if not given or given.endswith("/") else given + "/"


def project_records(config: Config) -> tuple[list[TopicRecord], list[Problem]]:
    """Export records of the project's topics, and the problems met reading them."""
    records, _, problems = project_topics(config)
    return records, problems


def project_topics(config: Config) -> tuple[list[TopicRecord], dict[str, str], list[Problem]]:
    """Export records of the project's topics, their bodies by slug, and the problems met
    reading them."""
    if not config.topics_dir.is_dir():
        raise KbgenError(f"no topic store at {config.topics_dir}; run `kbgen import` first")
    loaded, problems = load_topics(config.topics_dir)
    bodies = {t.topic.slug: t.topic.body for t in loaded}
    return topic_records([t.topic for t in loaded]), bodies, problems


def project_shared(config: Config) -> dict[str, list[str]]:
    """Names the texts give several topics (:func:`kbgen.disambiguation.implied_names`)."""
    loaded, _ = load_topics(config.topics_dir)
    return implied_names([t.topic for t in loaded], subject_tags(config))


def link(
    records: list[TopicRecord],
    name: str,
    base: str,
    shared: Mapping[str, Iterable[str]] | None = None,
) -> Outcome:
    """The canonical URL and a Markdown link for a title or alias (``NAME#section`` too).

    ``shared`` are the names the texts imply for several topics (:func:`project_shared`).
    """
    index = NameIndex([asdict(r) for r in records], shared)
    wanted, anchor = name, ""
    if not index.lookup(name) and "#" in name:
        wanted, anchor = (part.strip() for part in name.rsplit("#", 1))
    found = index.lookup(wanted)
    if len(found) > 1:
        lines = [f"error: `{wanted}` is ambiguous; it names {len(found)} topics:"]
        lines += [f"  {r.title}  ({r.name})  {base}{r.url}" for r in found]
        return Outcome(1, err="\n".join(lines) + "\n")
    if not found:
        close = index.suggest(wanted)
        hint = "closest: " + ", ".join(f"`{c}`" for c in close) if close else "no close names"
        return Outcome(1, err=f"error: no topic is named `{wanted}`; {hint}\n")
    topic = found[0]
    url = base + topic.url
    if anchor:
        fragment = anchor if anchor in topic.anchors else section_anchor(anchor)
        if fragment not in topic.anchors:
            close = get_close_matches(fragment, topic.anchors, n=3, cutoff=0.4)
            known = ", ".join(f"`{a}`" for a in close or topic.anchors)
            return Outcome(
                1, err=f"error: `{topic.title}` has no section `{anchor}`; try {known}\n"
            )
        url += f"#{fragment}"
    meanings = index.meanings(topic.slug)
    note = ""
    if meanings:
        note = f"note: `{wanted}` names {len(meanings)} topics; "
        note += "the link leads to the page that lists them:\n"
        note += "".join(f"  {r.title}  {base}{r.url}\n" for r in meanings)
    return Outcome(0, out=f"{url}\n[{topic.name}]({url})\n", err=note)


def search_topics(
    records: list[TopicRecord],
    query: str,
    tags: list[str],
    base: str,
    allowed_tags: dict[str, str],
    limit: int,
    as_json: bool,
    synonyms: tuple[tuple[str, ...], ...] = (),
    bodies: dict[str, str] | None = None,
    shared: Mapping[str, Iterable[str]] | None = None,
) -> Outcome:
    """Search as the site does, on the same index; print ranked titles, tags and URLs, or JSON.

    ``shared`` are the names the texts imply for several topics (:func:`project_shared`);
    a shared name's disambiguation page is a result as on the site (no tags, no aliases).
    """
    unknown = [t for t in tags if allowed_tags and t not in allowed_tags]
    if unknown:
        raise InputError(
            [Problem("--tag", 0, _unknown_tag(t, list(allowed_tags))) for t in unknown]
        )
    tag_names = {t: (n, "") for t, n in allowed_tags.items()}
    pages = shared_names([asdict(r) for r in records], shared)
    index = search_files(records, tag_names, synonyms, bodies, pages)
    by_slug = {r.slug: r for r in records}
    hits = [
        (by_slug.get(t.slug) or TopicRecord(t.slug, t.title, [], [], t.url, t.summary, []), s)
        for s, t in Searcher(memory_loader(index)).search(query, tags)
    ]
    shown = hits[:limit] if limit > 0 else hits
    if as_json:
        results = [
            {
                "rank": i,
                **asdict(r),
                "url": base + r.url,
                "score": score,
                "kind": "topic" if r.slug in by_slug else "disambiguation",
            }
            for i, (r, score) in enumerate(shown, 1)
        ]
        data = {"query": query, "tags": tags, "total": len(hits), "results": results}
        return Outcome(0, out=json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    lines = []
    for i, (r, _) in enumerate(shown, 1):
        lines.append(f"{i:>2}. {r.title}" + (f"  [{', '.join(r.tags)}]" if r.tags else ""))
        lines.append(f"    {base}{r.url}")
    if not hits:
        lines.append("no topic matches")
    elif len(shown) < len(hits):
        lines.append(f"{len(shown)} of {len(hits)} topics shown; --limit 0 shows all")
    else:
        lines.append(f"{len(hits)} topic(s)")
    return Outcome(0, out="\n".join(lines) + "\n")


def _unknown_tag(tag: str, allowed: list[str]) -> str:
    close = get_close_matches(tag, allowed, n=1, cutoff=0.5)
    return f"unknown tag `{tag}`" + (f"; did you mean `{close[0]}`?" if close else "")

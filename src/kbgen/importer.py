"""``kbgen import``: sources → entries → topics, merged with the editors' store.

The import remembers what it last generated in ``topics/.import-state.json``. On the next
run each front matter key and each body section is merged three ways: what the import
generated last time (base), what is on disk (the editor's), and what it generates now.
An untouched unit takes the new text; an edited one keeps the editor's; where both
changed, the editor's stays and the conflict is reported. Slugs are remembered per source
entry, so a topic keeps its file name whatever happens to its title; a topic merged into
another leaves a redirect. Nothing is written until everything is computed, and then all
at once (:func:`kbgen.store.write_files`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kbgen import progress
from kbgen.atomic import EditedMeanwhile, stamps, write_files
from kbgen.classify import classify, subject_tags
from kbgen.config import Config
from kbgen.disambiguation import implied_names, qualified_slugs
from kbgen.exceptions import InputError, Problem
from kbgen.merge import Decision, Group, group_entries, name_key, parse_names
from kbgen.reconcile import WHOLE_FILE, Merge, merge_three_way, unit_label
from kbgen.records import Entry, SourceRef, Topic
from kbgen.report import format_report, source_parts
from kbgen.sections import section_parts
from kbgen.similarity import text_of
from kbgen.slugs import plain_dashes, topic_slug, unique_slug
from kbgen.sources import read_sources, source_accounts
from kbgen.state import STATE_FILE, ImportState, read_file, sources_digest
from kbgen.store import BodyPart, BodySection, compose_body, dump_topic, guard_text


@dataclass
class ImportResult:
    """What an import did, for the CLI and the report."""

    entries: list[Entry]
    topics: dict[str, list[SourceRef]]
    """Slug → the source entries that landed in it."""
    decisions: list[Decision]
    problems: list[Problem]
    written: list[str] = field(default_factory=list)
    """Slugs whose files changed."""
    conflicts: list[str] = field(default_factory=list)
    """``slug: unit`` where both the editor and the sources changed the same part."""
    redirects: dict[str, str] = field(default_factory=dict)
    """Old slug → the slug of the topic it was merged into."""
    unmapped_areas: list[str] = field(default_factory=list)
    """Source area headings that ``kbgen.yml`` maps to no tag, as ``file: area``."""
    parts: list[str] = field(default_factory=list)
    """Parts of the guides that are no technique: what each is, where, where it went."""


def _identity(entry: Entry) -> str:
    """An entry's name in its file, which survives lines moving (titles of no word, as is)."""
    return f"{entry.ref.file}::{name_key(entry.title) or entry.title}"


def _choose_title(group: Group) -> str:
    """The most used title; ties go to ``Long Name (ACR)`` forms, then the shortest."""
    voters = [e for e in group.entries if not e.label] or group.entries
    titles = Counter(plain_dashes(e.title) for e in voters)

    def score(title: str) -> tuple:
        n = parse_names(title)
        long_first = bool(n.acronyms) and not parse_names(title.split("(")[0]).acronyms
        return (-titles[title], not long_first, len(title), title)

    return min(titles, key=score)


def _aliases(group: Group, title: str) -> list[str]:
    names = [plain_dashes(e.title) for e in group.entries]
    names += [x for e in group.entries for x in parse_names(e.title).expansions]
    names += group.part_names
    names += [a for e in group.entries for a in e.aliases]
    seen = {title.casefold()}
    aliases = []
    for name in names:
        if name.strip() and name.casefold() not in seen:
            seen.add(name.casefold())
            aliases.append(name.strip())
    return aliases


def topic_tags(group: Group, config: Config) -> list[str]:
    """The sources' tags, then those ``kbgen.yml`` maps the entries' headings to.

    Every heading of an entry's :attr:`~kbgen.records.Entry.heading_path` lends its tags. A
    topic named in an ``A / B`` entry (``LoRA`` in ``LoRA / DoRA``) takes that entry's
    area tags too.
    """
    tags = [t for e in group.entries for t in e.tags]
    tags += [
        t
        for e in [*group.entries, *group.named_in]
        for heading in e.heading_path
        for t in config.area_tags(heading)
    ]
    return list(dict.fromkeys(tags))


def unmapped_areas(entries: list[Entry], config: Config) -> list[str]:
    """``file: heading`` for each area or grouping heading that ``kbgen.yml`` maps to no tag."""
    headings = dict.fromkeys((e.ref.file, h) for e in entries for h in e.heading_path)
    return [f"{file}: {h}" for file, h in headings if not config.area_tags(h)]


def build_topic(group: Group, slug: str, related: list[str], tags: list[str]) -> Topic:
    """The generated topic for a group of entries."""
    title = _choose_title(group)
    # Source text is data: a heading in it must not add one to the page.
    sections = [
        BodySection(name, tuple(BodyPart(ref, guard_text(t, headings=True)) for ref, t in parts))
        for name, parts in section_parts(group)
    ]
    return Topic(
        slug=slug,
        title=title,
        aliases=_aliases(group, title),
        tags=tags,
        sources=group.refs,
        related=related,
        body=compose_body(sections),
    )


def drop_shared_aliases(topics: list[Topic]) -> list[Decision]:
    """Remove aliases that name several topics (``SAM``): a name must lead to one page."""
    owners: dict[str, set[str]] = {}
    for topic in topics:
        for name in topic.names:
            owners.setdefault(name.casefold(), set()).add(topic.slug)
    decisions = []
    for topic in topics:
        shared = [a for a in topic.aliases if len(owners[a.casefold()]) > 1]
        if shared:
            topic.aliases = [a for a in topic.aliases if a not in shared]
            decisions += [
                Decision("ambiguous", (a, topic.title), "alias of several topics: dropped")
                for a in shared
            ]
    return decisions


def free_shared_slugs(
    groups: list[Group], topics: list[Topic], state: ImportState, implied: dict[str, list[str]]
) -> dict[str, str]:
    """Move a topic off a slug that is a shared name's (``ipo``): that URL lists every meaning.

    The topic takes its qualified slug (``ipo-identity-preference-optimization``, or its
    title with its source heading); its old URL, the list, names it. Returns new → old slug.
    """
    qualifiers = {
        t.slug: next((h for e in g.entries for h in reversed(e.heading_path)), "")
        for g, t in zip(groups, topics, strict=True)
    }
    taken = {t.slug for t in topics} | set(state.generated) | set(state.redirects)
    moved = qualified_slugs(topics, qualifiers, taken, implied)
    for topic in topics:
        topic.slug = moved.get(topic.slug, topic.slug)
        topic.related = sorted(moved.get(r, r) for r in topic.related)
    return {new: old for old, new in moved.items()}


def assign_slugs(groups: list[Group], state: ImportState) -> list[str]:
    """Give each group the slug its entries had before, or a new unique one.

    An entry's identity outweighs the line it sits on, which only recognises a re-worded
    title; claims are settled strongest first, so a new entry on an old line never takes
    a slug from the entries that own it. A slug some current entry holds by identity is
    never taken by line, so a topic merged away redirects instead of being reused; nor is
    it, or a redirect's slug, given to a new topic.
    """
    strong = [Counter(state.slugs.get(_identity(e)) for e in g.entries) for g in groups]
    held = {slug for votes in strong for slug in votes}
    weak = [
        Counter(
            state.lines.get(str(e.ref))
            for e in g.entries
            if _identity(e) not in state.slugs and state.lines.get(str(e.ref)) not in held
        )
        for g in groups
    ]
    claims = sorted(
        (-strength, -count, slug, g)
        for strength, table in ((2, strong), (1, weak))
        for g, votes in enumerate(table)
        for slug, count in votes.items()
        if slug is not None
    )
    slugs: list[str | None] = [None] * len(groups)
    assigned: set[str] = set()
    for _, _, slug, g in claims:
        if slugs[g] is None and slug not in assigned:
            slugs[g] = slug
            assigned.add(slug)
    taken = assigned | set(state.generated) | set(state.redirects)
    for g, group in enumerate(groups):
        if slugs[g] is None:
            slug = topic_slug(_choose_title(group))
            # A merge undone: the redirect this topic left behind, into the topic its
            # entries were merged with, becomes its page again.
            merged_into = state.redirects.get(slug)
            if slug in assigned or merged_into is None or merged_into not in strong[g]:
                slug = unique_slug(slug, taken)
            slugs[g] = slug
            assigned.add(slug)
            taken.add(slug)
    return [s for s in slugs if s is not None]


def _check_folders(config: Config) -> None:
    problems = []
    if not config.sources_dir.is_dir():
        problems.append(Problem(str(config.sources_dir), 0, "sources folder not found"))
    if config.topics_dir.exists() and not config.topics_dir.is_dir():
        problems.append(Problem(str(config.topics_dir), 0, "the topics folder is a file"))
    if problems:
        raise InputError(problems)


def run_import(config: Config) -> ImportResult:
    """Read every source, rebuild the topics and merge them into ``topics/`` atomically."""
    _check_folders(config)
    entries, problems = read_sources(config.sources_dir)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    groups, decisions = group_entries(entries, config)
    state_path = config.topics_dir / STATE_FILE
    state = ImportState.load(state_path)
    slugs = assign_slugs(groups, state)
    result = ImportResult(entries, {}, decisions, problems)
    result.unmapped_areas = unmapped_areas(entries, config)
    accounts = source_accounts(config.sources_dir)
    topics = [
        build_topic(
            group,
            slugs[g],
            sorted({slugs[r] for r in group.related if r != g}),
            topic_tags(group, config),
        )
        for g, group in enumerate(groups)
    ]
    texts = [text_of(group.entries) for group in groups]
    for a in classify([t.title for t in topics], texts, [t.tags for t in topics], config):
        topics[a.topic].tags.append(a.tag)
        result.decisions.append(Decision("tagged", (topics[a.topic].title, a.tag), a.evidence))
    result.decisions += drop_shared_aliases(topics)
    implied = implied_names(topics, subject_tags(config))
    for name, shared in implied.items():
        titles = [t.title for t in topics if t.slug in shared]
        result.decisions.append(Decision("ambiguous", (name, *titles), "a name of each: listed"))
    renamed = free_shared_slugs(groups, topics, state, implied)
    slugs = [t.slug for t in topics]
    new_state = ImportState(*_remember(groups, slugs))
    new_state.sources = sources_digest(config.sources_dir)
    for entry in entries:
        for tag, name in entry.tag_names:
            new_state.tag_names.setdefault(tag, name)
    kept: set[str] = set()
    for attempt in range(1, ATTEMPTS + 1):
        read = stamps(config.topics_dir)  # before any file is read: later saves show
        changes = _merge_store(config, groups, topics, state, new_state, result, kept, renamed)
        try:
            write_files(config.topics_dir, changes, {n: read.get(n) for n in changes})
            break
        except EditedMeanwhile as exc:
            saved = sorted(n for n in exc.names if n != STATE_FILE)
            for name in saved:
                where = config.topics_dir / name
                message = "saved while the import ran: " + (
                    "read again" if attempt < ATTEMPTS else "kept as saved, not merged"
                )
                result.problems.append(Problem(str(where), 0, message, "warning"))
            if attempt == ATTEMPTS - 1:
                kept |= {n.removesuffix(".md") for n in saved}
    result.redirects = new_state.redirects
    result.parts = source_parts(accounts, result.topics)
    return result


__all__ = ["ImportResult", "format_report", "run_import"]

ATTEMPTS = 3
"""Imports tried when editors keep saving the files it is about to replace."""


def _merge_store(
    config: Config,
    groups: list[Group],
    topics: list[Topic],
    state: ImportState,
    new_state: ImportState,
    result: ImportResult,
    kept: set[str],
    renamed: dict[str, str] | None = None,
) -> dict[str, str | None]:
    """The changes to ``topics/``: each new topic merged with the file on disk, stale ones.

    ``kept`` are slugs an editor kept saving during the import: their files stay as they
    are, reported as conflicts, and their merge base stays the old one. ``renamed`` maps a
    new slug to the old one whose file (with the editor's changes) moves there.
    """
    renamed = renamed or {}
    slugs = [t.slug for t in topics]
    result.written, result.conflicts, result.topics = [], [], {}
    new_state.generated, new_state.conflicts, new_state.upstream = {}, {}, {}
    changes: dict[str, str | None] = {}
    bar = progress.task("Merging topics", len(topics))
    for group, topic in zip(groups, topics, strict=True):
        bar.advance()
        new = dump_topic(topic)
        was = renamed.get(topic.slug, topic.slug)
        mine = read_file(config.topics_dir / f"{was}.md")
        base = state.generated.get(was)
        if topic.slug in kept:
            merge = Merge(mine or new, [WHOLE_FILE], base, "saved during the import")
        else:
            merge = merge_three_way(base, mine, new)
        for unit in merge.conflicts:
            why = f" ({merge.why})" if merge.why else ""
            result.conflicts.append(f"{topic.slug}: {unit_label(unit)}{why}")
        if merge.conflicts:
            new_state.conflicts[topic.slug] = merge.conflicts
            new_state.upstream[topic.slug] = new
        if merge.text != mine or was != topic.slug:
            changes[f"{topic.slug}.md"] = merge.text
            result.written.append(topic.slug)
        if merge.base is not None:
            new_state.generated[topic.slug] = merge.base
        result.topics[topic.slug] = group.refs
    retired, stale_kept = _stale(config.topics_dir, state, set(slugs) | set(renamed.values()))
    retired += [old for old in renamed.values() if old not in slugs]
    result.conflicts += [
        f"{slug}: whole file (no source entry is left in it)" for slug in stale_kept
    ]
    for slug in retired:
        if (config.topics_dir / f"{slug}.md").exists():
            changes[f"{slug}.md"] = None
            result.written.append(slug)
    moved = _successors(groups, slugs, state)
    new_state.redirects = _redirects(state.redirects, retired, set(slugs) | set(stale_kept), moved)
    if changes or new_state.dump() != read_file(config.topics_dir / STATE_FILE):
        changes[STATE_FILE] = new_state.dump()
    return changes


def _remember(groups: list[Group], slugs: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Entry identity → slug, and ``file:line`` → slug, for the next import.

    An identity two topics share (equal titles kept apart) says nothing: lines decide.
    """
    owners: dict[str, set[str]] = {}
    lines = {}
    for group, slug in zip(groups, slugs, strict=True):
        for e in [*group.entries, *group.notes]:
            owners.setdefault(_identity(e), set()).add(slug)
            lines[str(e.ref)] = slug
    return {key: next(iter(found)) for key, found in owners.items() if len(found) == 1}, lines


def _stale(topics_dir: Path, state: ImportState, current: set[str]) -> tuple[list[str], list[str]]:
    """Slugs of topics no entry makes any more: those to retire, and those to keep.

    A file the editor changed is kept, and reported as a conflict: deleting it would lose
    work; an untouched (or already deleted) one is retired.
    """
    retired, kept = [], []
    for slug in sorted(set(state.generated) - current):
        mine = read_file(topics_dir / f"{slug}.md")
        (kept if mine not in (None, state.generated[slug]) else retired).append(slug)
    return retired, kept


def _successors(groups: list[Group], slugs: list[str], state: ImportState) -> dict[str, str]:
    """Old slug → the slug most of its entries now live in."""
    moved: dict[str, Counter[str]] = {}
    for g, group in enumerate(groups):
        for e in [*group.entries, *group.notes]:
            old = state.slugs.get(_identity(e))
            if old is not None and old != slugs[g]:
                moved.setdefault(old, Counter())[slugs[g]] += 1
    return {old: min(c, key=lambda s: (-c[s], s)) for old, c in moved.items()}


def _redirects(
    old: dict[str, str], retired: list[str], live: set[str], successors: dict[str, str]
) -> dict[str, str]:
    """The old redirects plus one per retired slug whose entries moved, each to a live page.

    A chain (A merged into B, then B into C) resolves to its end; a redirect whose slug
    is a page again, or whose target is no page, is dropped.
    """
    links = {**old, **{s: successors[s] for s in retired if s in successors}}
    resolved = {}
    for slug, target in links.items():
        seen = {slug}
        while target in links and target not in seen:
            seen.add(target)
            target = links[target]
        if slug not in live and target in live:
            resolved[slug] = target
    return resolved

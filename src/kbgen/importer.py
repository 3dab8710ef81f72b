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

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kbgen import progress
from kbgen.config import Config
from kbgen.exceptions import InputError, Problem
from kbgen.merge import Decision, Group, group_entries, name_key, parse_names, section_parts
from kbgen.records import Entry, SourceRef, Topic
from kbgen.slugs import SLUG, plain_dashes, topic_slug, unique_slug
from kbgen.sources import read_sources
from kbgen.store import (
    BodyPart,
    BodySection,
    compose_body,
    dump_topic,
    guard_text,
    parse_body,
    parse_topic,
    write_files,
)

STATE_FILE = ".import-state.json"


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


_TABLES = ("slugs", "lines", "generated", "redirects")


def _str_map(table: object) -> dict[str, str] | None:
    """``table`` if it maps strings to strings, else None."""
    if isinstance(table, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in table.items()
    ):
        return table
    return None


@dataclass
class _State:
    """What the last import did, kept in ``topics/.import-state.json``."""

    slugs: dict[str, str] = field(default_factory=dict)
    """Entry identity (``file::name key``) → slug."""
    lines: dict[str, str] = field(default_factory=dict)
    """``file:line`` → slug, the fallback when an entry's title was re-worded."""
    generated: dict[str, str] = field(default_factory=dict)
    """Slug → the file text the last import generated (the merge base)."""
    redirects: dict[str, str] = field(default_factory=dict)
    """Old slug → the slug of the topic it was merged into."""
    sources: str = ""
    """Digest of the sources this import read (:func:`sources_digest`)."""
    tag_names: dict[str, str] = field(default_factory=dict)
    """Tag → its name as a source writes it (``sql`` → ``SQL``)."""

    @classmethod
    def load(cls, path: Path) -> _State:
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            message = f"unreadable import state ({exc}); delete it to import afresh"
            raise InputError([Problem(str(path), 1, message)]) from exc
        tables = [_str_map(raw.get(k, {})) for k in _TABLES] if isinstance(raw, dict) else [None]
        state = None if None in tables else cls(*tables)
        if state is not None and isinstance(raw.get("sources"), str):
            state.sources = raw["sources"]
        if state is not None:
            state.tag_names = _str_map(raw.get("tag_names", {})) or {}
        if state is None or not state.safe():
            message = "unreadable import state: not the tables of slugs kbgen writes"
            raise InputError([Problem(str(path), 1, f"{message}; delete it to import afresh")])
        return state

    def safe(self) -> bool:
        """Whether every slug in the state is a slug.

        The state lives in ``topics/`` beside the editors' files: a "slug" in it that is a
        path (``../x``) must be refused, not written to.
        """
        names = [*self.slugs.values(), *self.lines.values(), *self.generated]
        names += [*self.redirects, *self.redirects.values()]
        return all(SLUG.fullmatch(name) for name in names)

    def dump(self) -> str:
        data = {
            "version": 1,
            "sources": self.sources,
            "tag_names": dict(sorted(self.tag_names.items())),
            "slugs": dict(sorted(self.slugs.items())),
            "lines": dict(sorted(self.lines.items())),
            "redirects": dict(sorted(self.redirects.items())),
            "generated": dict(sorted(self.generated.items())),
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _identity(entry: Entry) -> str:
    """An entry's name in its file, which survives lines moving (titles of no word, as is)."""
    return f"{entry.ref.file}::{name_key(entry.title) or entry.title}"


def _choose_title(group: Group) -> str:
    """The most used title; ties go to ``Long Name (ACR)`` forms, then the shortest."""
    titles = Counter(plain_dashes(e.title) for e in group.entries)

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


def assign_slugs(groups: list[Group], state: _State) -> list[str]:
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


def _units(text: str | None) -> tuple[dict[str, object], list[str]] | None:
    """Split a topic file into mergeable units: front matter keys and body sections."""
    if text is None:
        return None
    loaded, problems = parse_topic(text, Path("topic.md"))
    if loaded is None or problems:
        return None
    topic = loaded.topic
    preamble, sections = parse_body(topic.body)
    names = [s.name for s in sections]
    if len(set(names)) < len(names):
        return None  # two sections of one name are not units: merging would drop one
    units: dict[str, object] = {
        "title": topic.title,
        "aliases": topic.aliases,
        "tags": topic.tags,
        "sources": topic.sources,
        "related": topic.related,
        "preamble": preamble,
        **{f"extra:{k}": v for k, v in topic.extra.items()},
        **{f"section:{s.name}": compose_body([s]) for s in sections},
    }
    return units, names


def merge_three_way(base: str | None, mine: str | None, new: str) -> tuple[str, list[str]]:
    """Merge the editor's file with the new import; returns the text and conflicting units."""
    if mine is None or mine == base:
        return new, []
    if mine == new:
        return mine, []
    if base is None:
        return mine, ["whole file (a file the import did not write has its slug)"]
    b, m, n = _units(base), _units(mine), _units(new)
    if m is None or n is None or b is None:
        return mine, ["whole file (it does not parse, or repeats a section)"] if m is None else []
    (bu, _), (mu, m_order), (nu, n_order) = b, m, n
    merged: dict[str, object] = {}
    conflicts = []
    for key in dict.fromkeys([*mu, *nu]):
        bv, mv, nv = bu.get(key), mu.get(key), nu.get(key)
        if mv == bv:
            value = nv
        elif nv in (bv, mv):
            value = mv
        else:
            value, _ = mv, conflicts.append(key)
        if value is not None:
            merged[key] = value
    order = [s for s in m_order if f"section:{s}" in merged]
    order += [s for s in n_order if s not in order and f"section:{s}" in merged]
    sections = [parse_body(str(merged[f"section:{s}"]))[1][0] for s in order]
    topic = Topic(
        slug="",
        title=str(merged["title"]),
        aliases=list(merged.get("aliases", [])),
        tags=list(merged.get("tags", [])),
        sources=list(merged.get("sources", [])),
        related=list(merged.get("related", [])),
        body=compose_body(sections, str(merged.get("preamble", ""))),
        extra={k[6:]: v for k, v in merged.items() if k.startswith("extra:")},
    )
    return dump_topic(topic), conflicts


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
    state = _State.load(state_path)
    slugs = assign_slugs(groups, state)
    result = ImportResult(entries, {}, decisions, problems)
    result.unmapped_areas = unmapped_areas(entries, config)
    topics = [
        build_topic(
            group,
            slugs[g],
            sorted({slugs[r] for r in group.related if r != g}),
            topic_tags(group, config),
        )
        for g, group in enumerate(groups)
    ]
    result.decisions += drop_shared_aliases(topics)
    changes: dict[str, str | None] = {}
    new_state = _State(*_remember(groups, slugs), sources=sources_digest(config.sources_dir))
    for entry in entries:
        for tag, name in entry.tag_names:
            new_state.tag_names.setdefault(tag, name)
    bar = progress.task("Merging topics", len(topics))
    for group, topic in zip(groups, topics, strict=True):
        bar.advance()
        new = dump_topic(topic)
        mine = _read(config.topics_dir / f"{topic.slug}.md")
        text, conflicts = merge_three_way(state.generated.get(topic.slug), mine, new)
        result.conflicts += [f"{topic.slug}: {unit}" for unit in conflicts]
        if text != mine:
            changes[f"{topic.slug}.md"] = text
            result.written.append(topic.slug)
        new_state.generated[topic.slug] = new
        result.topics[topic.slug] = group.refs
    retired, kept = _stale(config.topics_dir, state, set(slugs))
    result.conflicts += [f"{slug}: whole file (no source entry is left in it)" for slug in kept]
    for slug in retired:
        if (config.topics_dir / f"{slug}.md").exists():
            changes[f"{slug}.md"] = None
            result.written.append(slug)
    moved = _successors(groups, slugs, state)
    new_state.redirects = _redirects(state.redirects, retired, set(slugs) | set(kept), moved)
    if changes or new_state.dump() != _read(state_path):
        changes[STATE_FILE] = new_state.dump()
    write_files(config.topics_dir, changes)
    result.redirects = new_state.redirects
    return result


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


def _read(path: Path) -> str | None:
    """A file's text; undecodable bytes are kept as surrogates, so they never match."""
    return path.read_bytes().decode("utf-8", "surrogateescape") if path.is_file() else None


def _stale(topics_dir: Path, state: _State, current: set[str]) -> tuple[list[str], list[str]]:
    """Slugs of topics no entry makes any more: those to retire, and those to keep.

    A file the editor changed is kept, and reported as a conflict: deleting it would lose
    work; an untouched (or already deleted) one is retired.
    """
    retired, kept = [], []
    for slug in sorted(set(state.generated) - current):
        mine = _read(topics_dir / f"{slug}.md")
        (kept if mine not in (None, state.generated[slug]) else retired).append(slug)
    return retired, kept


def _successors(groups: list[Group], slugs: list[str], state: _State) -> dict[str, str]:
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


def format_report(result: ImportResult) -> str:
    """A Markdown report of every merge decision, near duplicate, conflict and entry."""
    out = [
        "# Import report",
        "",
        f"{len(result.entries)} source entries → {len(result.topics)} topics.",
        "",
    ]
    for kind in ("merged", "ambiguous", "near duplicate", "kept apart", "note"):
        rows = [d for d in result.decisions if d.kind == kind]
        if rows:
            out += [f"## {kind.capitalize()} ({len(rows)})", ""]
            out += [f"- {' ⟷ '.join(d.titles)}: {d.reason}" for d in rows]
            out.append("")
    if result.unmapped_areas:
        out += [f"## Unmapped areas ({len(result.unmapped_areas)})", ""]
        out += ["Headings no tag in kbgen.yml covers (by name or `areas`): no tag.", ""]
        out += [f"- {a}" for a in result.unmapped_areas] + [""]
    if result.conflicts:
        out += ["## Conflicts (editor's version kept)", ""]
        out += [f"- {c}" for c in result.conflicts] + [""]
    if result.problems:
        out += ["## Problems", ""] + [f"- {p}" for p in result.problems] + [""]
    out += ["## Where every entry landed", ""]
    landed = sorted((ref, slug) for slug, refs in result.topics.items() for ref in refs)
    out += [f"- {ref} → {slug}" for ref, slug in landed]
    return "\n".join(out) + "\n"


def sources_digest(directory: Path) -> str:
    """A digest of every source file's name and bytes, as :func:`read_sources` sees them."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = path.relative_to(directory).as_posix()
        if name.startswith(".") or "/." in name:
            continue
        digest.update(f"{len(name)}:{name}".encode(errors="surrogateescape"))
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def sources_changed(config: Config) -> bool:
    """Whether the sources differ from those the last import read; False when no import
    ran (a store made by hand is not the sources') or it kept no digest."""
    if not config.sources_dir.is_dir() or not (config.topics_dir / STATE_FILE).is_file():
        return False
    try:
        state = _State.load(config.topics_dir / STATE_FILE)
    except InputError:
        return True  # the import reports the unreadable state itself
    # A state from before digests were kept says nothing: the store is taken as it is.
    return bool(state.sources) and state.sources != sources_digest(config.sources_dir)


_TAGS_LINE = re.compile(r"^tags: \[(.*)\]$", re.M)


def source_tags(topics_dir: Path) -> set[str]:
    """Every tag the last import gave a topic: those the sources name (a ``Tag:`` header, an
    area heading, a tags column), which need no entry in ``kbgen.yml``."""
    found: set[str] = set()
    for text in _State.load(topics_dir / STATE_FILE).generated.values():
        # The generated front matter holds its tags on one line of slugs (dump_topic).
        if m := _TAGS_LINE.search(text):
            found.update(t.strip() for t in m.group(1).split(",") if t.strip())
    return found


def source_tag_names(topics_dir: Path) -> dict[str, str]:
    """Tag → its name as the sources of the last import write it."""
    return dict(_State.load(topics_dir / STATE_FILE).tag_names)


def merged_redirects(topics_dir: Path) -> dict[str, str]:
    """Old slug → slug of the topic it was merged into, from the last import's state."""
    return dict(_State.load(topics_dir / STATE_FILE).redirects)

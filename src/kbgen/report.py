"""The import report: every merge decision, near duplicate, conflict, where each entry
landed, and every part of the sources that is in no topic (``kbgen import --report``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kbgen.records import SourceRef
from kbgen.sources.account import Account

if TYPE_CHECKING:
    from kbgen.importer import ImportResult


def source_parts(accounts: list[Account], topics: dict[str, list[SourceRef]]) -> list[str]:
    """Each source part that is no topic: ``file:lines: what → where it went``."""
    landed = {str(ref): slug for slug, refs in topics.items() for ref in refs}
    out = []
    for account in accounts:
        for line, title in account.pages:
            where = landed.get(f"{account.file}:{line}", "no topic")
            out.append(f"{account.file}:{line}: `{title}`, cross-technique material → {where}")
        for first, last, what in account.dropped:
            out.append(f"{account.file}:{first}-{last}: {what}")
    return out


def format_report(result: ImportResult) -> str:
    """A Markdown report of every merge decision, near duplicate, conflict and entry."""
    out = [
        "# Import report",
        "",
        f"{len(result.entries)} source entries → {len(result.topics)} topics.",
        "",
    ]
    for kind in ("merged", "ambiguous", "near duplicate", "kept apart", "note", "tagged"):
        rows = [d for d in result.decisions if d.kind == kind]
        if rows:
            out += [f"## {kind.capitalize()} ({len(rows)})", ""]
            out += [f"- {' ⟷ '.join(d.titles)}: {d.reason}" for d in rows]
            out.append("")
    if result.unmapped_areas:
        out += [f"## Unmapped areas ({len(result.unmapped_areas)})", ""]
        out += ["Headings no tag in kbgen.yml covers (by name or `areas`): no tag.", ""]
        out += [f"- {a}" for a in result.unmapped_areas] + [""]
    if result.parts:
        out += [f"## Source parts that are no topic ({len(result.parts)})", ""]
        out += [
            "A guide's cross-technique material is a page of its own, linking the topics it",
            "names; every other line of the sources is in a topic, or listed here.",
            "",
        ]
        out += [f"- {p}" for p in result.parts] + [""]
    if result.conflicts:
        out += ["## Conflicts (editor's version kept)", ""]
        out += [f"- {c}" for c in result.conflicts] + [""]
    if result.problems:
        out += ["## Problems", ""] + [f"- {p}" for p in result.problems] + [""]
    out += ["## Where every entry landed", ""]
    landed = sorted((ref, slug) for slug, refs in result.topics.items() for ref in refs)
    out += [f"- {ref} → {slug}" for ref, slug in landed]
    return "\n".join(out) + "\n"

"""A topic's sections from the parts its entries give, in page order."""

from __future__ import annotations

from kbgen.merge import Group
from kbgen.records import CORE_SECTIONS, SourceRef


def _add_part(parts: list[tuple[SourceRef, str]], ref: SourceRef, text: str) -> None:
    """Append a part; text another source gave word for word is shown once, with both
    labels: an empty part for ``ref`` goes right before the part that has the text."""
    words = text.split()
    for i, (_, earlier) in enumerate(parts):
        if earlier and earlier.split() == words:
            parts.insert(i, (ref, ""))
            return
    parts.append((ref, text))


def section_parts(group: Group) -> list[tuple[str, list[tuple[SourceRef, str]]]]:
    """The group's sections in page order, each with the attributed parts of every entry.

    A part that repeats an earlier one word for word is empty: its label joins the next
    part's on the page.
    """
    parts: dict[str, list[tuple[SourceRef, str]]] = {}
    for entry in group.entries:
        for section in entry.sections:
            if section.body.strip():
                _add_part(parts.setdefault(section.name, []), entry.ref, section.body.strip())
    for note in group.notes:
        parts.setdefault("Practitioner Tips", []).append((note.ref, note.section("What")))
    core = [(name, parts.pop(name)) for name in CORE_SECTIONS if name in parts]
    return core + list(parts.items())

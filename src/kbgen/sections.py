"""A topic's sections from the parts its entries give, in page order."""

from __future__ import annotations

from collections.abc import Iterable

from kbgen.merge import Group
from kbgen.records import CORE_SECTIONS, SourceRef


def _words(text: str) -> tuple[str, ...]:
    """What two parts must share to be the same text: their words, whitespace aside."""
    return tuple(text.split())


def dedupe_parts(parts: Iterable[tuple[SourceRef, str]]) -> list[tuple[SourceRef, str]]:
    """The parts in order; a text an earlier part gave word for word is shown once, with
    both labels: an empty part for the later ``ref`` goes right before the part that has
    the text, after the empty parts already there.

    Each part's words are looked up in a dict of the texts seen so far, so a topic of
    thousands of parts costs one look-up per part, not a comparison with every earlier one.
    """
    slots: list[tuple[list[SourceRef], SourceRef, str]] = []
    """Each distinct text: the refs that repeat it, its first ref, the text."""
    first: dict[tuple[str, ...], int] = {}
    """Words → the slot whose text has them."""
    for ref, text in parts:
        words = _words(text)
        if words in first:
            slots[first[words]][0].append(ref)
            continue
        if text:  # an empty part is no text another can repeat
            first[words] = len(slots)
        slots.append(([], ref, text))
    out: list[tuple[SourceRef, str]] = []
    for repeats, ref, text in slots:
        out += [(r, "") for r in repeats]
        out.append((ref, text))
    return out


def section_parts(group: Group) -> list[tuple[str, list[tuple[SourceRef, str]]]]:
    """The group's sections in page order, each with the attributed parts of every entry.

    A part that repeats an earlier one word for word is empty: its label joins the next
    part's on the page.
    """
    given: dict[str, list[tuple[SourceRef, str]]] = {}
    for entry in group.entries:
        for section in entry.sections:
            if section.body.strip():
                given.setdefault(section.name, []).append((entry.ref, section.body.strip()))
    parts = {name: dedupe_parts(texts) for name, texts in given.items()}
    for note in group.notes:
        parts.setdefault("Practitioner Tips", []).append((note.ref, note.section("What")))
    core = [(name, parts.pop(name)) for name in CORE_SECTIONS if name in parts]
    return core + list(parts.items())

"""Three-way merge of a topic file: what the last import wrote, the editor's file, the new import.

A file is split into units, each front matter key and each body section. An untouched unit
takes the new text; an edited one keeps the editor's; where both changed, the editor's
stays and the unit is a conflict. Units are compared without their source line numbers,
so an entry that moved (a line inserted above it) is no change, and an edited unit gets the
new line numbers. A conflict is remembered (:class:`Merge.base` keeps the old text of the
unit) until the editor resolves it (:func:`take_units`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kbgen.records import SourceRef, Topic
from kbgen.store import compose_body, dump_topic, parse_body, parse_topic

_MARKER_LINE = re.compile(r"(<!-- source: .+):(\d+)( -->)")

WHOLE_FILE = "whole file"


@dataclass(frozen=True)
class Merge:
    """The outcome of merging one topic file."""

    text: str
    """The file to write."""
    conflicts: list[str] = field(default_factory=list)
    """The units both sides changed; the new import has the sources' version."""
    base: str | None = None
    """The merge base to remember for next time: the new import, except that conflicting
    units keep their old base, so the conflict is found again until it is resolved."""
    why: str = ""
    """For a whole-file conflict, why the file could not be merged unit by unit."""


def units(text: str | None) -> tuple[dict[str, object], list[str]] | None:
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
    found: dict[str, object] = {
        "title": topic.title,
        "aliases": topic.aliases,
        "tags": topic.tags,
        "sources": topic.sources,
        "related": topic.related,
        "preamble": preamble,
        **{f"extra:{k}": v for k, v in topic.extra.items()},
        **{f"section:{s.name}": compose_body([s]) for s in sections},
    }
    return found, names


def compose(found: dict[str, object], order: list[str]) -> str:
    """A topic file from its units; sections in ``order``."""
    sections = [parse_body(str(found[f"section:{s}"]))[1][0] for s in order]
    topic = Topic(
        slug="",
        title=str(found["title"]),
        aliases=list(found.get("aliases", [])),  # type: ignore[call-overload]
        tags=list(found.get("tags", [])),  # type: ignore[call-overload]
        sources=list(found.get("sources", [])),  # type: ignore[call-overload]
        related=list(found.get("related", [])),  # type: ignore[call-overload]
        body=compose_body(sections, str(found.get("preamble", ""))),
        extra={k[6:]: v for k, v in found.items() if k.startswith("extra:")},
    )
    return dump_topic(topic)


def _shape(value: object) -> object:
    """A unit without its source line numbers: what an editor or a source really changed."""
    if isinstance(value, str):
        return _MARKER_LINE.sub(r"\1\3", value)
    if isinstance(value, list) and all(isinstance(v, SourceRef) for v in value):
        return [v.file for v in value]
    return value


def _refs(value: object) -> list[str]:
    if isinstance(value, str):
        return [f"{m[1]}:{m[2]}" for m in _MARKER_LINE.finditer(value)]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, SourceRef)]
    return []


def _renumber(value: object, base: object, new: object) -> object:
    """``value`` (the editor's unit) with the line numbers the sources moved to.

    The markers of the old base and the new import pair up in order when they name the
    same files; the editor's markers take the new number of their pair.
    """
    old_refs, new_refs = _refs(base), _refs(new)
    pairs = {
        o: n
        for o, n in zip(old_refs, new_refs, strict=False)
        if len(old_refs) == len(new_refs) and o.rsplit(":", 1)[0] == n.rsplit(":", 1)[0]
    }
    if not pairs:
        return value
    if isinstance(value, str):
        return _MARKER_LINE.sub(
            lambda m: pairs.get(f"{m[1]}:{m[2]}", f"{m[1]}:{m[2]}") + m[3], value
        )
    if isinstance(value, list):
        out = []
        for v in value:
            moved = pairs.get(str(v)) if isinstance(v, SourceRef) else None
            file, _, line = (moved or "").rpartition(":")
            out.append(SourceRef(file, int(line)) if moved else v)
        return out
    return value


def merge_three_way(base: str | None, mine: str | None, new: str) -> Merge:
    """Merge the editor's file ``mine`` with the ``new`` import, from their common ``base``."""
    if mine is None or mine == base:
        return Merge(new, base=new)
    if mine == new:
        return Merge(mine, base=new)
    if base is None:
        why = "a file the import did not write has its slug"
        return Merge(mine, [WHOLE_FILE], base=None, why=why)
    b, m, n = units(base), units(mine), units(new)
    if m is None:
        why = "it does not parse, or repeats a section"
        return Merge(mine, [WHOLE_FILE], base=base, why=why)
    if n is None or b is None:
        return Merge(mine, base=new)
    (bu, _), (mu, m_order), (nu, n_order) = b, m, n
    merged: dict[str, object] = {}
    next_base: dict[str, object] = dict(nu)
    conflicts: list[str] = []
    for key in dict.fromkeys([*mu, *nu]):
        bv, mv, nv = bu.get(key), mu.get(key), nu.get(key)
        if _shape(mv) == _shape(bv):
            value = nv
        elif _shape(nv) in (_shape(bv), _shape(mv)):
            value = _renumber(mv, bv, nv)
        else:
            value = _renumber(mv, bv, nv)
            conflicts.append(key)
            if bv is None:
                next_base.pop(key, None)
            else:
                next_base[key] = bv
        if value is not None:
            merged[key] = value
    order = [s for s in m_order if f"section:{s}" in merged]
    order += [s for s in n_order if s not in order and f"section:{s}" in merged]
    base_order = [s for s in n_order if f"section:{s}" in next_base]
    base_order += [
        k.removeprefix("section:")
        for k in next_base
        if k.startswith("section:") and k.removeprefix("section:") not in base_order
    ]
    text = compose(merged, order)
    return Merge(text, conflicts, compose(next_base, base_order) if conflicts else new)


def take_units(into: str | None, upstream: str, keys: list[str]) -> str:
    """``into`` with the units ``keys`` as the file ``upstream`` has them.

    Resolving a conflict in the sources' favour takes their units into the editor's file;
    either way, the merge base takes them, so that the editor's version counts as an edit
    of the current sources from then on.
    """
    if WHOLE_FILE in keys or into is None:
        return upstream
    mine, theirs = units(into), units(upstream)
    if mine is None or theirs is None:
        return upstream
    (found, order), (source, source_order) = mine, theirs
    for key in keys:
        if key in source:
            found[key] = source[key]
        else:
            found.pop(key, None)
    order += [s for s in source_order if s not in order]
    return compose(found, [s for s in order if f"section:{s}" in found])


def unit_label(unit: str) -> str:
    """A unit as the user reads it: ``section How``, ``front matter key aliases``."""
    if unit.startswith("section:"):
        return f"section `{unit.removeprefix('section:')}`"
    if unit == WHOLE_FILE:
        return WHOLE_FILE
    return f"front matter `{unit.removeprefix('extra:')}`"

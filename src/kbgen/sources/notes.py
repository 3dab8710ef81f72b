"""Reader for practitioner notes: ``## Area`` headings over ``- Name — summary`` bullets.

Each bullet is followed by ``[What]``, ``[Use When]``, ``[How]`` and ``[Pitfalls]`` lines,
which become the entry's four sections; the summary after the dash opens What. An area
heading becomes a tag on its entries, and their ``area``, which ``kbgen.yml`` can map to
more tags. Bullets under a heading with no labelled lines (the closing checklist) are
advice, not topics: they become entries with ``advice=True``.
"""

from __future__ import annotations

import re

from kbgen.exceptions import Problem
from kbgen.records import Entry, Section, SourceRef
from kbgen.slugs import plain_dashes, slugify
from kbgen.sources.account import Account

_LABEL = re.compile(r"^\s+\[(What|Use When|How|Pitfalls)\]\s*(.*)$")
_BULLET = re.compile(r"^- (.+)$")
_AREA = re.compile(r"^## (.+)$")
# The summary separator: an em or en dash between spaces.
_DASH = re.compile(r"\s+[—–]\s+")


def split_names(title: str) -> tuple[str, ...]:
    """Split a title that names several techniques (``LoRA / DoRA``) into their names.

    Slashes inside parentheses do not split (``Self-Supervised Learning (contrastive/masked)``),
    and a prefix ending in a hyphen takes the last name's suffix (``Prefix-/Prompt-Tuning``
    names ``Prefix-Tuning`` and ``Prompt-Tuning``).
    """
    parts, depth, current = [], 0, ""
    for char in plain_dashes(title):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "/" and depth <= 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return ()
    last = re.sub(r"\s*\(.*", "", parts[-1])
    suffix = last[last.find("-") + 1 :] if "-" in last else ""
    return tuple(p + suffix if p.endswith("-") and suffix else p for p in parts)


class NotesReader:
    """Reads the practitioner-notes format."""

    name = "practitioner-notes"

    def detect(self, text: str) -> bool:
        """Notes have Markdown headings and bullets followed by ``[What]`` lines."""
        return bool(re.search(r"^## ", text, re.M)) and bool(
            re.search(r"^- .+\n\s+\[What\]", text, re.M)
        )

    def parse(self, text: str, file: str) -> tuple[list[Entry], list[Problem]]:
        """Read every bullet, with its labelled lines, under its area heading."""
        entries, problems, _ = self.read(text, file)
        return entries, problems

    def read(self, text: str, file: str) -> tuple[list[Entry], list[Problem], Account]:
        """:meth:`parse`, and where every line went: text outside the bullets is dropped."""
        account = Account(file)
        outside: list[int] = []
        bullets: list[tuple[str, tuple[int, str], dict[str, str]]] = []
        area = ""
        bullet: tuple[int, str] | None = None
        labels: dict[str, str] = {}

        def close() -> None:
            if bullet is not None:
                bullets.append((area, bullet, labels))

        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.rstrip()
            read = True
            if m := _AREA.match(line):
                close()
                bullet, labels, area = None, {}, m.group(1).strip()
            elif m := _BULLET.match(line):
                close()
                bullet, labels = (number, m.group(1).strip()), {}
            elif (m := _LABEL.match(line)) and bullet is not None:
                labels[m.group(1)] = m.group(2).strip()
            elif line.startswith((" ", "\t")) and line.strip() and bullet is not None and labels:
                last = list(labels)[-1]
                labels[last] = f"{labels[last]} {line.strip()}"
            elif line.strip() and not line.startswith((" ", "\t")):
                close()
                bullet, labels, read = None, {}, False
            if line.strip() and not read:
                outside.append(number)
            elif line.strip():
                account.covered.add(number)
                if outside:
                    account.drop(outside, "text outside any entry (title, front matter, prose)")
                    outside = []
        account.drop(outside, "text outside any entry (title, front matter, prose)")
        close()
        # An area none of whose bullets has labelled lines holds advice, not topics.
        topical = {a for a, _, found in bullets if found}
        problems: list[Problem] = []
        entries = [_entry(file, b, found, a, a not in topical, problems) for a, b, found in bullets]
        return entries, problems, account


def _entry(
    file: str,
    bullet: tuple[int, str],
    labels: dict[str, str],
    area: str,
    advice: bool,
    problems: list[Problem],
) -> Entry:
    number, text = bullet
    name, summary = [*_DASH.split(text, maxsplit=1), ""][:2]
    name, summary = name.strip(), summary.strip()
    ref = SourceRef(file, number)
    if advice:
        return Entry(title=name, ref=ref, sections=(Section("What", text),), advice=True)
    what = "\n\n".join(t for t in (summary, labels.get("What", "")) if t)
    if not what:
        problems.append(Problem(file, number, f"`{name}` has no [What] line or summary", "warning"))
        what = name
    sections = [Section("What", what)]
    sections += [Section(k, labels[k]) for k in ("Use When", "How", "Pitfalls") if labels.get(k)]
    area_name = re.sub(r"\s*\([^)]*\)", "", area).strip()
    area_tag = slugify(area_name) if area else ""
    return Entry(
        title=name,
        ref=ref,
        sections=tuple(sections),
        tags=(area_tag,) if area_tag else (),
        tag_names=((area_tag, area_name),) if area_tag else (),
        names=split_names(name),
        area=area,
    )

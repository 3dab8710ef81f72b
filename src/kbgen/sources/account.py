"""Where a source file's lines went: into entries, or into parts no entry holds.

The import report lists each part no entry holds (what it is, ``file:line``, where it
went), so that every non-blank line of the sources is accounted for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BREAK = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|=+[ \t]*)$")


@dataclass
class Account:
    """Where a file's lines went: into entries (``covered``), or into a dropped part."""

    file: str
    covered: set[int] = field(default_factory=set)
    """Numbers of lines an entry holds, or whose heading titles one or names its area."""
    dropped: list[tuple[int, int, str]] = field(default_factory=list)
    """``(first line, last line, what)`` of each part no entry holds."""
    pages: list[tuple[int, str]] = field(default_factory=list)
    """``(line, title)`` of the cross-technique parts read as pages of their own."""

    def drop(self, numbers: list[int], what: str) -> None:
        """Record the lines ``numbers`` (in order) as one part no entry holds."""
        if numbers:
            self.dropped.append((numbers[0], numbers[-1], what))

    def lost(self, text: str) -> list[int]:
        """Numbers of the non-blank lines of ``text`` that neither holds (but rules)."""
        dropped = {n for first, last, _ in self.dropped for n in range(first, last + 1)}
        return [
            n
            for n, line in enumerate(text.splitlines(), 1)
            if line.strip() and not _BREAK.match(line) and n not in self.covered | dropped
        ]

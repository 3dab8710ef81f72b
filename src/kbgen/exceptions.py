"""Errors that carry the file and line they are about."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, printed as ``path:line: message``."""

    path: str
    """File the problem is in, as the user named it."""
    line: int
    """1-based line, or 0 when the problem concerns the whole file."""
    message: str
    """What is wrong, and where possible how to fix it."""
    severity: str = "error"
    """``error`` fails the command; ``warning`` is reported only."""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"


class KbgenError(Exception):
    """Base class of every error kbgen reports to the user."""


class InputError(KbgenError):
    """One or more input files are unusable; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class BuildError(KbgenError):
    """The site could not be built."""


class UsageError(KbgenError):
    """A setting or option is refused before anything is touched; the command exits 2."""


class FolderError(UsageError):
    """A folder setting would make kbgen overwrite something it must not."""


class LockError(UsageError):
    """Another kbgen command is working on the same project."""


class WriteError(KbgenError):
    """An output folder could not be written; the previous one is left as it was."""

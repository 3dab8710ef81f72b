"""Progress bars for long commands, shown on a terminal only (rich).

The pipeline stages report their steps here (:func:`task`); nothing is shown unless a
command turned the display on with :func:`shown`, and then only when stderr is a terminal,
so pipes, logs and tests see the summary lines alone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

_active: list[Progress] = []


class Task:
    """One bar: a label and a count of steps done out of a total."""

    def __init__(self, progress: Progress | None, label: str, total: int) -> None:
        self._progress = progress
        self._id = progress.add_task(label, total=total) if progress else None

    def advance(self, steps: int = 1) -> None:
        """Count ``steps`` more steps done."""
        if self._progress is not None and self._id is not None:
            self._progress.advance(self._id, steps)

    def done(self) -> None:
        """Mark the bar complete (its total may have been an estimate)."""
        if self._progress is not None and self._id is not None:
            task = self._progress.tasks[self._id]
            self._progress.update(self._id, completed=task.total)


def task(label: str, total: int) -> Task:
    """A bar for ``total`` steps of the stage ``label``; a no-op when none is shown."""
    return Task(_active[-1] if _active else None, label, total)


@contextmanager
def shown(stream: IO[str] | None = None) -> Iterator[None]:
    """Show the bars of the stages run inside, if ``stream`` (stderr) is a terminal."""
    stream = stream or sys.stderr
    if not stream.isatty():
        yield
        return
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=stream),
        transient=True,
    )
    _active.append(progress)
    try:
        with progress:
            yield
    finally:
        _active.remove(progress)

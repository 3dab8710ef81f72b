"""Work that runs beside the rest of a build, on a second core when there is one.

:func:`beside` starts a function in a forked child process; :meth:`Pending.result` waits
for what it returns. The child writes nothing: it hands its result back through a pipe,
so a child that fails, or a build killed while it runs, leaves no file behind, and a
child that dies gives its work back to the parent, which runs it itself. With a single
core, or for work too small to be worth a process, the work runs when its result is
asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["Pending", "beside", "cores"]

T = TypeVar("T")


def cores() -> int:
    """How many cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Pending(Generic[T]):
    """The result of work started by :func:`beside`."""

    def __init__(self, work: Callable[[], T], process: Any = None, reader: Any = None) -> None:
        self.work, self.process, self.reader = work, process, reader

    def result(self) -> T:
        """What the work returned (its exception raised), once it is done."""
        if self.process is None:
            return self.work()
        try:
            ok, value = self.reader.recv()
        except (EOFError, OSError):  # the child died before it answered: done here
            self.process.join()
            self.process = None
            return self.work()
        finally:
            self.reader.close()
        self.process.join()
        self.process = None
        if ok:
            return value
        raise value

    def cancel(self) -> None:
        """Stop the work: its result is not wanted."""
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.reader.close()
            self.process = None


def beside(work: Callable[[], T], worth: bool = True) -> Pending[T]:
    """``work`` started in a child process when ``worth`` it and a second core is there."""
    if not worth or cores() < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return Pending(work)
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)

    def child() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
        try:
            answer: tuple[bool, object] = (True, work())
        except BaseException as exc:  # handed to the parent, which raises it
            answer = (False, exc)
        writer.send(answer)

    process = context.Process(target=child, daemon=True)  # ends with the parent
    process.start()
    writer.close()
    return Pending(work, process, reader)

"""One kbgen command at a time per project: an advisory lock on ``.kbgen.lock``.

The kernel releases the lock when its holder exits, however it exits, so a killed command
never leaves a stale lock behind; the file keeps the holder's PID and command for the
message the next command prints.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kbgen.exceptions import LockError

LOCK_FILE = ".kbgen.lock"

try:
    import fcntl
except ImportError:  # Windows: msvcrt's byte-range lock does the same
    fcntl = None  # type: ignore[assignment]
    import msvcrt


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    pid, _, command = text.partition(" ")
    if not pid.isdigit():
        return "another kbgen command"
    return f"kbgen (PID {pid}{', ' + command if command else ''})"


def _acquire(path: Path, wait: float) -> int:
    """An open descriptor of ``path`` holding its lock; waits up to ``wait`` seconds.

    The holder removes the file when it is done; a command that opened the file before
    that holds a lock on a file that is gone, so it checks and starts again.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            message = f"{path}: cannot create the lock file: {exc.strerror or exc}"
            raise LockError(message) from exc
        if _try_lock(fd):
            try:
                if os.fstat(fd).st_ino == os.stat(path).st_ino:
                    return fd
            except FileNotFoundError:
                pass
        os.close(fd)
        if time.monotonic() >= deadline:
            raise LockError(
                f"{_holder(path)} is working on this project ({path}); "
                "wait for it to finish, or stop it, and try again"
            )
        time.sleep(0.1)


@contextmanager
def project_lock(root: Path, command: str, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the project's lock while the block runs; the lock file is gone afterwards.

    With ``wait`` 0 a held lock is an error at once, naming its holder; otherwise the call
    waits up to ``wait`` seconds (what ``kbgen serve`` does before a rebuild, so that an
    import in progress finishes first).
    """
    path = root / LOCK_FILE
    fd = _acquire(path, wait)
    try:
        os.write(fd, f"{os.getpid()} {command}\n".encode())
        yield
    finally:
        path.unlink(missing_ok=True)  # still holding the lock: see _acquire
        os.close(fd)  # closing releases the lock


def command_line() -> str:
    """This process's command, for the lock file: ``kbgen build``."""
    return " ".join(["kbgen", *sys.argv[1:2]])

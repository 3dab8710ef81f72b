"""Replace a whole folder atomically, carrying along what others save in it meanwhile.

The new folder is written beside the old one and swapped in (:func:`swap_in`), so that a
failure or a kill half-way never leaves it half-written; :func:`kbgen.folders.recover`
cleans up after a kill.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from kbgen.exceptions import WriteError
from kbgen.folders import mark


def write_bytes(path: Path, data: bytes) -> os.stat_result:
    """Write ``data`` to ``path`` so that no reader sees an old file half-overwritten; the
    file's status afterwards.

    A new file is created and written in place (cheaper: one file operation, not three);
    an existing one is written beside it and renamed over it. A new file left half-written
    by a failure is removed.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return os.stat(path)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        return os.fstat(fd)
    except BaseException:
        os.unlink(path)
        raise
    finally:
        os.close(fd)


def _link_or_copy(source: str, target: str) -> None:
    """Hard-link a file, which copies no data; copy it where links are not supported."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@contextmanager
def replace_directory(target: Path, *, start: str = "copy") -> Iterator[Path]:
    """Yield a scratch folder for a new ``target``; on success swap it in, on failure discard it.

    The previous directory stays intact until the new one is complete, so a failure
    half-way leaves it exactly as it was. ``start`` says what the scratch folder holds:
    ``copy``, a copy of ``target``; ``link``, hard links to its files, far cheaper for a
    big directory (the caller must then replace a file, unlink then write, and never write
    into one, which would change the original too); ``empty``, nothing.
    """
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        if target.exists() and start != "empty":
            copy = _link_or_copy if start == "link" else shutil.copy2
            shutil.copytree(target, scratch, dirs_exist_ok=True, copy_function=copy)
        yield scratch
        swap_in(scratch, target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


Stamp = tuple[int, int, int]
"""A file's inode, size and modification time: what changes when anyone saves it."""


def stamps(directory: Path) -> dict[str, Stamp]:
    """The :data:`Stamp` of every file in ``directory`` (none if it is missing)."""
    if not directory.is_dir():
        return {}
    found = {}
    for entry in os.scandir(directory):
        if entry.is_file(follow_symlinks=False):
            st = entry.stat(follow_symlinks=False)
            found[entry.name] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return found


class EditedMeanwhile(Exception):
    """Files the caller read were saved by someone else before they could be replaced."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        super().__init__(", ".join(sorted(names)))


def _carry_edits(
    target: Path,
    scratch: Path,
    before: dict[str, Stamp],
    read: Mapping[str, Stamp | None],
    changes: Mapping[str, str | None],
) -> set[str]:
    """Bring into ``scratch`` what was saved in ``target`` since the scratch copy was made.

    Returns the files among ``read`` (name → stamp when the caller read it, None for a
    file that did not exist) that changed since; those are left for the caller to decide.
    """
    now = stamps(target)
    edited = {name for name, stamp in read.items() if name in changes and now.get(name) != stamp}
    for name in set(now) | set(before):
        if name in changes:
            continue
        if name not in now:
            (scratch / name).unlink(missing_ok=True)  # deleted by an editor meanwhile
        elif now[name] != before.get(name):
            (scratch / name).unlink(missing_ok=True)
            shutil.copy2(target / name, scratch / name)
    return edited


def write_files(
    target: Path,
    changes: Mapping[str, str | None],
    read: Mapping[str, Stamp | None] | None = None,
) -> None:
    """Apply ``changes`` (file name → new text, None to delete) to ``target`` atomically.

    Nothing is touched when there are no changes, so an import that changes nothing
    costs no copy of the store. A file that someone saves in ``target`` while this runs
    is never lost: it is carried into the new folder, and if it is one of ``read`` (the
    files the caller based ``changes`` on, with their stamps then) and ``changes`` would
    replace it, :class:`EditedMeanwhile` is raised with nothing written, so the caller can
    read it again.
    """
    if not changes:
        return
    try:
        before = stamps(target)
        with replace_directory(target, start="link") as scratch:
            for name, text in sorted(changes.items()):
                path = scratch / name
                path.unlink(missing_ok=True)  # a new file: never write into a linked original
                if text is not None:
                    path.write_bytes(text.encode("utf-8"))
            edited = _carry_edits(target, scratch, before, read or {}, changes)
            if edited:
                raise EditedMeanwhile(edited)
            mark(scratch)
    except OSError as exc:
        where = exc.filename or target
        raise WriteError(
            f"cannot write {where}: {exc.strerror or exc}; {target} is unchanged"
        ) from exc


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    False where the system or the file system cannot, so the caller falls back on renames.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(new: Path, target: Path) -> None:
    """Move a finished directory into place, keeping the old one until the last moment.

    Where the system can, the two directories are exchanged in one atomic step, so that
    at every instant ``target`` is complete, old or new. Elsewhere it takes two renames:
    should the second fail, the old directory is put back; should the process be killed
    between them, :func:`kbgen.folders.recover` puts it back at the next command.
    """
    if target.exists() and _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # now the old contents
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)  # left by a run that was killed
    if target.exists():
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old.exists():
            os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)

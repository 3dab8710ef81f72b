"""Folder safety: what kbgen may replace, and recovery from a command that was killed.

kbgen replaces two folders wholesale, the topic store (``kbgen import``) and the site
(``kbgen build``), and writes generated pages into the docs folder. Before any command
touches them, :func:`check_folders` validates every folder setting against the others, so
that no setting or option (``--site-dir .``, ``site_dir: topics``, ``topics_dir: /etc``) can
make kbgen replace the project, its sources, its hand-written pages or a folder it did not
make. A folder kbgen replaces must be missing, empty, or marked as kbgen's by
:data:`MARKER`.

A replacement is written into a scratch folder beside its target and swapped in
(:func:`kbgen.atomic.swap_in`); a command killed half-way leaves ``.NAME.new-*`` or
``.NAME.old-*`` folders, which :func:`recover` puts right at the start of the next command.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from kbgen.config import CONFIG_FILE, Config
from kbgen.exceptions import FolderError

MARKER = ".kbgen"
"""A file kbgen writes into each folder it made and may replace (``topics/``, ``site/``)."""
MARKER_TEXT = "This folder is written by kbgen, which may replace it as a whole.\n"

_STATE_FILE = ".import-state.json"
"""A topic store an older kbgen wrote has its import state, but no marker yet."""
_SITE_SIGNS = ("index.html", "topics.json", "objects.inv")
"""Files every site kbgen built has at its root, marker or not."""


@dataclass(frozen=True)
class Folder:
    """One folder setting, for messages that name it."""

    setting: str
    """Where it was set: ``site_dir in kbgen.yml``, ``--site-dir``…"""
    path: Path
    """The folder, resolved."""
    role: str = "project folder"
    """What it holds: ``topic store``, ``site``…"""

    def __str__(self) -> str:
        return f"the {self.role} {self.path} ({self.setting})"


def _inside(path: Path, other: Path) -> bool:
    """Whether ``path`` is ``other`` or lies somewhere below it."""
    return path == other or other in path.parents


def _clash(what: Folder, other: Folder, *, may_contain: bool = False) -> str | None:
    """Why ``what`` must not be where it is relative to ``other``, or None."""
    if what.path == other.path:
        return f"it is {other}"
    if _inside(other.path, what.path) and not may_contain:
        return f"it contains {other}"
    if _inside(what.path, other.path):
        return f"it lies inside {other}"
    return None


def _error(what: Folder, reason: str) -> FolderError:
    return FolderError(f"{what.setting}: {what.path}: {reason}; nothing was changed")


def check_layout(root: Path, sources: Folder, topics: Folder, docs: Folder, site: Folder) -> None:
    """Refuse folder settings under which a command would overwrite another folder.

    The site must not be, contain or sit inside the project root, the sources, the topic
    store or the docs folder (the root may hold it); the topic store likewise, except
    that it may sit inside the root; the docs folder must not be or contain the root, the
    sources or the topic store.
    """
    project = Folder("--project", root)
    for what, others in (
        (site, (project, sources, topics, docs)),
        (topics, (project, sources, docs, site)),
        (docs, (project, sources, topics, site)),
    ):
        for other in others:
            if other is project:
                # Every folder may sit inside the project; none may be or hold it.
                if _inside(root, what.path):
                    where = "is" if what.path == root else "contains"
                    raise _error(what, f"it {where} the project folder {root}")
                continue
            reason = _clash(what, other)
            if reason:
                raise _error(what, reason)


def check_replaceable(folder: Folder, *, store: bool = False) -> None:
    """Refuse to replace ``folder`` unless it is missing, empty, or kbgen's own.

    A topic store is also kbgen's when it has an import state, or holds nothing but
    Markdown files (topics an editor wrote before the first import), which the import
    keeps.
    """
    path = folder.path
    if not path.exists():
        return
    if not path.is_dir():
        raise _error(folder, "it is a file, not a folder")
    names = {p.name for p in path.iterdir()}
    if not names or MARKER in names:
        return
    if store and (_STATE_FILE in names or all(n.endswith(".md") for n in names)):
        return
    if not store and all(n in names for n in _SITE_SIGNS):
        return
    raise _error(
        folder,
        f"it holds files that kbgen did not write (no {MARKER} file), so kbgen will not "
        "replace it; choose a new or empty folder",
    )


def mark(folder: Path) -> None:
    """Write the marker that lets kbgen replace ``folder`` next time."""
    path = folder / MARKER
    path.unlink(missing_ok=True)  # it may be a hard link into the folder being replaced
    path.write_text(MARKER_TEXT, encoding="utf-8")


def _say(message: str) -> None:
    print(f"kbgen: {message}", file=sys.stderr)


def recover(target: Path) -> list[str]:
    """Put right what a killed command left beside ``target``; returns what was done.

    ``.NAME.old-*`` is the previous complete folder, moved aside for a swap: if ``target``
    is missing, the command died between the two renames, and the old folder comes back;
    otherwise it is a leftover. ``.NAME.new-*`` is a scratch folder that was never swapped
    in (or the old contents after an atomic exchange): a leftover. Leftovers are removed.
    Call it only under the project lock (:mod:`kbgen.lock`), when no other command runs.
    """
    target = target.resolve()
    parent = target.parent
    if not parent.is_dir():
        return []
    done = []
    olds = sorted(parent.glob(f".{target.name}.old-*"))
    if not target.exists() and olds:
        newest = max(olds, key=lambda p: p.stat().st_mtime_ns)
        newest.rename(target)
        olds.remove(newest)
        done.append(f"restored {target} from {newest.name}, left by a command that was stopped")
    for leftover in [*olds, *sorted(parent.glob(f".{target.name}.new-*"))]:
        shutil.rmtree(leftover, ignore_errors=True)
        done.append(f"removed {leftover.name}, left by a command that was stopped")
    for message in done:
        _say(message)
    return done


def check_project(
    config: Config,
    *,
    site_dir: Path | None = None,
    docs_dir: Path | None = None,
    replaces: tuple[str, ...] = (),
    site_setting: str = "--site-dir",
) -> None:
    """Validate every folder of a project before a command touches any of them.

    ``site_dir`` is a ``--site-dir`` option, ``docs_dir`` the ``docs_dir`` of
    ``mkdocs.yml`` (where the pages are really written); ``replaces`` names the folders
    the command may replace wholesale, ``topics`` and ``site``.
    """
    kb = CONFIG_FILE
    sources = Folder(f"sources_dir in {kb}", config.sources_dir.resolve(), "sources folder")
    topics = Folder(f"topics_dir in {kb}", config.topics_dir.resolve(), "topic store")
    docs = Folder(
        "docs_dir in mkdocs.yml" if docs_dir else f"docs_dir in {kb}",
        (docs_dir or config.docs_dir).resolve(),
        "docs folder",
    )
    site = Folder(
        site_setting if site_dir else f"site_dir in {kb}",
        (site_dir or config.site_dir).resolve(),
        "site folder",
    )
    check_layout(config.root.resolve(), sources, topics, docs, site)
    if "topics" in replaces:
        check_replaceable(topics, store=True)
    if "site" in replaces:
        check_replaceable(site)

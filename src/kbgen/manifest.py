"""The docs folder's manifest: what kbgen last generated there, and from which inputs.

``docs/.kbgen-manifest.json`` (MkDocs skips files whose name starts with a dot) records a
digest of every input of the generator (the topic files and the import state, ``kbgen.yml``,
``mkdocs.yml``, the project's and kbgen's templates, kbgen's version, the site's name and
addresses, each topic's last-changed date) and, for every file it wrote, its size,
modification time and content digest. With it :mod:`kbgen.build`

- skips the whole generation when the inputs are the same and every file it lists is still
  there unchanged (same size and modification time): ``kbgen build`` with nothing changed
  renders no page;
- otherwise renders the pages but writes only the files whose digest changed or that were
  edited, replaced or deleted by hand since, instead of reading every file back.

A missing, unreadable or foreign manifest is no manifest: everything is generated again.
It is written last, after the files, so an interrupted generation never leaves a manifest
that claims files it did not write.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kbgen import __version__
from kbgen.config import CONFIG_FILE
from kbgen.prerendered import Blocks

if TYPE_CHECKING:
    from kbgen.config import Config
    from kbgen.incremental import Memo

MANIFEST_FILE = ".kbgen-manifest.json"
FORMAT = 2


def digest(data: bytes) -> str:
    """A short content digest (BLAKE2b, 128 bits, hex)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class FileEntry:
    """One generated file as written."""

    size: int
    mtime_ns: int
    digest: str


@dataclass(frozen=True)
class Manifest:
    """What the last generation wrote into a docs folder."""

    inputs: str = ""
    """Digest of every input (:func:`inputs_digest`)."""
    files: Mapping[str, FileEntry] = field(default_factory=dict)
    """Relative path → the file as written."""
    topics: int = 0
    redirects: int = 0
    blocks: Mapping[str, Blocks] = field(default_factory=dict)
    """Relative path → where that page's blocks of HTML are (:mod:`kbgen.prerendered`)."""

    @classmethod
    def load(cls, docs_dir: Path) -> Manifest:
        """The manifest of ``docs_dir``; an empty one when missing or unreadable."""
        try:
            data = json.loads((docs_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return cls()
            files = {k: FileEntry(*v) for k, v in data["files"].items()}
            blocks = {k: Blocks.from_json(v) for k, v in data["blocks"].items()}
            topics, redirects = int(data["topics"]), int(data["redirects"])
            return cls(data["inputs"], files, topics, redirects, blocks)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return cls()

    def save(self, docs_dir: Path) -> None:
        """Write the manifest into ``docs_dir`` (atomically)."""
        data = {
            "format": FORMAT,
            "inputs": self.inputs,
            "topics": self.topics,
            "redirects": self.redirects,
            "files": {k: [e.size, e.mtime_ns, e.digest] for k, e in sorted(self.files.items())},
            "blocks": {k: b.to_json() for k, b in sorted(self.blocks.items())},
        }
        path = docs_dir / MANIFEST_FILE
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)

    def on_disk(self, docs_dir: Path, relative: str) -> bool:
        """True when ``relative`` is still the file the manifest records (size, mtime)."""
        entry = self.files.get(relative)
        if entry is None:
            return False
        try:
            stat = os.stat(os.path.join(docs_dir, relative))
        except OSError:
            return False
        return stat.st_size == entry.size and stat.st_mtime_ns == entry.mtime_ns

    def all_on_disk(self, docs_dir: Path) -> bool:
        """True when every file the manifest records is still there as written."""
        return bool(self.files) and all(self.on_disk(docs_dir, r) for r in self.files)


def file_entry(path: Path, data: bytes) -> FileEntry:
    """The entry of a file just written with ``data``."""
    stat = path.stat()
    return FileEntry(stat.st_size, stat.st_mtime_ns, digest(data))


def tree_files(root: Path) -> list[Path]:
    """Every file below ``root`` (none if it is missing), sorted."""
    if not root.is_dir():
        return []
    return sorted((p for p in root.rglob("*") if p.is_file()), key=str)


def file_digest(path: Path) -> bytes:
    """The digest of a file's content (of a marker when it cannot be read)."""
    try:
        data = path.read_bytes()
    except OSError:
        data = b"\0missing"
    return hashlib.blake2b(data, digest_size=16).digest()


def inputs_digest(
    files: Iterable[Path],
    values: Iterable[str],
    content: Callable[[Path], bytes] = file_digest,
) -> str:
    """One digest of the files' paths and contents and of ``values``; ``content`` (default
    :func:`file_digest`) digests a file and may keep its results."""
    h = hashlib.blake2b(digest_size=16)
    for value in values:
        h.update(value.encode("utf-8", "surrogatepass") + b"\0")
    for path in files:
        h.update(str(path).encode("utf-8", "surrogatepass") + b"\0" + content(path))
    return h.hexdigest()


def settings_digest(config: Config, values: tuple[str, ...]) -> str:
    """The digest of what every page depends on: the settings, the templates, ``values``."""
    package = Path(str(importlib.resources.files("kbgen").joinpath("templates")))
    settings = [config.root / CONFIG_FILE, config.root / "mkdocs.yml"]
    settings += tree_files(config.root / "templates") + tree_files(package)
    return inputs_digest(settings, (__version__, *values))


def store_digest(
    config: Config,
    changed: dict[str, str],
    memo: Memo | None = None,
    read: dict[Path, bytes] | None = None,
) -> str:
    """The digest of the topic store and of each topic's last-changed date; ``memo`` keeps
    each file's digest while its size, modification time and inode stay. The files read
    for it are put in ``read``, so that loading the topics need not read them again."""
    kept: dict[tuple, bytes] = memo.get("file-digests", "store", dict) if memo else {}
    digests: dict[tuple, bytes] = {}

    def content(path: Path) -> bytes:
        try:
            stat = os.stat(path)
        except OSError:
            return file_digest(path)
        key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if key not in kept:
            try:
                data = path.read_bytes()
            except OSError:
                return file_digest(path)
            if read is not None:
                read[path] = data
            kept[key] = hashlib.blake2b(data, digest_size=16).digest()
        digests[key] = kept[key]
        return digests[key]

    found = inputs_digest(
        tree_files(config.topics_dir), [f"{k}={v}" for k, v in changed.items()], content
    )
    kept.clear()
    kept.update(digests)  # only the files there now
    return found


def manifest_key(docs_dir: Path) -> tuple[str, int, int, int] | None:
    """The docs folder's manifest file by path, inode, size and modification time."""
    try:
        stat = (docs_dir / MANIFEST_FILE).stat()
    except OSError:
        return None
    return (str(docs_dir), stat.st_ino, stat.st_size, stat.st_mtime_ns)


__all__ = [
    "MANIFEST_FILE",
    "FileEntry",
    "Manifest",
    "digest",
    "file_digest",
    "file_entry",
    "inputs_digest",
]

"""Python-Markdown's output for source text, kept between builds in ``.kbgen-cache/``.

A build from scratch (docs folder and site deleted) renders again every part of every
topic's text. :class:`FragmentCache` keeps, in ``.kbgen-cache/fragments.json`` at the
project root, what Python-Markdown wrote for each part that needed it (plain prose needs
no cache, :mod:`kbgen.prose`), under a digest of everything that output depends on: the
text, the page it is on, and :func:`setup_salt` (kbgen's and the renderers' versions, the
site's Markdown extensions and their options).

Only Python-Markdown's output is kept, never the sanitized HTML: every fragment, cached
or not, goes through the sanitizer (:class:`kbgen.sanitize.Fragments`) on every build, so
a corrupt or foreign entry can put no markup on a page that the sanitizer would remove.
An entry whose check digest does not match its key and text, or a file that does not
parse, is ignored. The file holds the entries of the last build that used it, nothing
older, and is written atomically; one that cannot be written is no error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from kbgen import __version__

if TYPE_CHECKING:
    from kbgen.sanitize import SiteMarkdown

__all__ = ["CACHE_DIR", "FragmentCache", "setup_salt"]

CACHE_DIR = ".kbgen-cache"
"""kbgen's cache folder at the project root (``.gitignore`` lists it)."""
FILE = "fragments.json"
FORMAT = 2


def setup_salt(setup: SiteMarkdown) -> str:
    """Everything but the text and page that a fragment's HTML depends on, as a string."""
    versions = []
    for package in ("markdown", "pymdown-extensions", "pygments", "mkdocs-material"):
        try:
            versions.append(metadata.version(package))
        except metadata.PackageNotFoundError:
            versions.append("")
    settings = [__version__, versions, setup.extensions, setup.configs, setup.directory_urls]
    return json.dumps(settings, sort_keys=True, default=repr)


def _digest(*values: str) -> str:
    h = hashlib.blake2b(digest_size=20)
    for value in values:
        h.update(value.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


class FragmentCache:
    """Rendered fragments by key: those of the last build, and those of this one."""

    def __init__(self, path: Path | None = None, salt: str = "") -> None:
        self.path = path
        self.salt = salt
        self._old: dict[str, str] = {}
        self._new: dict[str, str] = {}
        self.hits = 0
        """Fragments found in the cache during this build."""

    @classmethod
    def load(cls, root: Path, salt: str) -> FragmentCache:
        """The cache of the project at ``root``; empty when missing, unreadable or made
        for another setup."""
        cache = cls(root / CACHE_DIR / FILE, salt)
        try:
            data = json.loads(cache.path.read_text(encoding="utf-8"))  # type: ignore[union-attr]
            if data["format"] != FORMAT or data["salt"] != salt:
                return cache
            for key, (html, check) in data["entries"].items():
                if isinstance(html, str) and check == _digest(salt, key, html):
                    cache._old[key] = html
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            cache._old.clear()
        return cache

    def get(self, text: str, page: str, render: Callable[[], str]) -> str:
        """The HTML of ``text`` on ``page``: kept, or ``render()`` and kept."""
        key = _digest(self.salt, page, text)
        found = self._new.get(key)
        if found is None:
            found = self._old.get(key)
            if found is None:
                found = render()
            else:
                self.hits += 1
            self._new[key] = found
        return found

    def save(self) -> None:
        """Write this build's entries, unless they are those already on disk."""
        if self.path is None or self._new.keys() == self._old.keys():
            return
        entries = {k: [v, _digest(self.salt, k, v)] for k, v in sorted(self._new.items())}
        data = {"format": FORMAT, "salt": self.salt, "entries": entries}
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        try:
            self.path.parent.mkdir(exist_ok=True)
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

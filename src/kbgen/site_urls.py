"""Site addresses of the links in source text, as MkDocs would write them.

Pure string functions of docs paths (``topics/x.md``), for :mod:`kbgen.sanitize`: the
URL a page is served at, a relative link rewritten for the built page, and the page a
link points to.
"""

from __future__ import annotations

import functools
import posixpath
import re
from urllib.parse import urlsplit

__all__ = ["page_url", "relative_url"]

_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*:")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def page_url(src: str, directory_urls: bool = True) -> str:
    """The URL, relative to the site root, of the page ``src`` (``topics/x.md``)."""
    if not src.endswith(".md"):
        return src
    stem = src[: -len(".md")]
    if not directory_urls:
        return stem + ".html"
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def relative_url(url: str, page: str, directory_urls: bool = True) -> str | None:
    """A relative ``url`` written in the page ``page`` (a docs path), as the built page needs it.

    ``other.md#how`` becomes ``../other/#how``, as MkDocs rewrites Markdown links; a URL
    that hides a scheme (``java\\tscript:``) gives ``None``.
    """
    if _SCHEME.match(_CONTROL.sub("", url).lower()):
        return None
    if url.startswith(("#", "/", "?")) or not url:
        return url
    path, hash_, anchor = url.partition("#")
    path, query_, query = path.partition("?")
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    if target.startswith(".."):
        return url  # outside the docs folder: leave it as written
    dest, here = page_url(target, directory_urls), page_url(page, directory_urls)
    base = here.rstrip("/") if here.endswith("/") or not here else posixpath.dirname(here)
    rel = _relpath(dest, base)
    if (dest.endswith("/") or not dest) and not rel.endswith("/"):
        rel += "/"
    return rel + (query_ + query) + (hash_ + anchor)


def _relpath(dest: str, base: str) -> str:
    """``posixpath.relpath(dest, base)`` of two docs paths, without asking the operating
    system for the working directory each time."""
    to = [p for p in dest.split("/") if p and p != "."]
    start = [p for p in base.split("/") if p and p != "."]
    if ".." in to or ".." in start or dest.startswith("/") or base.startswith("/"):
        return posixpath.relpath(dest or ".", base or ".")
    common = 0
    for a, b in zip(to, start, strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(start) - common) + to[common:]) or "."


@functools.lru_cache(maxsize=65536)
def _link_target(folder: str, href: str) -> str | None:
    """The docs path of the page a link in ``folder`` points to, or ``None`` for a link
    to no ``.md`` page."""
    url = urlsplit(href)
    if url.scheme or url.netloc or not url.path.endswith(".md"):
        return None
    return posixpath.normpath(posixpath.join(folder, url.path))

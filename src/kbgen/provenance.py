"""Provenance of a topic page: links to its source lines and topic file, and when it changed.

Pure but for :func:`last_changed`, which asks git (one ``git log`` for the whole store) and
falls back to file modification times.
"""

from __future__ import annotations

import datetime
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from kbgen.records import SourceRef

SOURCE_URI = "blob/main/{path}#L{line}"
"""Default :attr:`RepoLinks.source_uri`: GitHub's and GitLab's address of a file's line."""
EDIT_URI = "edit/main/{path}"
"""Default :attr:`RepoLinks.edit_uri`: GitHub's and GitLab's editor for a file."""


@dataclass(frozen=True)
class RepoLinks:
    """Where the project's files are browsed and edited online, from ``mkdocs.yml``."""

    repo_url: str = ""
    """MkDocs' ``repo_url``; empty means no links at all."""
    source_uri: str = SOURCE_URI
    """A source line's address relative to :attr:`repo_url`; ``{path}`` is the file's path
    from the project root, ``{line}`` its line."""
    edit_uri: str = EDIT_URI
    """A topic file's editor relative to :attr:`repo_url`; empty means no edit link."""
    sources_dir: str = "sources"
    """The sources folder, relative to the project root."""
    topics_dir: str = "topics"
    """The topic store, relative to the project root."""

    def _join(self, uri: str, path: str, line: int = 0) -> str:
        if not self.repo_url or not uri:
            return ""
        return self.repo_url.rstrip("/") + "/" + uri.format(path=quote(path), line=line)

    def source(self, ref: SourceRef) -> str:
        """The address of a source entry's line, or ``""``."""
        return self._join(self.source_uri, f"{self.sources_dir}/{ref.file}", ref.line)

    def edit_path(self, path: str) -> str:
        """The address that edits the file at ``path`` from the project root, or ``""``."""
        return self._join(self.edit_uri, path)

    def edit(self, slug: str) -> str:
        """The address that edits ``topics/<slug>.md``, or ``""``."""
        return self.edit_path(f"{self.topics_dir}/{slug}.md")


def _git_dates(folder: Path) -> dict[str, str]:
    """File name → date of the last commit that changed it, for committed, unmodified files."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, check=True, timeout=60
        ).stdout

    try:
        log = git("log", "--format=@%cs", "--name-only", "--no-renames", "--relative", "--", ".")
        dirty = git("status", "--porcelain", "--no-renames", "--untracked-files=no", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return {}
    dates: dict[str, str] = {}
    date = ""
    for line in log.splitlines():
        if line.startswith("@"):
            date = line[1:]
        elif line and "/" not in line:
            dates.setdefault(line, date)  # newest commit first: keep the first date seen
    # A file edited since its last commit changed later than that commit: use its mtime.
    for line in dirty.splitlines():
        dates.pop(Path(line[3:].strip('"')).name, None)
    return dates


def last_changed(topics_dir: Path, slugs: list[str]) -> dict[str, str]:
    """``slug`` → ISO date its topic file last changed: its last commit, else its mtime."""
    dates = _git_dates(topics_dir) if topics_dir.is_dir() else {}
    out = {}
    for slug in slugs:
        name = f"{slug}.md"
        if name in dates:
            out[slug] = dates[name]
            continue
        try:
            mtime = (topics_dir / name).stat().st_mtime
        except OSError:
            continue
        out[slug] = datetime.datetime.fromtimestamp(mtime, datetime.timezone.utc).date().isoformat()
    return out


__all__ = ["RepoLinks", "last_changed"]

"""``kbgen init``: write a new, working project from the template shipped in the package.

The template (``kbgen/project_template/``) holds ``kbgen.yml``, ``mkdocs.yml``, a short
example glossary in every format kbgen reads, an about page, theme overrides, a
``.gitignore`` and a GitHub Actions workflow that publishes the site to GitHub Pages.
Nothing is written unless every file can be: a folder that already holds a project, or
any file the template would overwrite, is refused by name.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kbgen.config import CONFIG_FILE
from kbgen.exceptions import KbgenError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

TEMPLATE = "project_template"
PROJECT_FILES = (CONFIG_FILE, "mkdocs.yml")
"""Files that mark a folder as a kbgen project already."""
# Package data cannot hold dot-files reliably (and a `.github` folder in the package would
# be read by GitHub as the package repository's own): they ship without the dot.
_RENAMES = {"gitignore": ".gitignore", "github": ".github"}
DEFAULT_DESCRIPTION = "The terms our team uses, explained."


@dataclass(frozen=True)
class Created:
    """What :func:`init_project` wrote."""

    root: Path
    """The project folder."""
    files: tuple[str, ...]
    """Every file written, relative to :attr:`root`, sorted."""
    kept_sources: bool
    """True when ``sources/`` already held files, so no examples were added."""


def default_name(root: Path) -> str:
    """A site name from the folder's name: ``team-glossary`` → ``Team Glossary``."""
    words = re.findall(r"[^\W_]+", root.resolve().name)
    return " ".join(w[:1].upper() + w[1:] for w in words) or "Knowledge Base"


def _template_files(node: Traversable, prefix: str = "") -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        name = _RENAMES.get(child.name, child.name) if not prefix else child.name
        relative = f"{prefix}{name}"
        if child.is_dir():
            files.update(_template_files(child, relative + "/"))
        else:
            files[relative] = child.read_bytes()
    return files


def _kbgen_version() -> str:
    try:
        return importlib.metadata.version("kbgen")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def project_files(name: str, description: str) -> dict[str, bytes]:
    """Every file of a new project, by relative path, with its name and description filled in.

    The values go into ``mkdocs.yml`` as JSON strings, which YAML reads as quoted scalars:
    no name can break the file.
    """
    files = _template_files(importlib.resources.files("kbgen").joinpath(TEMPLATE))
    values = {
        "__SITE_NAME__": json.dumps(name, ensure_ascii=False),
        "__SITE_DESCRIPTION__": json.dumps(description, ensure_ascii=False),
    }
    mkdocs = files["mkdocs.yml"].decode()
    for key, value in values.items():
        mkdocs = mkdocs.replace(key, value)
    files["mkdocs.yml"] = mkdocs.encode()
    files["requirements.txt"] = files["requirements.txt"].replace(
        b"__VERSION__", _kbgen_version().encode()
    )
    return files


def init_project(root: Path, name: str | None = None, description: str | None = None) -> Created:
    """Write a new project into ``root`` (created if missing); refuse to overwrite anything."""
    root = root.resolve()
    if root.exists() and not root.is_dir():
        raise KbgenError(f"{root}: is a file, not a folder")
    for marker in PROJECT_FILES:
        if (root / marker).exists():
            raise KbgenError(
                f"{root / marker}: this folder already holds a kbgen project; "
                "run kbgen init in a new or empty folder"
            )
    name = " ".join((name or default_name(root)).split())
    if not name:
        raise KbgenError("the site name is empty; give one with --name")
    files = project_files(name, " ".join((description or DEFAULT_DESCRIPTION).split()))
    sources = root / "sources"
    kept = sources.is_dir() and any(p.is_file() for p in sources.rglob("*"))
    if kept:
        files = {k: v for k, v in files.items() if not k.startswith("sources/")}
    for relative in files:
        if (root / relative).exists():
            raise KbgenError(f"{root / relative}: already exists; kbgen init overwrites nothing")
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return Created(root, tuple(sorted(files)), kept)


__all__ = ["Created", "init_project", "project_files"]

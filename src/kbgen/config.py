"""Project configuration: ``kbgen.yml`` at the project root, every option typed and defaulted."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kbgen.exceptions import InputError, Problem

CONFIG_FILE = "kbgen.yml"


@dataclass(frozen=True)
class TagInfo:
    """One allowed tag."""

    slug: str
    """The tag as written in front matter, e.g. ``parameter-efficient-fine-tuning``."""
    name: str
    """Display name, e.g. ``Parameter-Efficient Fine-Tuning (PEFT)``."""
    description: str = ""
    """One line shown on the home page."""


@dataclass(frozen=True)
class Config:
    """Everything kbgen reads from ``kbgen.yml``; paths are absolute."""

    root: Path
    """Project root (the folder holding ``kbgen.yml``)."""
    sources_dir: Path
    """Source glossaries, read by ``kbgen import``."""
    topics_dir: Path
    """The curated topic store."""
    docs_dir: Path
    """MkDocs ``docs_dir``: hand-written pages; kbgen writes generated pages beside them."""
    site_dir: Path
    """Where ``kbgen build`` publishes the site."""
    tags: dict[str, TagInfo] = field(default_factory=dict)
    """Allowed tags by slug; empty means any tag is allowed."""
    merge: tuple[tuple[str, ...], ...] = ()
    """Groups of entry titles an editor forces into one topic."""
    keep_apart: tuple[tuple[str, ...], ...] = ()
    """Groups of entry titles an editor forbids merging with each other."""


def _groups(
    raw: object, key: str, problems: list[Problem], path: str
) -> tuple[tuple[str, ...], ...]:
    if raw is None:
        return ()
    ok = isinstance(raw, list) and all(
        isinstance(g, list) and len(g) >= 2 and all(isinstance(t, str) for t in g) for g in raw
    )
    if not ok:
        problems.append(Problem(path, 0, f"`{key}` must be a list of lists of two or more titles"))
        return ()
    return tuple(tuple(g) for g in raw)


def _folder(raw: dict, key: str, problems: list[Problem], path: str) -> str:
    default = key.removesuffix("_dir")
    value = raw.get(key, default)
    if isinstance(value, str) and value.strip():
        return value
    problems.append(Problem(path, 0, f"`{key}` must be a folder name"))
    return default


def _tags(raw: object, problems: list[Problem], path: str) -> dict[str, TagInfo]:
    if not isinstance(raw, dict):
        problems.append(Problem(path, 0, "`tags` must map each tag to its name and description"))
        return {}
    tags = {}
    for slug, info in raw.items():
        info = info if isinstance(info, dict) else {"name": info}
        tags[str(slug)] = TagInfo(
            str(slug), str(info.get("name") or slug), str(info.get("description") or "")
        )
    return tags


def load_config(root: Path) -> Config:
    """Read ``kbgen.yml`` under ``root``; a missing file means all defaults."""
    root = root.resolve()
    path = root / CONFIG_FILE
    raw: dict = {}
    if path.exists():
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputError(
                [Problem(str(path), mark.line + 1 if mark else 1, f"invalid YAML: {exc}")]
            ) from exc
        except UnicodeDecodeError as exc:
            raise InputError([Problem(str(path), 1, f"not UTF-8 text: {exc.reason}")]) from exc
        if not isinstance(raw, dict):
            raise InputError([Problem(str(path), 1, "kbgen.yml must be a mapping")])
    problems: list[Problem] = []
    shown = str(path)
    config = Config(
        root=root,
        sources_dir=root / _folder(raw, "sources_dir", problems, shown),
        topics_dir=root / _folder(raw, "topics_dir", problems, shown),
        docs_dir=root / _folder(raw, "docs_dir", problems, shown),
        site_dir=root / _folder(raw, "site_dir", problems, shown),
        tags=_tags(raw.get("tags") or {}, problems, shown),
        merge=_groups(raw.get("merge"), "merge", problems, shown),
        keep_apart=_groups(raw.get("keep_apart"), "keep_apart", problems, shown),
    )
    if problems:
        raise InputError(problems)
    return config

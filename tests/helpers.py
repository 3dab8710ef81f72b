"""Factories shared by the tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from kbgen.config import Config, load_config

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"


def make_project(tmp_path: Path, sources: dict[str, str] | None = None, config: str = "") -> Config:
    """A project in ``tmp_path`` with the given source files (default: the real seeds)."""
    src = tmp_path / "sources"
    tmp_path.mkdir(parents=True, exist_ok=True)
    if sources is None:
        shutil.copytree(SOURCES, src)
    else:
        src.mkdir(parents=True)
        for name, text in sources.items():
            (src / name).write_text(text, encoding="utf-8")
    (tmp_path / "kbgen.yml").write_text(config, encoding="utf-8")
    return load_config(tmp_path)


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` with its bytes, for before/after comparisons."""
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }

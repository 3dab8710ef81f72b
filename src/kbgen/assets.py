"""The static files kbgen ships in every site, read from the package's ``templates``."""

from __future__ import annotations

import importlib.resources

__all__ = ["asset_bytes", "folder_assets"]


def asset_bytes(name: str) -> bytes:
    """One file of the package's templates."""
    return importlib.resources.files("kbgen").joinpath("templates", name).read_bytes()


def folder_assets(name: str) -> dict[str, bytes]:
    """Every file of a folder of the package's templates, by path below it."""
    found: dict[str, bytes] = {}
    pending = [(importlib.resources.files("kbgen").joinpath("templates", name), name)]
    while pending:
        folder, prefix = pending.pop()
        for item in folder.iterdir():
            if item.is_dir():
                pending.append((item, f"{prefix}/{item.name}"))
            else:
                found[f"{prefix}/{item.name}"] = item.read_bytes()
    return found

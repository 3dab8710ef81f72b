"""What the last import did, kept in ``topics/.import-state.json``; and its open conflicts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kbgen.atomic import write_files
from kbgen.config import Config
from kbgen.exceptions import InputError, Problem
from kbgen.reconcile import WHOLE_FILE, take_units, units
from kbgen.slugs import SLUG

STATE_FILE = ".import-state.json"


_TABLES = ("slugs", "lines", "generated", "redirects")


def _str_map(table: object) -> dict[str, str] | None:
    """``table`` if it maps strings to strings, else None."""
    if isinstance(table, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in table.items()
    ):
        return table
    return None


@dataclass
class ImportState:
    """What the last import did, kept in ``topics/.import-state.json``."""

    slugs: dict[str, str] = field(default_factory=dict)
    """Entry identity (``file::name key``) → slug."""
    lines: dict[str, str] = field(default_factory=dict)
    """``file:line`` → slug, the fallback when an entry's title was re-worded."""
    generated: dict[str, str] = field(default_factory=dict)
    """Slug → the file text the last import generated (the merge base)."""
    redirects: dict[str, str] = field(default_factory=dict)
    """Old slug → the slug of the topic it was merged into."""
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    """Slug → the units (:mod:`kbgen.reconcile`) the editor and the sources both changed,
    until the editor resolves them; :attr:`upstream` has the sources' version."""
    upstream: dict[str, str] = field(default_factory=dict)
    """Slug → the file the import generated, for each slug with conflicts."""

    @classmethod
    def load(cls, path: Path) -> ImportState:
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            message = f"unreadable import state ({exc}); delete it to import afresh"
            raise InputError([Problem(str(path), 1, message)]) from exc
        tables = [_str_map(raw.get(k, {})) for k in _TABLES] if isinstance(raw, dict) else [None]
        conflicts = raw.get("conflicts", {}) if isinstance(raw, dict) else None
        if not (
            isinstance(conflicts, dict)
            and all(
                isinstance(v, list) and all(isinstance(u, str) for u in v)
                for v in conflicts.values()
            )
        ):
            tables.append(None)
        upstream = _str_map(raw.get("upstream", {})) if isinstance(raw, dict) else None
        state = None if None in tables or upstream is None else cls(*tables, conflicts, upstream)
        if state is None or not state.safe():
            message = "unreadable import state: not the tables of slugs kbgen writes"
            raise InputError([Problem(str(path), 1, f"{message}; delete it to import afresh")])
        return state

    def safe(self) -> bool:
        """Whether every slug in the state is a slug.

        The state lives in ``topics/`` beside the editors' files: a "slug" in it that is a
        path (``../x``) must be refused, not written to.
        """
        names = [*self.slugs.values(), *self.lines.values(), *self.generated]
        names += [*self.redirects, *self.redirects.values(), *self.conflicts, *self.upstream]
        return all(SLUG.fullmatch(name) for name in names)

    def dump(self) -> str:
        data = {
            "version": 1,
            "slugs": dict(sorted(self.slugs.items())),
            "lines": dict(sorted(self.lines.items())),
            "redirects": dict(sorted(self.redirects.items())),
            "generated": dict(sorted(self.generated.items())),
        }
        if self.conflicts:
            data["conflicts"] = dict(sorted(self.conflicts.items()))
            data["upstream"] = dict(sorted(self.upstream.items()))
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def read_file(path: Path) -> str | None:
    """A file's text; undecodable bytes are kept as surrogates, so they never match."""
    return path.read_bytes().decode("utf-8", "surrogateescape") if path.is_file() else None


def merged_redirects(topics_dir: Path) -> dict[str, str]:
    """Old slug → slug of the topic it was merged into, from the last import's state."""
    return dict(ImportState.load(topics_dir / STATE_FILE).redirects)


def open_conflicts(topics_dir: Path) -> dict[str, list[str]]:
    """Slug → the units still in conflict since the last import, as ``kbgen check`` shows.

    A unit the editor has since made equal to the sources' version is settled.
    """
    state = ImportState.load(topics_dir / STATE_FILE)
    found = {}
    for slug, keys in state.conflicts.items():
        mine = units(read_file(topics_dir / f"{slug}.md"))
        theirs = units(state.upstream.get(slug))
        if WHOLE_FILE in keys or mine is None or theirs is None:
            if read_file(topics_dir / f"{slug}.md") != state.upstream.get(slug):
                found[slug] = keys
            continue
        left = [k for k in keys if mine[0].get(k) != theirs[0].get(k)]
        if left:
            found[slug] = left
    return found


def resolve_conflicts(config: Config, slugs: list[str], *, take_sources: bool) -> list[str]:
    """Settle the recorded conflicts of ``slugs`` (all when empty); returns those settled.

    The editor's version is kept, or with ``take_sources`` replaced by the sources' units.
    Either way the merge base takes the sources' version, so the next import reports the
    conflict no more, and merges later changes of the sources as usual.
    """
    state_path = config.topics_dir / STATE_FILE
    state = ImportState.load(state_path)
    unknown = [s for s in slugs if s not in state.conflicts]
    if unknown:
        open_slugs = ", ".join(sorted(state.conflicts)) or "none"
        raise InputError(
            [
                Problem(
                    str(config.topics_dir / f"{s}.md"),
                    0,
                    f"no open conflict (open ones: {open_slugs})",
                )
                for s in unknown
            ]
        )
    changes: dict[str, str | None] = {}
    done = []
    for slug in slugs or sorted(state.conflicts):
        keys, upstream = state.conflicts.pop(slug), state.upstream.pop(slug)
        mine = read_file(config.topics_dir / f"{slug}.md")
        if take_sources or mine is None:
            changes[f"{slug}.md"] = take_units(mine, upstream, keys)
        state.generated[slug] = take_units(state.generated.get(slug), upstream, keys)
        done.append(slug)
    changes[STATE_FILE] = state.dump()
    write_files(config.topics_dir, changes)
    return done

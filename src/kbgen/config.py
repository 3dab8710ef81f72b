"""Project configuration: ``kbgen.yml`` at the project root, every option typed and defaulted."""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kbgen.exceptions import InputError, Problem

CONFIG_FILE = "kbgen.yml"
_TAG_KEYS = ("name", "description", "areas", "keywords", "subject")
_EXPECTED = ", ".join(_TAG_KEYS)


_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> str:
    """Lower-case words of ``text`` joined by single spaces: punctuation and case ignored."""
    return " ".join(_WORD.findall(text.lower()))


@functools.lru_cache(maxsize=1024)
def _padded(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """Each phrase's :func:`_words` between spaces, worked out once per tag, not per title."""
    return tuple(f" {_words(p)} " for p in phrases)


@dataclass(frozen=True)
class TagInfo:
    """One allowed tag."""

    slug: str
    """The tag as written in front matter, e.g. ``parameter-efficient-fine-tuning``."""
    name: str
    """Display name, e.g. ``Parameter-Efficient Fine-Tuning (PEFT)``."""
    description: str = ""
    """One line shown on the home page."""
    areas: tuple[str, ...] = ()
    """Source area headings, or words in them, whose entries ``kbgen import`` gives this tag."""
    keywords: tuple[str, ...] = ()
    """Words or names in a topic's title that give it this tag (``tokenizer``)."""
    subject: bool = True
    """False for a tag that says where an entry comes from (a list's ``Tag:``), not what it
    is about: a topic with no subject tag gets one from :mod:`kbgen.classify`."""

    def keyword_in(self, title: str) -> str:
        """The first of :attr:`keywords` in ``title`` as whole words, or ``""``."""
        words = f" {_words(title)} "
        padded = _padded(self.keywords)
        return next((k for k, p in zip(self.keywords, padded, strict=True) if p in words), "")

    def covers(self, area: str) -> bool:
        """Whether entries under the area heading ``area`` get this tag.

        They do when the heading is the tag's name or slug, or holds one of :attr:`areas`
        as whole words; case and punctuation are ignored (``Quantization`` covers ``⚡ Model
        Quantization``).
        """
        words = _words(area)
        if not words:
            return False
        return f" {words} " in _padded((self.name, self.slug)) or any(
            padded in f" {words} " for padded in _padded(self.areas)
        )


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
    home: str = ""
    """Markdown opening the home page; without it, ``site_description`` of ``mkdocs.yml``."""
    synonyms: tuple[tuple[str, ...], ...] = ()
    """Groups of words the search treats as one, such as ``[quantization, quantisation]``."""

    def area_tags(self, area: str) -> tuple[str, ...]:
        """The allowed tags that cover the area heading ``area`` (:meth:`TagInfo.covers`)."""
        return tuple(slug for slug, info in self.tags.items() if info.covers(area))


class _Lines:
    """Where each value of ``kbgen.yml`` starts, for problems that name a line."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.starts: dict[tuple[str, ...], int] = {}
        self._walk(yaml.compose(text), ())

    def _walk(self, node: yaml.Node | None, at: tuple[str, ...]) -> None:
        if node is None:
            return
        self.starts[at] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self._walk(value, (*at, str(key.value)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, (*at, str(index)))

    def problem(self, at: tuple[str, ...], message: str) -> Problem:
        """A problem at the value ``at`` (keys from the top), or its nearest enclosing one."""
        while at and at not in self.starts:
            at = at[:-1]
        return Problem(self.path, self.starts.get(at, 1), message)


def _groups(
    raw: object, key: str, lines: _Lines, problems: list[Problem]
) -> tuple[tuple[str, ...], ...]:
    if raw is None:
        return ()
    ok = isinstance(raw, list) and all(
        isinstance(g, list) and len(g) >= 2 and all(isinstance(t, str) for t in g) for g in raw
    )
    if not ok:
        problems.append(
            lines.problem((key,), f"`{key}` must be a list of lists of two or more titles")
        )
        return ()
    return tuple(tuple(g) for g in raw)


def _folder(raw: dict, key: str, lines: _Lines, problems: list[Problem]) -> str:
    default = key.removesuffix("_dir")
    value = raw.get(key, default)
    if isinstance(value, str) and value.strip():
        return value
    problems.append(lines.problem((key,), f"`{key}` must be a folder name"))
    return default


def _text(raw: object, key: str, lines: _Lines, problems: list[Problem]) -> str:
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    problems.append(lines.problem((key,), f"`{key}` must be text (Markdown)"))
    return ""


def _areas(
    raw: object, at: tuple[str, ...], lines: _Lines, problems: list[Problem]
) -> tuple[str, ...]:
    """A tag's ``areas``: a list of headings or words, each with a letter or digit."""
    if raw is None:
        return ()
    if isinstance(raw, list) and all(isinstance(a, str) and _words(a) for a in raw):
        return tuple(raw)
    message = (
        f"`{'.'.join(at)}` must be a list of area headings or words, such as [Model Quantization]"
    )
    problems.append(lines.problem(at, message))
    return ()


def _subject(raw: object, at: tuple[str, ...], lines: _Lines, problems: list[Problem]) -> bool:
    if isinstance(raw, bool):
        return raw
    problems.append(lines.problem(at, f"`{'.'.join(at)}` must be true or false"))
    return True


def _tags(raw: object, lines: _Lines, problems: list[Problem]) -> dict[str, TagInfo]:
    if not isinstance(raw, dict):
        problems.append(
            lines.problem(("tags",), "`tags` must map each tag to its name and description")
        )
        return {}
    tags = {}
    for slug, info in raw.items():
        at = ("tags", str(slug))
        if info is None or isinstance(info, str):
            info = {"name": info}
        elif not isinstance(info, dict):
            message = (
                f"`{'.'.join(at)}` must be a name, or a mapping of {_EXPECTED} "
                f"(got {type(info).__name__})"
            )
            problems.append(lines.problem(at, message))
            continue
        for key in ("name", "description"):
            if info.get(key) is not None and not isinstance(info[key], str):
                message = f"`{'.'.join(at)}.{key}` must be text (got {type(info[key]).__name__})"
                problems.append(lines.problem((*at, key), message))
        problems += [
            lines.problem(
                (*at, str(key)), f"`{'.'.join(at)}`: unknown key `{key}` (expected {_EXPECTED})"
            )
            for key in info
            if key not in _TAG_KEYS
        ]
        tags[str(slug)] = TagInfo(
            str(slug),
            str(info.get("name") or slug),
            str(info.get("description") or ""),
            _areas(info.get("areas"), (*at, "areas"), lines, problems),
            _areas(info.get("keywords"), (*at, "keywords"), lines, problems),
            _subject(info.get("subject", True), (*at, "subject"), lines, problems),
        )
    return tags


def load_config(root: Path) -> Config:
    """Read ``kbgen.yml`` under ``root``; a missing file means all defaults."""
    root = root.resolve()
    path = root / CONFIG_FILE
    text: str | None = None
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError([Problem(str(path), 1, f"not UTF-8 text: {exc.reason}")]) from exc
    return _parse_config(root, text)


@functools.lru_cache(maxsize=8)
def _parse_config(root: Path, text: str | None) -> Config:
    """The configuration ``text`` gives (``None``: no file), parsed once per process:
    a command and its MkDocs plugin each read the same file."""
    path = root / CONFIG_FILE
    raw: dict = {}
    if text is not None:
        try:
            raw = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputError(
                [Problem(str(path), mark.line + 1 if mark else 1, f"invalid YAML: {exc}")]
            ) from exc
        if not isinstance(raw, dict):
            raise InputError([Problem(str(path), 1, "kbgen.yml must be a mapping")])
    problems: list[Problem] = []
    lines = _Lines(text or "", str(path))
    config = Config(
        root=root,
        sources_dir=root / _folder(raw, "sources_dir", lines, problems),
        topics_dir=root / _folder(raw, "topics_dir", lines, problems),
        docs_dir=root / _folder(raw, "docs_dir", lines, problems),
        site_dir=root / _folder(raw, "site_dir", lines, problems),
        tags=_tags(raw.get("tags") or {}, lines, problems),
        merge=_groups(raw.get("merge"), "merge", lines, problems),
        keep_apart=_groups(raw.get("keep_apart"), "keep_apart", lines, problems),
        home=_text(raw.get("home"), "home", lines, problems),
        synonyms=_groups(raw.get("synonyms"), "synonyms", lines, problems),
    )
    problems += _unknown_keys(raw, lines) + _merge_and_apart(config, lines)
    if problems:
        raise InputError(problems)
    return config


KEYS = (
    "sources_dir",
    "topics_dir",
    "docs_dir",
    "site_dir",
    "home",
    "tags",
    "merge",
    "keep_apart",
    "synonyms",
)
"""Every top-level key of ``kbgen.yml``."""


def _unknown_keys(raw: dict, lines: _Lines) -> list[Problem]:
    """A key kbgen does not know is a typo to report, not a setting to ignore."""
    problems = []
    for key in raw:
        if str(key) not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else f" (known: {', '.join(KEYS)})"
            problems.append(lines.problem((str(key),), f"unknown key `{key}`{hint}"))
    return problems


def _merge_and_apart(config: Config, lines: _Lines) -> list[Problem]:
    """Titles cannot be forced into one topic and kept apart at once.

    Merge groups that share a title form one topic, so ``merge: [[A, B], [B, C]]`` with
    ``keep_apart: [[A, C]]`` is a contradiction too; ``merge: [[Adam, Adam Optimizer]]``
    with ``keep_apart: [[Adam, AdamW]]`` is not.
    """
    component: dict[str, int] = {}
    for g, group in enumerate(config.merge):
        keys = [_words(t) for t in group]
        joined = {component[k] for k in keys if k in component} | {g}
        for k, c in list(component.items()):
            if c in joined:
                component[k] = g
        for k in keys:
            component[k] = g
    problems = []
    for a, apart in enumerate(config.keep_apart):
        seen: dict[int, str] = {}
        for title in apart:
            c = component.get(_words(title))
            if c is None:
                continue
            if c in seen:
                message = (
                    f"`{seen[c]}` and `{title}` are kept apart, but `merge` puts them in "
                    "one topic: remove one of the two rules"
                )
                problems.append(lines.problem(("keep_apart", str(a)), message))
            seen.setdefault(c, title)
    return problems

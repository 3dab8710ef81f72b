"""The curated topic store: ``topics/<slug>.md`` files, read and written atomically.

Writing goes through :mod:`kbgen.atomic`, which replaces the whole folder in one step.

A topic file is YAML front matter followed by Markdown. Each ``## `` heading opens a
section; inside a section, ``<!-- source: FILE:LINE -->`` markers start the part that one
source entry contributed, so a page can say where each part came from.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from kbgen import progress
from kbgen.exceptions import Problem
from kbgen.records import SourceRef, Topic

FRONT_MATTER_KEYS = ("title", "aliases", "tags", "sources", "related")
"""Keys kbgen reads and writes, in the order it writes them."""

# The file is everything up to the last colon: a file name may hold colons.
_MARKER = re.compile(r"^<!-- source: (?P<file>.+):(?P<line>\d+) -->$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_STRUCTURAL = re.compile(r"## |\s*<!-- source: .+:\d+ -->\s*$")
"""Lines that open a section or a part when a body is read back."""
_HEADING = re.compile(rf"{_STRUCTURAL.pattern}| {{0,3}}#{{1,6}}(?:[ \t]|$)")
"""Those, and every other Markdown heading."""
_YAML_BREAKS = "\x85\u2028\u2029"
# Strings YAML writes unquoted in a block or a flow list: a letter, then no indicator
# (``:#,?[]{}``, quotes…), no leading or trailing space, and not a word YAML resolves.
_PLAIN = re.compile(r"[A-Za-z](?:[\w .()/+-]*[\w.()/+-])?", re.ASCII)
_WORDS = frozenset(["yes", "no", "true", "false", "on", "off", "null"])


@dataclass(frozen=True)
class BodyPart:
    """The text one source entry (or an editor, when ``source`` is None) gave a section."""

    source: SourceRef | None
    """Where the text came from; None for text without a marker."""
    text: str
    """Markdown, stripped of surrounding blank lines."""


@dataclass(frozen=True)
class BodySection:
    """A ``## `` section of a topic body."""

    name: str
    """Heading text."""
    parts: tuple[BodyPart, ...]
    """Attributed parts in file order."""
    line: int = 0
    """1-based line of the heading within the body."""

    @property
    def text(self) -> str:
        """All parts joined, without markers."""
        return "\n\n".join(p.text for p in self.parts if p.text)


def fences(lines: list[str]) -> tuple[list[bool], str]:
    """Flag each line inside (or delimiting) a code fence; also the fence left open, or ``""``.

    As in CommonMark, a backtick fence's info string holds no backtick (```` ```x``` ````
    is inline code), and a closing fence is the same character, at least as long.
    """
    flags, fence = [], ""
    for line in lines:
        m = _FENCE.match(line)
        if fence:
            flags.append(True)
            closes = m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)
            if closes and not line.strip().strip(fence[0]):
                fence = ""
        elif m and not (m.group(1)[0] == "`" and "`" in line[m.end() :]):
            fence = m.group(1)
            flags.append(True)
        else:
            flags.append(False)
    return flags, fence


def fenced_lines(lines: list[str]) -> list[bool]:
    """Flag each line that is inside (or delimits) a fenced code block."""
    return fences(lines)[0]


def guard_text(text: str, *, headings: bool = False) -> str:
    """Text that cannot change a topic file's structure when it is read back.

    Outside code, a line that would open a section (``## ``) or a part (a source marker)
    gets a backslash, which Markdown shows as written; so does every heading with
    ``headings``, for text from a source, which may not add headings to a page. A code
    fence left open is closed, so that it cannot swallow the sections after it. Guarded
    text is its own guard.
    """
    lines = text.split("\n")
    flags, fence = fences(lines)
    rule = _HEADING if headings else _STRUCTURAL
    out = [
        _escape(line) if not code and rule.match(line) else line
        for line, code in zip(lines, flags, strict=True)
    ]
    return "\n".join([*out, fence] if fence else out)


def _escape(line: str) -> str:
    indent = len(line) - len(line.lstrip(" "))
    return f"{line[:indent]}\\{line[indent:]}"


def parse_body(body: str) -> tuple[str, list[BodySection]]:
    """Split a topic body into the text before the first section and its sections."""
    preamble, sections = _parsed_body(body)
    return preamble, list(sections)


@functools.lru_cache(maxsize=32768)
def _parsed_body(body: str) -> tuple[str, tuple[BodySection, ...]]:
    """:func:`parse_body`, kept: a build reads each body in several steps (the checks,
    the page, the exports, the search index), each of them for every topic."""
    lines = body.split("\n")
    in_fence = fenced_lines(lines)
    preamble: list[str] = []
    sections: list[BodySection] = []
    name, start, parts = "", 0, []
    source: SourceRef | None = None
    chunk: list[str] = []

    def close_part() -> None:
        text = "\n".join(chunk).strip("\n")
        if text.strip() or source is not None:
            parts.append(BodyPart(source, text))
        chunk.clear()

    for i, line in enumerate(lines):
        if not in_fence[i] and line.startswith("## "):
            if name:
                close_part()
                sections.append(BodySection(name, tuple(parts), start))
            else:
                preamble.extend(chunk)
                chunk.clear()
            name, start, parts, source = line[3:].strip(), i + 1, [], None
            continue
        marker = None if in_fence[i] or not name else _MARKER.match(line.strip())
        if marker:
            close_part()
            source = SourceRef(marker["file"], int(marker["line"]))
        else:
            chunk.append(line)
    if name:
        close_part()
        sections.append(BodySection(name, tuple(parts), start))
    else:
        preamble.extend(chunk)
    return "\n".join(preamble).strip("\n"), tuple(sections)


def compose_body(sections: list[BodySection], preamble: str = "") -> str:
    """Write sections back as Markdown; the inverse of :func:`parse_body`."""
    out = [preamble.strip("\n")] if preamble.strip() else []
    for section in sections:
        block = [f"## {section.name}"]
        for part in section.parts:
            if part.source is not None:
                block.append(f"<!-- source: {part.source} -->")
            if part.text:
                block.append(guard_text(part.text))
        out.append("\n\n".join(block))
    return "\n\n".join(out) + "\n"


def _yaml_scalar(value: object) -> str:
    """Dump one YAML value on one line, quoted only where YAML needs it."""
    options = {"default_flow_style": True, "allow_unicode": True, "sort_keys": False}
    text = yaml.safe_dump(value, width=float("inf"), **options)
    if any(c in text for c in _YAML_BREAKS):
        # YAML reads these as line breaks; only double quotes escape them (``\N``, ``\L``).
        text = yaml.safe_dump(value, width=float("inf"), default_style='"', **options)
    return text.removesuffix("\n...\n").strip()


def _plain(value: object) -> bool:
    return isinstance(value, str) and bool(_PLAIN.fullmatch(value)) and value.lower() not in _WORDS


def _scalar(value: object) -> str:
    """:func:`_yaml_scalar`, without PyYAML's cost for the plain names most values are."""
    if _plain(value):
        return str(value)
    if isinstance(value, list) and all(_plain(v) for v in value):
        return f"[{', '.join(value)}]"
    return _yaml_scalar(value)


def _source(ref: SourceRef) -> str:
    """``{file: NAME, line: N}``, the name quoted as a flow mapping needs (``a[1].txt``)."""
    if _plain(ref.file):
        return f"{{file: {ref.file}, line: {ref.line}}}"
    return _yaml_scalar({"file": ref.file, "line": ref.line})


def dump_topic(topic: Topic) -> str:
    """Serialise a topic as front matter plus body, deterministically."""
    lines = ["---", f"title: {_scalar(topic.title)}"]
    if topic.aliases:
        lines.append(f"aliases: {_scalar(list(topic.aliases))}")
    lines.append(f"tags: {_scalar(list(topic.tags))}")
    lines.append("sources:" if topic.sources else "sources: []")
    lines += [f"  - {_source(s)}" for s in topic.sources]
    if topic.related:
        lines.append(f"related: {_scalar(list(topic.related))}")
    for key, value in topic.extra.items():
        lines.append(_scalar({key: value}).removeprefix("{").removesuffix("}"))
    lines.append("---")
    return "\n".join(lines) + "\n\n" + topic.body.strip("\n") + "\n"


def _key_lines(node: yaml.Node) -> dict[str, int]:
    """Map each top-level front matter key to its 1-based line within the front matter."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k.value, str)}


def _load_yaml(raw: str) -> tuple[yaml.Node | None, object]:
    """The node tree (for line numbers) and the value of one YAML document, parsed once.

    libyaml, where PyYAML has it, is ten times faster; on an error the pure-Python parser
    reads the text again, so that messages are the same on every machine.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return _load_with(fast, raw)
        except yaml.YAMLError:
            pass
    return _load_with(yaml.SafeLoader, raw)


def _load_with(loader_class: type, raw: str) -> tuple[yaml.Node | None, object]:
    loader = loader_class(raw)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def _repeated_keys(node: yaml.Node) -> list[tuple[str, int]]:
    """Each top-level key written again, with the 1-based front matter line of the repeat."""
    seen: set[str] = set()
    repeats = []
    for key, _ in node.value if isinstance(node, yaml.MappingNode) else []:
        if isinstance(key.value, str):
            if key.value in seen:
                repeats.append((key.value, key.start_mark.line + 1))
            seen.add(key.value)
    return repeats


@dataclass(frozen=True)
class LoadedTopic:
    """A topic as read from disk, with what is needed to report problems in it."""

    topic: Topic
    path: Path
    key_lines: dict[str, int]
    """1-based file line of each front matter key."""
    body_line: int
    """1-based file line where the body starts."""


def _str_list(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def parse_topic(text: str, path: Path) -> tuple[LoadedTopic | None, list[Problem]]:
    """Read one topic file, validating its front matter schema; report problems with lines."""
    shown = str(path)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.startswith("---\n"):
        return None, [Problem(shown, 1, "missing YAML front matter (the file must start with ---)")]
    end = re.search(r"^---[ \t]*$", text[4:], re.M)
    if end is None:
        return None, [Problem(shown, 1, "front matter is not closed by a --- line")]
    raw, body = text[4 : 4 + end.start()], text[4 + end.end() :].lstrip("\n")
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    try:
        node, meta = _load_yaml(raw)
    except yaml.YAMLError as exc:
        # Where a construct started (an unclosed bracket) beats where the parser gave up.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [Problem(shown, line, f"invalid YAML front matter: {reason}")]
    if not isinstance(meta, dict):
        return None, [Problem(shown, 2, "front matter must be a mapping of keys to values")]
    lines = {k: v + 1 for k, v in _key_lines(node).items()}
    problems = [
        Problem(shown, line + 1, f"duplicate key `{key}`: only its last value counts")
        for key, line in _repeated_keys(node)
    ]

    def bad(key: str, message: str) -> None:
        problems.append(Problem(shown, lines.get(key, 1), message))

    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        bad("title", "`title` must be a non-empty string")
        title = path.stem
    lists = {}
    for key in ("aliases", "tags", "related"):
        value = meta.get(key, [])
        lists[key] = _str_list(value)
        if lists[key] is None:
            bad(key, f"`{key}` must be a list of strings")
            lists[key] = []
    sources: list[SourceRef] = []
    items = meta.get("sources") or []
    if not isinstance(items, list):
        bad("sources", "`sources` must be a list")
        items = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("file"), str):
            line = item.get("line")
            if isinstance(line, int) and not isinstance(line, bool) and line > 0:
                sources.append(SourceRef(item["file"], line))
                continue
        bad("sources", "each `sources` item must be {file: NAME, line: N} with N >= 1")
    extra = {k: v for k, v in meta.items() if k not in FRONT_MATTER_KEYS}
    topic = Topic(
        slug=path.stem,
        title=title.strip(),
        aliases=lists["aliases"],
        tags=lists["tags"],
        sources=sources,
        related=lists["related"],
        body=body,
        extra=extra,
    )
    return LoadedTopic(topic, path, lines, body_line), problems


def load_topics(
    directory: Path,
    parse: Callable[[str, Path], tuple[LoadedTopic | None, list[Problem]]] | None = None,
    read: dict[Path, bytes] | None = None,
) -> tuple[list[LoadedTopic], list[Problem]]:
    """Read every ``*.md`` topic in a directory, sorted by slug, collecting all problems.

    ``parse`` stands in for :func:`parse_topic` (one that remembers its results); ``read``
    holds files already read, by path, taken from it instead of read again.
    """
    parse = parse or parse_topic
    loaded, problems = [], []
    paths = sorted(directory.glob("*.md"), key=str)
    bar = progress.task("Reading topics", len(paths))
    for path in paths:
        bar.advance()
        try:
            # parse_topic reads any line ends: bytes decoded keep theirs.
            text = read.pop(path).decode() if read and path in read else path.read_text("utf-8")
        except UnicodeDecodeError as exc:
            line = path.read_bytes().count(b"\n", 0, exc.start) + 1
            problems.append(Problem(str(path), line, f"not UTF-8 text: {exc.reason}"))
            continue
        except OSError as exc:
            problems.append(Problem(str(path), 0, f"cannot read: {exc.strerror or exc}"))
            continue
        topic, found = parse(text, path)
        problems += found
        if topic is not None:
            loaded.append(topic)
    return loaded, problems

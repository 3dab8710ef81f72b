"""``kbgen check``: validate the curated topic store and report ``file:line: message``."""

from __future__ import annotations

import difflib
import re
import unicodedata

from kbgen.config import Config
from kbgen.exceptions import Problem
from kbgen.incremental import Memo
from kbgen.records import MAX_NAME_LENGTH
from kbgen.slugs import SLUG
from kbgen.state import source_tags
from kbgen.store import LoadedTopic, load_topics, parse_body

# Line breaks, controls (but tab) and bidi overrides: a name is one visible line (it becomes one
# objects.inv entry, one line of YAML and of HTML).
_BAD_NAME_CHAR = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BAD_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})

# The target holds no bracket or parenthesis: from each `](` the scan stops at the next.
_LINK = re.compile(r"\]\((?!https?:|mailto:|#)([^()\[\]#\s]+?)\.md(?:#[^()]*)?\)")


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean `x`?)`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def check_tags(loaded: list[LoadedTopic], config: Config) -> list[Problem]:
    """A tag that is neither in ``kbgen.yml`` nor given by the sources, but close to one
    that is, is a typo: an error with a did-you-mean. Any other tag is accepted."""
    known = set(config.tags) | source_tags(config.topics_dir)
    choices = sorted(known)
    problems = []
    for t in loaded:
        for tag in t.topic.tags:
            if tag in known or not (hint := did_you_mean(tag, choices)):
                continue
            message = f"unknown tag `{tag}`{hint}"
            problems.append(Problem(str(t.path), t.key_lines.get("tags", 1), message))
    return problems


def name_fold(name: str) -> str:
    """A name as names are compared: NFC (``Café`` composed or not is one name), no case."""
    return unicodedata.normalize("NFC", name).casefold()


def _bad_character(name: str) -> str:
    """The first line break or control character of a name, as ``U+000A``, or ``""``."""
    for c in name:
        if c == "\t":
            continue  # whitespace, kept from sources as the readers keep it
        if unicodedata.category(c) in _BAD_CATEGORIES or _BAD_NAME_CHAR.match(c):
            return f"U+{ord(c):04X}"
    return ""


def _shown(name: str) -> str:
    """A name printable on one line: controls as ``\\uXXXX``."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in name)


def _check_names(t: LoadedTopic, owner: dict[str, LoadedTopic], memo: Memo) -> list[Problem]:
    """The file name is a slug; every name is one line; none is another's, or listed twice."""
    problems = []
    if not SLUG.fullmatch(t.topic.slug):
        message = f"file name `{t.path.name}` is not a slug (lowercase a-z, 0-9 and -)"
        problems.append(Problem(str(t.path), 0, message))
    mine: set[str] = set()
    for i, name in enumerate(t.topic.names):
        line = t.key_lines.get("title" if i == 0 else "aliases", 1)
        if bad := memo.get("bad-character", name, lambda name=name: _bad_character(name)):
            message = (
                f"name `{_shown(name)}` holds a line break or control character ({bad}): "
                "a name must be one line of text"
            )
            problems.append(Problem(str(t.path), line, message))
            continue
        if len(name) > MAX_NAME_LENGTH:
            message = (
                f"name `{_shown(name[:40])}…` is {len(name)} characters long: "
                f"a name has at most {MAX_NAME_LENGTH}"
            )
            problems.append(Problem(str(t.path), line, message))
            continue
        key = memo.get("name-fold", name, lambda name=name: name_fold(name))
        first = owner.setdefault(key, t)
        if first is not t:
            used = f"is already used by {first.path.name}"
        elif key in mine:
            used = "is listed twice in this topic"
        else:
            mine.add(key)
            continue
        problems.append(Problem(str(t.path), line, f"name `{name}` {used}"))
    return problems


def _topic_links(body: str) -> tuple[tuple[int, str], ...]:
    """(line offset, slug) of every link of ``body`` to a ``.md`` topic."""
    return tuple(
        (offset, target)
        for offset, line in enumerate(body.split("\n"))
        for target in _LINK.findall(line)
    )


def _has_what(body: str) -> bool:
    return any(s.name == "What" and s.text.strip() for s in parse_body(body)[1])


def _check_references(
    t: LoadedTopic, slugs: set[str], known: list[str], links: tuple[tuple[int, str], ...]
) -> list[Problem]:
    """Every related slug and every link to a ``.md`` topic (``links``) names an existing
    topic. ``known`` is ``slugs`` sorted, for the did-you-mean.
    """
    path = str(t.path)
    problems = [
        Problem(
            path,
            t.key_lines.get("related", 1),
            f"related topic `{slug}` does not exist" + did_you_mean(slug, known),
        )
        for slug in t.topic.related
        if slug not in slugs
    ]
    for offset, target in links:
        if target not in slugs:
            message = f"link to unknown topic `{target}.md`" + did_you_mean(target, known)
            problems.append(Problem(path, t.body_line + offset, message))
    return problems


def check_topics(
    loaded: list[LoadedTopic], config: Config, memo: Memo | None = None
) -> list[Problem]:
    """Cross-topic rules: unique names, a What section, references that resolve.

    ``memo`` (:mod:`kbgen.incremental`) keeps what each body holds between calls."""
    memo = memo or Memo()
    problems = check_tags(loaded, config)
    slugs = {t.topic.slug for t in loaded}
    known = sorted(slugs)
    owner: dict[str, LoadedTopic] = {}
    for t in loaded:
        body = t.topic.body
        problems += _check_names(t, owner, memo)
        if not memo.get("has-what", body, lambda body=body: _has_what(body)):
            problems.append(Problem(str(t.path), t.body_line, "the topic has no `## What` section"))
        links = memo.get("topic-links", body, lambda body=body: _topic_links(body))
        problems += _check_references(t, slugs, known, links)
    return problems


def check_conflicts(loaded: list[LoadedTopic], config: Config) -> list[Problem]:
    """A warning for each conflict the last import recorded that is still open."""
    from kbgen.reconcile import unit_label
    from kbgen.state import open_conflicts

    by_slug = {t.topic.slug: t for t in loaded}
    problems = []
    for slug, keys in sorted(open_conflicts(config.topics_dir).items()):
        t = by_slug.get(slug)
        path = str(t.path) if t else str(config.topics_dir / f"{slug}.md")
        for key in keys:
            line = 0
            if t and key.startswith("section:"):
                heading = f"## {key.removeprefix('section:')}"
                body = t.topic.body.split("\n")
                at = next((i for i, text in enumerate(body) if text.strip() == heading), None)
                line = 0 if at is None else t.body_line + at
            elif t:
                line = t.key_lines.get(key.removeprefix("extra:"), 0)
            message = (
                f"conflict in {unit_label(key)}: you and the sources both changed it; "
                f"`kbgen resolve {slug}` keeps yours, `kbgen resolve --sources {slug}` "
                "takes theirs"
            )
            problems.append(Problem(path, line, message, "warning"))
    return problems


def run_check(config: Config) -> tuple[int, list[Problem]]:
    """Check every topic file; returns the number of topics and every problem found."""
    loaded, problems = load_topics(config.topics_dir)
    problems += check_topics(loaded, config)
    return len(loaded), problems + check_conflicts(loaded, config)

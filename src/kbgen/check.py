"""``kbgen check``: validate the curated topic store and report ``file:line: message``."""

from __future__ import annotations

import difflib
import re

from kbgen.config import Config
from kbgen.exceptions import Problem
from kbgen.slugs import SLUG
from kbgen.store import LoadedTopic, load_topics, parse_body

_LINK = re.compile(r"\]\((?!https?:|mailto:|#)([^)#\s]+?)\.md(?:#[^)]*)?\)")


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean `x`?)`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def check_tags(loaded: list[LoadedTopic], config: Config) -> list[Problem]:
    """Every tag must be in the allowed list of ``kbgen.yml`` (when it has one)."""
    if not config.tags:
        return []
    allowed = sorted(config.tags)
    return [
        Problem(
            str(t.path),
            t.key_lines.get("tags", 1),
            f"unknown tag `{tag}`" + did_you_mean(tag, allowed),
        )
        for t in loaded
        for tag in t.topic.tags
        if tag not in config.tags
    ]


def _check_names(t: LoadedTopic, owner: dict[str, LoadedTopic]) -> list[Problem]:
    """The file name is a slug; no name of the topic is another's, or listed twice."""
    problems = []
    if not SLUG.fullmatch(t.topic.slug):
        message = f"file name `{t.path.name}` is not a slug (lowercase a-z, 0-9 and -)"
        problems.append(Problem(str(t.path), 0, message))
    mine: set[str] = set()
    for i, name in enumerate(t.topic.names):
        key = name.casefold()
        first = owner.setdefault(key, t)
        if first is not t:
            used = f"is already used by {first.path.name}"
        elif key in mine:
            used = "is listed twice in this topic"
        else:
            mine.add(key)
            continue
        line = t.key_lines.get("title" if i == 0 else "aliases", 1)
        problems.append(Problem(str(t.path), line, f"name `{name}` {used}"))
    return problems


def _check_references(t: LoadedTopic, slugs: set[str], known: list[str]) -> list[Problem]:
    """Every related slug and every link to a ``.md`` topic names an existing topic.

    ``known`` is ``slugs`` sorted, for the did-you-mean.
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
    for offset, line in enumerate(t.topic.body.split("\n")):
        for target in _LINK.findall(line):
            if target not in slugs:
                message = f"link to unknown topic `{target}.md`" + did_you_mean(target, known)
                problems.append(Problem(path, t.body_line + offset, message))
    return problems


def check_topics(loaded: list[LoadedTopic], config: Config) -> list[Problem]:
    """Cross-topic rules: unique names, a What section, references that resolve."""
    problems = check_tags(loaded, config)
    slugs = {t.topic.slug for t in loaded}
    known = sorted(slugs)
    owner: dict[str, LoadedTopic] = {}
    for t in loaded:
        problems += _check_names(t, owner)
        _, sections = parse_body(t.topic.body)
        if not any(s.name == "What" and s.text.strip() for s in sections):
            problems.append(Problem(str(t.path), t.body_line, "the topic has no `## What` section"))
        problems += _check_references(t, slugs, known)
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

"""The ``kbgen`` command line: one small function per command, each reading like its pipeline."""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kbgen.config import load_config
from kbgen.exceptions import InputError, KbgenError, Problem, UsageError


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    """Read the sources and merge them into the topic store."""
    from kbgen.importer import format_report, run_import

    config = load_config(args.project)
    start = time.perf_counter()
    result = run_import(config)
    _print_problems(result.problems)
    for conflict in result.conflicts:
        print(f"conflict (editor's version kept): {conflict}", file=sys.stderr)
    if result.conflicts:
        print(
            "settle a conflict with `kbgen resolve SLUG` (keep yours) or "
            "`kbgen resolve --sources SLUG` (take the sources'); until then every import "
            "reports it",
            file=sys.stderr,
        )
    print(
        f"{len(result.entries)} entries → {len(result.topics)} topics in "
        f"{config.topics_dir.name}/; {len(result.written)} files changed "
        f"({time.perf_counter() - start:.2f} s)"
    )
    if args.report:
        report = Path(args.report)
        report.write_text(format_report(result), encoding="utf-8")
        print(f"report written to {report}")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    """Settle the conflicts the last import recorded."""
    from kbgen.state import resolve_conflicts

    config = load_config(args.project)
    done = resolve_conflicts(config, args.slugs, take_sources=args.sources)
    how = "the sources' version taken" if args.sources else "your version kept"
    print(f"{len(done)} topic(s) settled, {how}: {', '.join(done) or 'none was open'}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the topic store."""
    from kbgen.check import run_check

    config = load_config(args.project)
    count, problems = run_check(config)
    _print_problems(problems)
    errors = sum(p.severity == "error" for p in problems)
    if errors:
        print(f"{errors} problem(s) in {count} topics", file=sys.stderr)
        return 1
    print(f"{count} topics OK")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    """Write the Markdown pages of the site into the docs folder, for any publisher."""
    from kbgen.publish import generate_pages

    done, docs_dir = generate_pages(load_config(args.project))
    print(
        f"{done.topics} topics, {done.redirects} redirects: {done.written} files written, "
        f"{done.removed} removed in {docs_dir}"
    )
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Build the static site."""
    from kbgen.publish import build_site

    if not Path(args.project).is_dir():
        raise UsageError(f"{args.project}: no such project folder")
    config = load_config(args.project)
    site_dir = Path(args.site_dir).resolve() if args.site_dir else None
    report = build_site(config, site_dir=site_dir)
    print(report)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Preview the site with live reload."""
    from kbgen.publish import serve

    serve(load_config(args.project), dev_addr=args.dev_addr)
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    """Print the URL of a topic and a Markdown link to it."""
    from kbgen.search_cli import base_url, link, project_records

    config = load_config(args.project)
    records, problems = project_records(config)
    _print_problems(problems)
    return link(records, args.name, base_url(config, args.base_url)).emit()


def cmd_search(args: argparse.Namespace) -> int:
    """Search the topics as the site's search does."""
    from kbgen.search_cli import base_url, project_records, search_topics

    config = load_config(args.project)
    records, problems = project_records(config)
    _print_problems(problems)
    tags = {t.slug: t.name for t in config.tags.values()}
    base = base_url(config, args.base_url)
    query = " ".join(args.query)
    found = search_topics(
        records, query, args.tag, base, tags, args.limit, args.json, config.synonyms
    )
    return found.emit()


def parser() -> argparse.ArgumentParser:
    """The argument parser, shared with the documentation tests."""
    root = argparse.ArgumentParser(prog="kbgen", description=__doc__, allow_abbrev=False)
    root.add_argument(
        "--project", type=Path, default=Path.cwd(), help="project folder (holds kbgen.yml)"
    )
    # No abbreviated options: `--site` must not silently mean `--site-dir`.
    sub = root.add_subparsers(
        dest="command",
        required=True,
        parser_class=functools.partial(argparse.ArgumentParser, allow_abbrev=False),
    )

    p = sub.add_parser("import", help="read sources/ into topics/")
    p.add_argument(
        "--report",
        nargs="?",
        const="import-report.md",
        metavar="FILE",
        help="write every merge decision to FILE (default import-report.md)",
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("resolve", help="settle the conflicts the last import reported")
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="topics to settle (default: all)")
    p.add_argument(
        "--sources", action="store_true", help="take the sources' version instead of yours"
    )
    p.set_defaults(func=cmd_resolve)

    p = sub.add_parser("check", help="validate topics/")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("generate", help="write the site's Markdown pages from topics/ into docs/")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("build", help="build the site from topics/")
    p.add_argument("--site-dir", help="output folder (default: site/)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="preview the site with live reload")
    p.add_argument("--dev-addr", default="127.0.0.1:8000", help="address to serve on")
    p.set_defaults(func=cmd_serve)

    base_help = "prefix of topic URLs (default: site_url in mkdocs.yml, else relative)"
    p = sub.add_parser("link", help="print a topic's URL and a Markdown link to it")
    p.add_argument("name", help="a topic title or alias; NAME#section links to a section")
    p.add_argument("--base-url", help=base_help)
    p.set_defaults(func=cmd_link)

    p = sub.add_parser("search", help="search topics by words and tags")
    p.add_argument("query", nargs="*", help="words to find (none: every topic with the tags)")
    p.add_argument("--tag", action="append", default=[], help="only topics with this tag")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--limit", type=int, default=20, help="results to show; 0 shows all")
    p.add_argument("--base-url", help=base_help)
    p.set_defaults(func=cmd_search)
    return root


REPLACES = {"import": ("topics",), "generate": ("topics",), "build": ("topics", "site")}
"""The folders each command may replace wholesale (build and generate import when empty)."""


@contextmanager
def guarded(args: argparse.Namespace) -> Iterator[None]:
    """Validate the project's folders, hold its lock and recover from a killed command.

    ``kbgen serve`` takes the lock for each rebuild instead, so that imports can run
    while it serves.
    """
    from kbgen.folders import check_project, recover
    from kbgen.lock import project_lock

    if not Path(args.project).is_dir():
        raise UsageError(f"{args.project}: no such project folder")
    config = load_config(args.project)
    site_dir = Path(args.site_dir).resolve() if getattr(args, "site_dir", None) else None
    check_project(config, site_dir=site_dir, replaces=REPLACES.get(args.command, ()))
    if args.command == "serve":
        yield
        return
    with project_lock(config.root, f"kbgen {args.command}"):
        for folder in (config.topics_dir, site_dir or config.site_dir):
            recover(folder)
        yield


def main(argv: list[str] | None = None) -> int:
    """Run a command; errors print as ``file:line: message`` and exit 1 (2: refused)."""
    args = parser().parse_args(argv)
    try:
        with guarded(args):
            return args.func(args)
    except InputError as exc:
        _print_problems(exc.problems)
        print(f"Aborted with {len(exc.problems)} problem(s).", file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KbgenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = exc.filename or f"kbgen {args.command}"
        print(f"error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1

"""The ``kbgen`` command line: one small function per command, each reading like its pipeline."""

from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kbgen import progress
from kbgen.config import CONFIG_FILE, Config, load_config
from kbgen.exceptions import InputError, KbgenError, Problem, UsageError

DESCRIPTION = """\
Turn glossary documents into a static, searchable knowledge-base website: one page per
topic with What, Use When, How and Pitfalls, cross-linked, tagged and searchable."""

EPILOG = """\
Start a knowledge base:  kbgen init my-kb && cd my-kb && kbgen build
Then put your glossaries in sources/ (tagged lists, notes, guides, CSV/TSV tables or
definition lists), run `kbgen build` again, and open site/index.html or run `kbgen serve`.
Every command works on the project in the current folder, or the one --project names.
Run `kbgen COMMAND --help` for the options of one command."""


def _print_problems(problems: list[Problem] | tuple[Problem, ...]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def _version() -> str:
    try:
        return importlib.metadata.version("kbgen")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def project_config(args: argparse.Namespace) -> Config:
    """The configuration of the project the command works on; a folder without
    ``kbgen.yml`` is an error that says how to start one."""
    root = (args.project or Path.cwd()).resolve()
    if not root.is_dir():
        raise UsageError(f"{root}: no such project folder")
    if not (root / CONFIG_FILE).is_file():
        raise UsageError(
            f"{root}: no {CONFIG_FILE} here, so this is not a kbgen project. "
            f"Start one with `kbgen init`, or give the project's folder with --project DIR."
        )
    return load_config(root)


def cmd_init(args: argparse.Namespace) -> int:
    """Write a new project."""
    from kbgen.init import init_project

    root = Path(args.dir) if args.dir else (args.project or Path.cwd())
    created = init_project(root, args.name, args.description)
    print(f"Created a kbgen project in {created.root}:")
    for name in created.files:
        print(f"  {name}")
    if created.kept_sources:
        print("sources/ already held files: kept them, added no examples.")
    where = "" if created.root == Path.cwd().resolve() else f"cd {created.root} && "
    print(f"Next: {where}kbgen build   (then open site/index.html, or run kbgen serve)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Read the sources and merge them into the topic store."""
    from kbgen.importer import format_report, run_import

    config = project_config(args)
    start = time.perf_counter()
    with progress.shown():
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


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the topic store."""
    from kbgen.check import run_check

    config = project_config(args)
    count, problems = run_check(config)
    _print_problems(problems)
    errors = sum(p.severity == "error" for p in problems)
    if errors:
        print(f"{errors} problem(s) in {count} topics", file=sys.stderr)
        return 1
    print(f"{count} topics OK")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    """Settle the conflicts the last import recorded."""
    from kbgen.state import resolve_conflicts

    config = project_config(args)
    done = resolve_conflicts(config, args.slugs, take_sources=args.sources)
    how = "the sources' version taken" if args.sources else "your version kept"
    print(f"{len(done)} topic(s) settled, {how}: {', '.join(done) or 'none was open'}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    """Write the Markdown pages of the site into the docs folder, for any publisher."""
    from kbgen.publish import generate_pages

    done, docs_dir, problems = generate_pages(project_config(args))
    _print_problems(problems)
    print(
        f"{done.topics} topics, {done.redirects} redirects: {done.written} files written, "
        f"{done.removed} removed in {docs_dir}"
    )
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Build the static site."""
    from kbgen.publish import build_site

    config = project_config(args)
    site_dir = Path(args.site_dir).resolve() if args.site_dir else None
    with progress.shown():
        report = build_site(config, site_dir=site_dir)
    _print_problems(report.problems)
    print(report)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Preview the site with live reload."""
    from kbgen.serve import serve

    serve(project_config(args), dev_addr=args.dev_addr)
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    """Print the URL of a topic and a Markdown link to it."""
    from kbgen.search_cli import base_url, link, project_records, project_shared

    config = project_config(args)
    records, problems = project_records(config)
    _print_problems(problems)
    base = base_url(config, args.base_url)
    code = link(records, args.name, base, project_shared(config)).emit()
    if code == 0 and not base:
        print(
            "note: the URL is relative to the site's root, as the site's address is not set; "
            "set site_url in mkdocs.yml (or the KBGEN_SITE_URL variable), or pass --base-url",
            file=sys.stderr,
        )
    return code


def cmd_search(args: argparse.Namespace) -> int:
    """Search the topics as the site's search does."""
    from kbgen.build import tag_name
    from kbgen.search_cli import base_url, project_shared, project_topics, search_topics

    config = project_config(args)
    records, bodies, problems = project_topics(config)
    _print_problems(problems)
    tags = {t: tag_name(t) for r in records for t in r.tags}
    tags.update({t.slug: t.name for t in config.tags.values()})
    base = base_url(config, args.base_url)
    query = " ".join(args.query)
    shared = project_shared(config)
    found = search_topics(
        records, query, args.tag, base, tags, args.limit, args.json, config.synonyms, bodies, shared
    )
    return found.emit()


class _Parser(argparse.ArgumentParser):
    """An argument parser whose unknown-command error suggests the closest command."""

    commands: tuple[str, ...] = ()
    """The command names, set on the top-level parser."""

    def error(self, message: str) -> None:  # type: ignore[override]
        m = re.search(r"invalid choice: '([^']*)'", message)
        choices = self.commands
        if m and choices:
            word = m.group(1)
            close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
            hint = f" (did you mean `kbgen {close[0]}`?)" if close else ""
            self.exit(
                2,
                f"kbgen: unknown command `{word}`{hint}\n"
                f"Commands: {', '.join(choices)}. Run `kbgen --help` for what each does.\n",
            )
        super().error(message)


def _command(sub, name: str, func, summary: str, description: str) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name,
        help=summary,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    # After the command too: `kbgen build --project DIR` as well as `kbgen --project DIR build`.
    p.add_argument(
        "--project",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="the project folder, holding kbgen.yml (default: the current folder)",
    )
    p.set_defaults(func=func)
    return p


def parser() -> argparse.ArgumentParser:
    """The argument parser, shared with the documentation tests."""
    root = _Parser(
        prog="kbgen",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    root.add_argument("--version", action="version", version=f"kbgen {_version()}")
    root.add_argument(
        "--project",
        type=Path,
        default=None,
        metavar="DIR",
        help="the project folder, holding kbgen.yml (default: the current folder)",
    )
    sub = root.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    p = _command(
        sub,
        "init",
        cmd_init,
        "start a new knowledge base in a folder",
        "Write a new project into DIR (default: the current folder): kbgen.yml, mkdocs.yml,\n"
        "sources/ with a short example of every format kbgen reads, docs/about.md,\n"
        "templates/, .gitignore, requirements.txt and a GitHub Actions workflow that\n"
        "publishes the site to GitHub Pages. Refuses a folder that holds a project already,\n"
        "and overwrites no file. If sources/ already holds files, no examples are added.",
    )
    p.add_argument("dir", nargs="?", metavar="DIR", help="folder to create or fill")
    p.add_argument("--name", help="the site's name (default: from the folder's name)")
    p.add_argument("--description", help="one line under the name on the home page")

    p = _command(
        sub,
        "import",
        cmd_import,
        "read the glossaries in sources/ into topic files in topics/",
        "Read every glossary under sources/ and merge its entries into topics/, one file per\n"
        "topic. Your edits to topic files are kept: each part you changed stays yours, and a\n"
        "part changed both by you and in the sources is reported as a conflict.",
    )
    p.add_argument(
        "--report",
        nargs="?",
        const="import-report.md",
        metavar="FILE",
        help="also write every merge decision and where each entry landed to FILE "
        "(default: import-report.md)",
    )

    _command(
        sub,
        "check",
        cmd_check,
        "check the topic files for mistakes",
        "Check every file in topics/: front matter, tags (a near miss of a known tag is a\n"
        "typo), names used twice, a missing What section, links to unknown topics. Prints\n"
        "file:line: message for each and exits 1 if there is any.",
    )

    p = _command(
        sub,
        "resolve",
        cmd_resolve,
        "settle the conflicts the last import reported",
        "Settle conflicts between your edits and the sources that `kbgen import` reported:\n"
        "keep your version (the default) or take the sources' (--sources). Until settled,\n"
        "every import reports the conflict again.",
    )
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="topics to settle (default: all)")
    p.add_argument(
        "--sources", action="store_true", help="take the sources' version instead of yours"
    )

    _command(
        sub,
        "generate",
        cmd_generate,
        "write the site's Markdown pages into docs/ without building",
        "Write the generated pages (topics, home, tags, A–Z, browse) into docs/, for a\n"
        "publisher that reads mkdocs.yml but runs no MkDocs plugins.",
    )

    p = _command(
        sub,
        "build",
        cmd_build,
        "build the website into site/",
        "Build the website. Imports the sources first when topics/ is empty or a source\n"
        "changed since the last import, and shows that import's warnings. Any MkDocs warning\n"
        "fails the build; a failed build leaves the previous site as it was.",
    )
    p.add_argument("--site-dir", metavar="DIR", help="build into DIR instead of site/")

    p = _command(
        sub,
        "serve",
        cmd_serve,
        "preview the website, rebuilding it on every change",
        "Build the site and serve it for preview; the page reloads when a topic file, a\n"
        "page in docs/, a template, kbgen.yml or mkdocs.yml changes. An edit of a topic\n"
        "builds again only the files it changes. Ctrl+C stops it.",
    )
    p.add_argument(
        "--dev-addr",
        default="127.0.0.1:8000",
        metavar="HOST:PORT",
        help="where to serve (default: 127.0.0.1:8000)",
    )

    base_help = "the site's address (default: site_url in mkdocs.yml or KBGEN_SITE_URL)"
    p = _command(
        sub,
        "link",
        cmd_link,
        "print a topic's address and a Markdown link to it",
        "Print the address of the topic named NAME (its title or any other name) and a\n"
        "ready Markdown link. NAME#section links to a section, such as LoRA#pitfalls.\n"
        "An unknown name lists the closest ones; an ambiguous one lists its topics.",
    )
    p.add_argument("name", metavar="NAME", help="a topic's title or other name")
    p.add_argument("--base-url", metavar="URL", help=base_help)

    p = _command(
        sub,
        "search",
        cmd_search,
        "search the topics from the terminal",
        "Search the topics by words and tags, ranked as on the site's Browse page.",
    )
    p.add_argument("query", nargs="*", help="words to find (none: every topic with the tags)")
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help="only topics with TAG")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--limit", type=int, default=20, help="results to show; 0 shows all")
    p.add_argument("--base-url", metavar="URL", help=base_help)
    root.commands = tuple(sub.choices)
    return root


REPLACES = {"import": ("topics",), "generate": ("topics",), "build": ("topics", "site")}
"""The folders each command may replace wholesale (build and generate import when empty)."""


@contextmanager
def guarded(args: argparse.Namespace) -> Iterator[None]:
    """Validate the project's folders, hold its lock and recover from a killed command.

    ``kbgen serve`` takes the lock for each rebuild instead, so that imports can run
    while it serves; ``kbgen init`` makes a project, so there is none to guard yet.
    """
    from kbgen.folders import check_project, recover
    from kbgen.lock import project_lock

    if args.command == "init":
        yield
        return
    config = project_config(args)
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
    root = parser()
    args = root.parse_args(argv)
    if args.command is None:
        root.print_help()
        return 0
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
    except KeyboardInterrupt:
        return 130

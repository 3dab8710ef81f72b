"""Publish with MkDocs: a thin plugin around :func:`kbgen.build.generate`, plus the commands.

The plugin only adapts MkDocs events: before each build it regenerates the pages from
``topics/`` (so ``mkdocs build`` and ``mkdocs serve`` work on their own), and under
``mkdocs serve`` it watches the topic store, the templates and ``kbgen.yml``. The pages it
generates are plain Markdown, so a publisher that reads ``mkdocs.yml`` but runs no plugins
can build them after ``kbgen generate``.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import jinja2.bccache
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import config_options as opt
from mkdocs.config import load_config as load_mkdocs_config
from mkdocs.config.base import Config as MkDocsPluginConfig
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.utils import clean_directory

from kbgen import progress
from kbgen.atomic import replace_directory
from kbgen.build import GENERATED_MARK, Generated, generate
from kbgen.config import CONFIG_FILE, Config, load_config
from kbgen.exceptions import BuildError, KbgenError, Problem
from kbgen.folders import check_project, mark
from kbgen.generated_page import give_pages
from kbgen.incremental import Memo
from kbgen.lock import project_lock
from kbgen.prerendered import Prerendered
from kbgen.provenance import EDIT_URI, SOURCE_URI, RepoLinks
from kbgen.state import sources_changed

if TYPE_CHECKING:
    from mkdocs.structure.files import Files
    from mkdocs.structure.nav import Navigation

    from kbgen.importer import ImportResult

MKDOCS_FILE = "mkdocs.yml"
LOCK_WAIT = 120.0
"""Seconds a rebuild under ``kbgen serve`` waits for another command on the project."""
log = logging.getLogger("mkdocs.plugins.kbgen")


class KbgenPluginConfig(MkDocsPluginConfig):
    """Options of the ``kbgen`` plugin in ``mkdocs.yml``."""

    project = opt.Type(str, default=".")
    """Folder holding ``kbgen.yml``, relative to ``mkdocs.yml``."""
    source_uri = opt.Type(str, default=SOURCE_URI)
    """A source line's address relative to ``repo_url`` (``{path}``, ``{line}``)."""
    edit_uri = opt.Type(str, default=EDIT_URI)
    """A topic file's online editor relative to ``repo_url`` (``{path}``); empty: none."""
    prerendered = opt.Type(bool, default=True)
    """Hand Python-Markdown the HTML blocks of generated pages as they are, instead of
    parsing them again (:mod:`kbgen.prerendered`): the same pages, built faster."""


class KbgenPlugin(BasePlugin[KbgenPluginConfig]):
    """Regenerates the topic pages before every MkDocs build."""

    def __init__(self) -> None:
        self.project: Config | None = None
        self.pregenerated = False
        """Set by :func:`build_site`, which has just generated the pages itself."""
        self.serving = False
        """True under ``mkdocs serve``, which keeps this instance across rebuilds."""
        self.started = 0.0
        self.pages: progress.Task | None = None
        self.generated: Generated | None = None
        self.memo = Memo()
        """The generator's results, kept between the rebuilds of ``mkdocs serve``."""
        self.compiled = _CompiledTemplates()
        """The theme's templates compiled, kept between the rebuilds of ``mkdocs serve``."""
        self.files: Files | None = None
        self.nav: Navigation | None = None
        self.prerendered = Prerendered()
        """Takes the blocks of HTML of generated pages as they are (when enabled)."""
        self.original: str | None = None
        """The Markdown of the page being rendered, before its blocks were cut out."""
        self.env: jinja2.Environment | None = None
        """The files, navigation and theme environment of the last build (which
        :mod:`kbgen.serve` renders single pages with)."""

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining on_startup also makes MkDocs keep the plugin across serve's rebuilds.
        self.serving = command == "serve"
        if dirty:
            # MkDocs warns of every dirty build, which under `strict` would abort it.
            logging.getLogger("mkdocs.commands.build").addFilter(_not_dirty_warning)

    def on_shutdown(self) -> None:
        logging.getLogger("mkdocs.commands.build").removeFilter(_not_dirty_warning)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path or ".").parent / self.config.project
        try:
            self.project = load_config(root)
            # `mkdocs build` empties its site_dir: never one of the project's folders.
            check_project(
                self.project,
                site_dir=Path(config.site_dir),
                docs_dir=Path(config.docs_dir),
                site_setting="site_dir in mkdocs.yml",
            )
        except KbgenError as exc:
            raise PluginError(str(exc)) from exc
        if self.config.prerendered:
            config.markdown_extensions.append(self.prerendered)
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        self.started = time.perf_counter()
        if self.pregenerated or self.project is None:
            return
        try:
            # Under `mkdocs serve`, wait for an import that is running to finish first.
            with project_lock(self.project.root, "mkdocs build", wait=LOCK_WAIT):
                scope = self.memo.scope
                done = _generate(self.project, config, self.memo if self.serving else None)
        except KbgenError as exc:
            raise PluginError(str(exc)) from exc
        if self.serving and scope is not None and scope != self.memo.scope:
            # kbgen.yml, mkdocs.yml or a template changed: every page may look different,
            # and a dirty build renders only the pages whose Markdown changed. Without their
            # HTML, MkDocs renders them all.
            clean_directory(config.site_dir)
            self.compiled.clear()  # mkdocs.yml may set other options of the environment
        log.info(f"kbgen: {done.topics} topics, {done.written} pages changed")
        self.generated = done

    def on_nav(self, nav, *, config: MkDocsConfig, files):
        self.nav = nav
        return nav

    def on_env(self, env, *, config: MkDocsConfig, files):
        # Every rebuild of `mkdocs serve` makes a new Jinja environment for the theme, which
        # compiles every template again: kept compiled, as long as a template's source is.
        if self.serving:
            env.bytecode_cache = self.compiled
        self.env, self.files = env, files
        return env

    def on_files(self, files, *, config: MkDocsConfig):
        self.pages = progress.task("Building pages", len(files.documentation_pages()))
        if self.config.prerendered and self.generated is not None:
            # After every plugin's on_config: the extensions are all there.
            give_pages(files, config, self.generated.blocks, self.prerendered)
        return files

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.pages is not None:
            self.pages.done()
            self.pages = None
        if self.serving and not self.pregenerated:
            done = self.generated
            what = f"{done.topics} topics, {done.written} file(s) changed" if done else "site"
            rendered = f" ({done.rendered} rendered)" if done else ""
            seconds = time.perf_counter() - self.started
            # Printed, not logged: a warning would fail the strict build.
            stamp = time.strftime("%H:%M:%S")
            print(f"[{stamp}] built {what} in {seconds:.1f} s{rendered}", file=sys.stderr)

    def on_page_context(self, context, *, page, config, nav):
        if self.pages is not None:
            self.pages.advance()
        return context

    def on_page_markdown(self, markdown, *, page, config, files):
        # A generated page's own file is no place to edit it: a topic page names its topic
        # file in `edit_url`, the other generated pages have no edit link. A hand-written
        # page is edited where it lies, by the same `edit_uri` as topic files.
        if GENERATED_MARK in markdown:
            page.edit_url = page.meta.get("edit_url") or None
            # The header search runs kbgen's engine over kbgen's own index of these pages:
            # Material's index of them would be built and never read.
            page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
            blocks = self.generated.blocks.get(page.file.src_uri) if self.generated else None
            if blocks is not None and self.config.prerendered:
                self.original = markdown
                return self.prerendered.cut(markdown, blocks)
        elif self.project is not None and page.file.src_uri:
            docs = _relative(Path(config.docs_dir), self.project.root)
            edit = repo_links(self.project, config).edit_path(f"{docs}/{page.file.src_uri}")
            page.edit_url = edit or None
        return markdown

    def on_page_content(self, html, *, page, config, files):
        # Plugins after this one read the page's Markdown as it is written.
        if self.original is not None:
            page.markdown, self.original = self.original, None
        return html

    def on_serve(self, server, *, config: MkDocsConfig, builder):
        assert self.project is not None
        for path in (
            self.project.topics_dir,
            self.project.root / "templates",
            self.project.root / CONFIG_FILE,
        ):
            if path.exists():
                server.watch(str(path))
        return server


class _CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's compiled templates in memory, by template name and source checksum."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self.code.clear()


@dataclass(frozen=True)
class BuildReport:
    """What ``kbgen build`` did."""

    generated: Generated
    """The pages generated from ``topics/``."""
    site_dir: Path
    """Where the site was built."""
    imported: bool
    """True when the build imported the sources first."""
    seconds: float
    """Wall time of the whole build."""
    problems: tuple[Problem, ...] = ()
    """Warnings of the import the build ran, and its conflicts (editor's version kept)."""

    def __str__(self) -> str:
        how = "imported the sources, then " if self.imported else ""
        done = self.generated
        pages = f"{done.rendered} rendered" if done.rendered else "none changed"
        return (
            f"{how}built {done.topics} topics ({pages}) and {done.redirects} "
            f"redirects into {self.site_dir} in {self.seconds:.1f} s"
        )


def _mkdocs_file(project: Config) -> Path:
    path = project.root / MKDOCS_FILE
    if not path.exists():
        raise BuildError(f"{path}: not found (kbgen publishes with MkDocs; see README.md)")
    # The docs folder holds the pages kbgen writes: a project without hand-written pages
    # need not have one yet, so it is made (the commands check the layout before this).
    if not project.docs_dir.exists():
        project.docs_dir.mkdir(parents=True)
    return path


def _mkdocs_config(project: Config, site_dir: Path) -> MkDocsConfig:
    path = _mkdocs_file(project)
    config = load_mkdocs_config(config_file=str(path), site_dir=str(site_dir), strict=True)
    check_project(
        project, site_dir=site_dir, docs_dir=Path(config.docs_dir), site_setting="site folder"
    )
    return config


def _generate(project: Config, config: MkDocsConfig, memo: Memo | None = None) -> Generated:
    """The pages, into the docs folder and for the site ``mkdocs.yml`` describes."""
    return generate(
        project,
        Path(config.docs_dir),
        config.site_name,
        config.site_url or "",
        config.site_description or "",
        repo_links(project, config),
        memo,
    )


def repo_links(project: Config, config: MkDocsConfig) -> RepoLinks:
    """Where the project's files are online: ``repo_url`` and the kbgen plugin's options."""
    plugin = config.plugins.get("kbgen")
    options = plugin.config if isinstance(plugin, KbgenPlugin) else KbgenPluginConfig()
    return RepoLinks(
        config.repo_url or "",
        options.get("source_uri", SOURCE_URI),
        options.get("edit_uri", EDIT_URI),
        _relative(project.sources_dir, project.root),
        _relative(project.topics_dir, project.root),
    )


def _relative(path: Path, root: Path) -> str:
    """``path`` as the repository names it: relative to the project root, with ``/``."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def generate_pages(project: Config) -> tuple[Generated, Path, tuple[Problem, ...]]:
    """``kbgen generate``: import if the store is empty or the sources changed, then write
    the pages; and where, and the warnings of the import."""
    problems = import_problems(ensure_topics(project))
    config = _mkdocs_config(project, project.site_dir)
    return _generate(project, config), Path(config.docs_dir), problems


def _log_to_stderr() -> None:
    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler.setLevel(logging.WARNING)
        logger.addHandler(handler)


def ensure_topics(project: Config) -> ImportResult | None:
    """Import the sources when the topic store is empty or the sources changed since the
    last import (which keeps the editors' changes); what it did, or None."""
    if (
        project.topics_dir.is_dir()
        and any(project.topics_dir.glob("*.md"))
        and not sources_changed(project)
    ):
        return None
    from kbgen.importer import run_import  # only when the sources changed

    return run_import(project)


def import_problems(result: ImportResult | None) -> tuple[Problem, ...]:
    """Every warning of an import, and each conflict as a problem, for the user to see."""
    if result is None:
        return ()
    conflicts = [
        Problem(c.split(":", 1)[0] + ".md", 0, f"conflict (editor's version kept): {c}", "warning")
        for c in result.conflicts
    ]
    return (*result.problems, *conflicts)


def build_site(project: Config, site_dir: Path | None = None) -> BuildReport:
    """Generate the pages and build the site strictly; the old site stays until it succeeds."""
    start = time.perf_counter()
    site_dir = (site_dir or project.site_dir).resolve()
    result = ensure_topics(project)
    with replace_directory(site_dir, start="empty") as scratch:
        config = _mkdocs_config(project, scratch)
        generated = _generate(project, config)
        plugin = config.plugins.get("kbgen")
        # MkDocs keeps a plugin that has on_startup for the whole process: the flag holds
        # for this build only.
        if isinstance(plugin, KbgenPlugin):
            plugin.pregenerated = True
            plugin.generated = generated
        _log_to_stderr()
        try:
            mkdocs_build(config)
        except Abort as exc:
            raise BuildError(f"MkDocs: {exc}") from exc
        except OSError as exc:
            where = exc.filename or f"the site into {site_dir}"
            message = f"cannot write {where}: {exc.strerror or exc}; {site_dir} is unchanged"
            raise BuildError(message) from exc
        finally:
            if isinstance(plugin, KbgenPlugin):
                plugin.pregenerated = False
        mark(scratch)
    seconds = time.perf_counter() - start
    return BuildReport(generated, site_dir, result is not None, seconds, import_problems(result))


def _not_dirty_warning(record: logging.LogRecord) -> bool:
    """False for MkDocs' warning that a build is dirty (under ``strict`` it would abort)."""
    return not record.getMessage().startswith("A 'dirty' build is being performed")

"""``kbgen serve``: a live preview in which an edit to a topic shows at once.

The first build is a whole MkDocs build. After it, when a topic file changes,
:class:`Preview` runs the generator again with its memo (:mod:`kbgen.incremental`), which
renders and writes only the files the edit changed, and puts just those files through
MkDocs again: each changed page through the same steps and plugin events as in
``mkdocs build`` (its Markdown, then the theme's template), with the files, navigation
and theme environment of the last whole build; each other changed file is copied. An edit
that adds or removes a file, or one to ``mkdocs.yml``, ``kbgen.yml``, a template or a
hand-written page, gets a whole MkDocs build instead, as ``mkdocs serve`` would run (a
dirty one, except after a change of the settings or templates, which every page shows).

The server is MkDocs' own live-reload server. It watches the topic store, the project's
templates, both settings files and the hand-written files of the docs folder, never the
files kbgen generates there, so that writing them starts no second build.
"""

from __future__ import annotations

import errno
import gc
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs import utils
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.commands.build import get_context
from mkdocs.config import load_config as load_mkdocs_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.livereload import LiveReloadServer
from mkdocs.structure.files import File, InclusionLevel

from kbgen.build import OWNED_DIRS, OWNED_FILES, Generated
from kbgen.config import CONFIG_FILE, Config
from kbgen.exceptions import BuildError, InputError, KbgenError
from kbgen.folders import recover
from kbgen.incremental import Memo
from kbgen.lock import project_lock
from kbgen.manifest import MANIFEST_FILE, tree_files
from kbgen.publish import (
    LOCK_WAIT,
    KbgenPlugin,
    _generate,
    _log_to_stderr,
    _mkdocs_file,
    ensure_topics,
    import_problems,
)

log = logging.getLogger("mkdocs.plugins.kbgen")
POLL_SECONDS = 0.3
"""How often the server looks for changed files."""

Stamp = tuple[int, int]
"""A file's modification time (ns) and size."""


@dataclass(frozen=True)
class Inputs:
    """The stamps of what a build reads besides the topic store."""

    settings: dict[str, Stamp]
    """``mkdocs.yml``, ``kbgen.yml`` and the project's templates: every page shows them."""
    pages: dict[str, Stamp]
    """The docs folder's hand-written files."""


def _stamps(paths: list[Path]) -> dict[str, Stamp]:
    found = {}
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return found


def hand_written(docs_dir: Path) -> list[Path]:
    """The files and folders of ``docs_dir`` that kbgen does not generate, as few as cover
    them: a folder that holds none of kbgen's is one entry, one that does is looked into."""
    owned = {*OWNED_DIRS, *OWNED_FILES, MANIFEST_FILE}
    inside = {"/".join(p.split("/")[: i + 1]) for p in owned for i in range(p.count("/"))}
    found, pending = [], [""]
    while pending:
        prefix = pending.pop()
        try:
            entries = sorted(os.scandir(docs_dir / prefix), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            relative = f"{prefix}{entry.name}"
            if relative in owned or entry.name.startswith("."):
                continue
            if relative in inside and entry.is_dir():
                pending.append(f"{relative}/")
            else:
                found.append(docs_dir / relative)
    return found


class Preview:
    """One ``kbgen serve``: the site in a scratch folder, rebuilt after each change."""

    def __init__(self, project: Config, host: str, port: int) -> None:
        self.project = project
        self.site_dir = Path(tempfile.mkdtemp(prefix="kbgen-serve-"))
        self.memo = Memo()
        self.host, self.port = host, port
        self.config = self._load()
        self.url = self.config.site_url
        self.config.plugins.on_startup(command="serve", dirty=True)
        self.inputs: Inputs | None = None

    def _load(self) -> MkDocsConfig:
        config = load_mkdocs_config(
            config_file=str(_mkdocs_file(self.project)), site_dir=str(self.site_dir)
        )
        # As `mkdocs serve` does: the pages link to the preview, not to the site online.
        mount = urlsplit(config.site_url or "/").path.strip("/")
        shown = f"[{self.host}]" if ":" in self.host else self.host
        config.site_url = f"http://{shown}:{self.port}/" + (f"{mount}/" if mount else "")
        return config

    @property
    def plugin(self) -> KbgenPlugin:
        plugin = self.config.plugins.get("kbgen")
        if not isinstance(plugin, KbgenPlugin):
            raise BuildError("mkdocs.yml: kbgen serve needs the kbgen plugin in `plugins`")
        return plugin

    def watched(self) -> list[Path]:
        """Every path whose change starts a build."""
        root = self.project.root
        paths = [self.project.topics_dir, root / "templates", root / CONFIG_FILE]
        paths.append(_mkdocs_file(self.project))
        paths += hand_written(Path(self.config.docs_dir))
        return [p for p in paths if p.exists()]

    def _inputs(self) -> Inputs:
        root = self.project.root
        settings = [root / CONFIG_FILE, _mkdocs_file(self.project), *tree_files(root / "templates")]
        pages = []
        for path in hand_written(Path(self.config.docs_dir)):
            pages += tree_files(path) if path.is_dir() else [path]
        return Inputs(_stamps(settings), _stamps(pages))

    def build(self) -> None:
        """Build what changed since the last build (everything, the first time)."""
        start = time.perf_counter()
        inputs = self._inputs()
        before, self.inputs = self.inputs, inputs
        settings_changed = before is not None and before.settings != inputs.settings
        if settings_changed:
            self.config = self._load()  # mkdocs.yml may have changed
        generated = self._generate()
        self.plugin.generated = generated  # where the pages' blocks of HTML are
        files = self.plugin.files
        self._remove(generated.deleted)
        if before is None or settings_changed:
            how = self._whole(dirty=False)
        elif (
            files is None
            or before.pages != inputs.pages
            or any(_is_page(p) for p in generated.deleted)
            or any(_is_page(p) and not files.get_file_from_path(p) for p in generated.changed)
        ):
            how = self._whole(dirty=True)  # a page added or gone: the navigation changes
        else:
            how = self._pages(generated.changed)
        # What the memo keeps lives long: moved out of the collector's way, so that the next
        # rebuild does not walk it (each build leaves only a few hundred cyclic objects).
        gc.freeze()
        seconds = time.perf_counter() - start
        stamp = time.strftime("%H:%M:%S")
        print(
            f"[{stamp}] built {generated.topics} topics, {generated.written} file(s) changed "
            f"in {seconds:.1f} s ({generated.rendered} rendered): {how}",
            file=sys.stderr,
            flush=True,
        )

    def _generate(self) -> Generated:
        with project_lock(self.project.root, "kbgen serve", wait=LOCK_WAIT):
            return _generate(self.project, self.config, self.memo)

    def _whole(self, dirty: bool) -> str:
        plugin = self.plugin
        plugin.pregenerated = True
        try:
            mkdocs_build(self.config, serve_url=self.url, dirty=dirty)
        finally:
            plugin.pregenerated = False
        return "dirty MkDocs build" if dirty else "whole MkDocs build"

    def _remove(self, deleted: tuple[str, ...]) -> None:
        """The built files of deleted docs files, so that the site shows them gone."""
        files = self.plugin.files
        for path in deleted:
            file = files.get_file_from_path(path) if files else None
            if file is None:
                continue
            if os.path.isfile(file.abs_dest_path):
                os.unlink(file.abs_dest_path)
            files.remove(file)

    def _pages(self, changed: tuple[str, ...]) -> str:
        """MkDocs' steps for just the ``changed`` files, with the last build's files,
        navigation and theme."""
        config, plugin = self.config, self.plugin
        files, nav, env = plugin.files, plugin.nav, plugin.env
        assert files is not None and nav is not None and env is not None
        counter = utils.CountHandler()
        counter.setLevel(logging.WARNING)
        logging.getLogger("mkdocs").addHandler(counter)
        try:
            pages = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
            for path in changed:
                file = files.get_file_from_path(path)
                if file is None:  # a new file that is no page: a search index shard, say
                    file = File(path, config.docs_dir, config.site_dir, config.use_directory_urls)
                    files.append(file)
                if file.page is not None:
                    _render_page(file, config, files, nav, env, pages)
                elif not file.is_documentation_page():
                    file.copy_file()
        finally:
            logging.getLogger("mkdocs").removeHandler(counter)
        if config.strict and (counts := counter.get_counts()):
            problems = ", ".join(f"{v} {k.lower()}s" for k, v in counts)
            raise Abort(f"Aborted with {problems} in strict mode!")
        return f"{len(changed)} file(s) built again"


def check_port(dev_addr: str) -> tuple[str, int]:
    """``HOST:PORT`` parsed; a port something already listens on is a clear error."""
    host, _, port_text = dev_addr.rpartition(":")
    if not host or not port_text.isdigit():
        raise BuildError(f"--dev-addr {dev_addr}: expected HOST:PORT, such as 127.0.0.1:8000")
    port = int(port_text)
    host = host.strip("[]")
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # As the server binds: a port in TIME_WAIT is free, one listened on is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise BuildError(
                f"{host}:{port} is already in use (another `kbgen serve`?); stop it, or "
                f"serve on another port: kbgen serve --dev-addr {host}:{port + 1}"
            ) from exc
        raise BuildError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc
    return host, port


def _is_page(path: str) -> bool:
    return path.endswith(".md")


def _render_page(file: File, config: MkDocsConfig, files, nav, env, pages) -> None:
    """One page, as ``mkdocs build`` renders it: plugin events, Markdown, template."""
    page = config.plugins.on_pre_page(file.page, config=config, files=files)
    page.read_source(config)
    page.markdown = config.plugins.on_page_markdown(
        page.markdown, page=page, config=config, files=files
    )
    page.render(config, files)
    page.content = config.plugins.on_page_content(
        page.content, page=page, config=config, files=files
    )
    page.active = True
    try:
        context = get_context(nav, pages, config, page)
        template = env.get_template(page.meta.get("template", "main.html"))
        context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
        output = config.plugins.on_post_page(template.render(context), page=page, config=config)
    finally:
        page.active = False
    utils.write_file(output.encode("utf-8", errors="xmlcharrefreplace"), file.abs_dest_path)
    page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)


def serve(project: Config, dev_addr: str = "127.0.0.1:8000") -> None:
    """Build the site, serve it on ``dev_addr`` and rebuild it after every change.

    Prints the address, then a line per build; returns when interrupted.
    """
    host, port = check_port(dev_addr)
    with project_lock(project.root, "kbgen serve", wait=LOCK_WAIT):
        recover(project.topics_dir)
        result = ensure_topics(project)
    for problem in import_problems(result):
        print(problem, file=sys.stderr)
    _log_to_stderr()
    preview = Preview(project, host, port)

    def rebuild() -> None:
        try:
            preview.build()
        except InputError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print("The site shows the last build until the topics are fixed.", file=sys.stderr)
        except KbgenError as exc:
            print(f"error: {exc}", file=sys.stderr)
        finally:
            # A file added to the docs folder is watched from the next build on.
            for path in preview.watched():
                server.watch(str(path))

    server = LiveReloadServer(
        builder=rebuild,
        host=host,
        port=port,
        root=str(preview.site_dir),
        mount_path=urlsplit(preview.url).path,
        polling_interval=POLL_SECONDS,
    )

    def error_page(code: int) -> bytes | None:
        page = preview.site_dir / f"{code}.html"
        return page.read_bytes() if code in (404, 500) and page.is_file() else None

    server.error_handler = error_page
    print(f"Serving on {preview.url} (Ctrl+C stops)", file=sys.stderr, flush=True)
    # Stopped by a service manager or `kill` as by Ctrl+C: the preview's folder goes too.
    stopping = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if stopping else None
    try:
        preview.build()
        for path in preview.watched():
            server.watch(str(path))
        try:
            server.serve()
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
    finally:
        if stopping:
            signal.signal(signal.SIGTERM, previous)
        preview.config.plugins.on_shutdown()
        shutil.rmtree(preview.site_dir, ignore_errors=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


__all__ = ["Preview", "hand_written", "serve"]

"""The MkDocs page of a generated topic: no converter of its own when it needs none.

MkDocs builds a Python-Markdown converter, with every extension of the site, for each page
it renders. A topic page, once :class:`kbgen.prerendered.Prerendered` has cut its blocks
out, is mostly headings: :class:`GeneratedPage` has :class:`kbgen.prerendered.Skeletons`
render it, with the same HTML, table of contents and anchors, and leaves any other page to
MkDocs. A plugin may give a file its page this way (``File.page``), as long as it is a
``Page``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from kbgen.prerendered import Prerendered, Skeletons

__all__ = ["GeneratedPage", "give_pages", "nav_paths"]


def give_pages(
    files: Files, config: MkDocsConfig, uris: Iterable[str], prerendered: Prerendered
) -> None:
    """A :class:`GeneratedPage` for each generated page of ``uris``, but those ``nav``
    names (a page made here would not take the title ``nav`` gives it) and those another
    plugin gave a page. Called once every plugin's ``on_config`` has run: the site's
    extensions are all there."""
    skeletons = Skeletons(config.markdown_extensions, config.mdx_configs, prerendered)
    named = set(nav_paths(config.nav))
    for uri in uris:
        file = files.get_file_from_path(uri)
        if file is not None and file.page is None and uri not in named:
            GeneratedPage(file, config, skeletons)


class GeneratedPage(Page):
    """A generated page, rendered by ``skeletons`` when it is headings and blocks only."""

    def __init__(self, file: File, config: MkDocsConfig, skeletons: Skeletons) -> None:
        super().__init__(None, file, config)
        self.skeletons = skeletons
        self.skipped_converter = False
        """True once rendered without a converter of its own."""

    def render(self, config: MkDocsConfig, files: Files) -> None:
        rendered = None
        if self.markdown is not None and "title" in self.meta:
            rendered = self.skeletons.render(self.markdown, self.file.src_uri)
        if rendered is None:
            self.skipped_converter = False
            super().render(config, files)
            return
        self.content, tokens = rendered
        self.toc = get_toc(tokens)  # type: ignore[arg-type]
        self.present_anchor_ids = set(_ids(tokens))
        self.skipped_converter = True


def _ids(tokens: list[dict]) -> Iterator[str]:
    for token in tokens:
        yield token["id"]
        yield from _ids(token["children"])


def nav_paths(nav: object) -> Iterable[str]:
    """The page paths ``mkdocs.yml``'s ``nav`` names, which it may give titles."""
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from nav_paths(value)
    elif isinstance(nav, list):
        for item in nav:
            yield from nav_paths(item)

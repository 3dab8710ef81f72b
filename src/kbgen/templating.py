"""The Jinja2 environment of the page templates: filters, globals and the link helper.

Values are escaped explicitly (the templates write Markdown): ``md`` for Markdown, ``html``
inside HTML; ``link`` writes a link as MkDocs writes a Markdown link; the ``block`` filter
notes a whole element of HTML for :mod:`kbgen.prerendered`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import jinja2
import yaml
from markdown.extensions.toc import slugify as toc_slugify
from pymdownx.slugs import slugify as pymdownx_slugify

from kbgen.prerendered import Blocks, find_blocks
from kbgen.records import Topic
from kbgen.safe_text import inline
from kbgen.sanitize import Fragments

__all__ = [
    "PageLinker",
    "az_letter",
    "front_matter",
    "one_line_html",
    "render_page",
    "search_boost",
    "tag_anchor",
    "template_env",
]

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's emitter when PyYAML has it: same output, several times faster."""

_tag_anchor_slug = pymdownx_slugify(case="lower")


def tag_anchor(name: str) -> str:
    """The anchor Material's tags plugin gives a tag's listing: ``tag:<slug>``."""
    return "tag:" + _tag_anchor_slug(name, "-")


def az_letter(name: str) -> str:
    """The A–Z group of a name: its first letter without accents, or ``Other``."""
    first = unicodedata.normalize("NFKD", name.strip()[:1])[:1].upper()
    return first if "A" <= first <= "Z" else "Other"


def search_boost(names: list[str]) -> float:
    """Material search's per-page boost: a topic with a shorter name ranks higher.

    Material indexes without length normalisation, so ``Speculative Decoding`` and
    ``Speculative Decoding / Draft-and-Verify`` would tie for ``speculative decoding``;
    this prior, from the topic's shortest name, gives the tie to the concise topic.
    """
    parts = [p for name in names for p in re.split(r"[()]", name)]
    words = min((len(re.findall(r"[^\W_]+", p)) for p in parts if p.strip()), default=1)
    return round(1 / (1 + 0.15 * (max(words, 1) - 1)), 3)


def front_matter(data: dict[str, object]) -> str:
    """A YAML front matter block for a generated page."""
    dumped = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{dumped}---\n"


def template_env(overrides: Path | None = None) -> jinja2.Environment:
    """Jinja2 templates: the project's ``templates/`` first, then kbgen's defaults."""
    loaders: list[jinja2.BaseLoader] = []
    if overrides is not None and overrides.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(overrides)))
    loaders.append(jinja2.PackageLoader("kbgen", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=False,  # the templates write Markdown; values are escaped explicitly
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = inline
    env.filters["html"] = one_line_html
    env.filters["tag_anchor"] = tag_anchor
    env.filters["toc_anchor"] = lambda s: toc_slugify(str(s), "-")
    env.filters["az_letter"] = az_letter
    env.filters["indent4"] = lambda s: "\n".join(
        ("    " + line) if line.strip() else "" for line in str(s).split("\n")
    )
    env.filters["block"] = _block
    env.globals["front_matter"] = front_matter
    env.globals["search_boost"] = search_boost
    return env


@jinja2.pass_context
def _block(context: jinja2.runtime.Context, value: object) -> object:
    """The ``block`` filter: ``value``, a whole element of HTML the page holds as it is,
    noted for :func:`kbgen.prerendered.find_blocks`."""
    noted = context.get("blocks")
    if isinstance(noted, list):
        noted.append(str(value))
    return value


def one_line_html(text: object) -> str:
    """``text`` escaped for HTML, on one line: a line break in a name must not end the HTML
    block it is shown in."""
    return html.escape(" ".join(str(text).split()), quote=True)


class PageLinker:
    """``link(topic, label=None)`` for the templates of the page ``page``: an HTML link to
    the topic around its title or ``label`` (text), as MkDocs writes a Markdown link to
    it; ``link.to(target, label)`` links a docs path (``tags.md#tag:x``) or an anchor of
    the page (``#how``) around ``label`` (HTML)."""

    def __init__(self, fragments: Fragments, page: str) -> None:
        self.fragments, self.page = fragments, page

    def __call__(self, topic: Topic, label: str | None = None) -> str:
        start = self.fragments.link_start(f"topics/{topic.slug}.md", self.page)
        return f"{start}{one_line_html(topic.title if label is None else label)}</a>"

    def to(self, target: str, label: str) -> str:
        return self.fragments.link(target, self.page, label)


def render_page(
    template: jinja2.Template, fragments: Fragments, path: str, **context: object
) -> tuple[str, Blocks]:
    """The page at ``path`` (a docs path) rendered from ``template`` with its ``link``
    helper, and where its blocks of HTML are."""
    noted: list[str] = []
    text = template.render(**context, link=PageLinker(fragments, path), blocks=noted)
    return text, find_blocks(text, noted)

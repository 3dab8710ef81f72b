"""Machine-readable exports written into every built site: ``topics.json`` and ``objects.inv``.

``topics.json`` (schema: ``kbgen/schema/topics.schema.json``) lets other tools resolve topic
names to URLs: the ``[[Name]]`` Markdown extension, ``kbgen link``, the browse page.
``objects.inv`` is written by :mod:`kbgen.inventory`. Deterministic: the same topics give
the same bytes.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from dataclasses import asdict, dataclass

from markdown.extensions.toc import slugify as toc_slugify
from markdown.extensions.toc import unique

from kbgen.records import Topic
from kbgen.store import BodySection, fenced_lines, parse_body

FORMAT_VERSION = 2
"""Version of the ``topics.json`` layout; bumped on any incompatible change (2: ``url`` is
absolute when the site's address is known)."""

SCHEMA_FILE = "topics.schema.json"
"""The JSON Schema of ``topics.json``, published beside it at the site root."""

SUMMARY_LIMIT = 300
"""A summary longer than this is cut at a word boundary and ends with ``…``."""


def section_anchor(name: str) -> str:
    """The HTML id MkDocs' toc gives a section heading: ``Use When`` → ``use-when``."""
    return toc_slugify(name, "-")


def section_anchors(names: list[str]) -> list[str]:
    """The ids of a page's section headings, in order, made unique as toc does (``_1``…)."""
    taken: set[str] = set()
    return [unique(section_anchor(name), taken) for name in names]


def topic_url(slug: str) -> str:
    """A topic's URL relative to the site root."""
    return f"topics/{slug}/"


_INLINE = [
    (re.compile(r"<!--.*?-->", re.S), " "),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images → alt text
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links → text
    (re.compile(r"\[([^\]]*)\]\[[^\]]*\]"), r"\1"),  # reference links → text
    (re.compile(r"<(https?://[^>]+)>"), r"\1"),  # autolinks
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),  # HTML tags
    (re.compile(r"`+"), ""),
    (re.compile(r"\*+|(?<!\w)_+|_+(?!\w)|~~"), ""),  # emphasis, not snake_case
]
_MATH = re.compile(
    r"\$\$(.+?)\$\$|\\\((.+?)\\\)|\\\[(.+?)\\\]|(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?!\w)",
    re.S,
)
_TEX_GROUPS = [
    (re.compile(r"\\(?:[dt]?frac)\s*\{([^{}]*)\}\s*\{([^{}]*)\}"), r"\1/\2"),
    (re.compile(r"\\sqrt\s*\{([^{}]*)\}"), r"√\1"),
    (re.compile(r"\\[A-Za-z]+\s*\{([^{}]*)\}"), r"\1"),  # \text{..}, \mathbf{..}, …
    (re.compile(r"\{([^{}]*)\}"), r"\1"),
]
_TEX_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_TEX_SYMBOLS = {
    **{"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ"},
    **{"eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν"},
    **{"xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ"},
    **{"chi": "χ", "psi": "ψ", "omega": "ω", "varepsilon": "ε", "vartheta": "θ", "varphi": "φ"},
    **{"Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ"},
    **{"Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥"},
    **{"ne": "≠", "neq": "≠", "approx": "≈", "sim": "~", "cdot": "·", "times": "×"},
    **{"nabla": "∇", "partial": "∂", "infty": "∞", "sum": "Σ", "prod": "Π", "int": "∫"},
    **{"to": "→", "rightarrow": "→", "leftarrow": "←", "in": "∈", "top": "⊤", "pm": "±"},
    **{"propto": "∝", "ell": "ℓ", "ldots": "…", "dots": "…", "cdots": "⋯", "mid": "|"},
    **{"ll": "≪", "gg": "≫", "|": "‖", ",": " ", ";": " ", "!": "", "quad": " ", "qquad": " "},
}
"""LaTeX commands shown as a character; any other command shows as its name."""


def math_text(tex: str) -> str:
    """LaTeX math as readable text: ``\\pi_\\theta \\le \\tfrac{1}{2}`` → ``π_θ ≤ 1/2``."""
    previous = None
    while previous != tex:
        previous = tex
        for pattern, replacement in _TEX_GROUPS:
            tex = pattern.sub(replacement, tex)
    tex = _TEX_COMMAND.sub(lambda m: _TEX_SYMBOLS.get(m[1], m[1]), tex)
    return " ".join(tex.split())


def plain_text(markdown: str) -> str:
    """Inline Markdown as readable text: links to their text, markup gone, math as text."""
    maths: list[str] = []

    def stash(m: re.Match[str]) -> str:
        maths.append(math_text(next(g for g in m.groups() if g is not None)))
        return f"\0{len(maths) - 1}\0"

    text = _MATH.sub(stash, markdown)
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    text = re.sub(r"\0(\d+)\0", lambda m: maths[int(m[1])], text)
    return " ".join(text.split())


_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_QUOTE_MARK = re.compile(r"^\s*(?:>\s*)*")
_SENTENCE_END = re.compile(r"[.!?][)\"'”’]?\s+(?=[A-Z0-9(\"'“‘`*_\[])")
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|vs|cf|approx|al|Fig|Eq|No)|\b[A-Z])\.$")


def _prose_units(markdown: str) -> list[tuple[str, str]]:
    """Paragraphs (``p``) and list items (``li``) as plain text, in order.

    Code blocks, tables, headings and HTML comments are left out, each leaving a ``-``
    unit that separates what comes before it from what comes after.
    """
    lines = markdown.split("\n")
    units: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line, fenced in zip(lines, fenced_lines(lines), strict=True):
        stripped = line.strip()
        if fenced or stripped.startswith(("|", "#", "<!--")):
            units.append(("-", []))
            current = None
        elif not stripped:
            current = None
        elif item := _LIST_ITEM.match(line):
            current = [line[item.end() :]]
            units.append(("li", current))
        elif current is None:
            current = [_QUOTE_MARK.sub("", line, count=1)]
            units.append(("p", current))
        else:
            current.append(_QUOTE_MARK.sub("", line, count=1))
    return [(kind, plain_text("\n".join(text))) for kind, text in units]


def first_sentence(markdown: str) -> str:
    """The first sentence of a Markdown text's prose, as plain text, at most 300 characters.

    A paragraph ending in ``:`` right before a list is completed by the list's items
    (``Joint embeddings: text; images.``). A longer text is cut at a word and ends in ``…``.
    """
    units = [u for u in _prose_units(markdown) if u[0] == "-" or u[1]]
    start = next((i for i, u in enumerate(units) if u[0] != "-"), len(units))
    if start == len(units):
        return ""
    text = units[start][1]
    for end in _SENTENCE_END.finditer(text):
        if not _ABBREVIATION.search(text[: end.start() + 1]):
            text = text[: end.end()].rstrip()
            break
    else:
        if text.endswith(":"):
            items = []
            for kind, item in units[start + 1 :]:
                if kind != "li":
                    break
                items.append(item.rstrip(".;"))
            if items:
                text = f"{text} {'; '.join(items)}."
    if len(text) > SUMMARY_LIMIT:
        text = text[: SUMMARY_LIMIT - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


@dataclass(frozen=True)
class TopicRecord:
    """One topic as listed in ``topics.json``."""

    slug: str
    title: str
    aliases: list[str]
    tags: list[str]
    url: str
    """Relative to the site root: ``topics/<slug>/``."""
    summary: str
    """The first sentence of What, as plain text."""
    anchors: list[str]
    """HTML ids of the page's sections, in page order."""

    @property
    def names(self) -> list[str]:
        """The title followed by every alias."""
        return [self.title, *self.aliases]


def summary(sections: list[BodySection]) -> str:
    """The first sentence of What; of the first section with prose when What has none
    (only code or a table)."""
    ordered = sorted(sections, key=lambda s: s.name != "What")
    return next((found for s in ordered if (found := first_sentence(s.text))), "")


def topic_record(topic: Topic) -> TopicRecord:
    """The export record of one topic."""
    _, sections = parse_body(topic.body)
    return TopicRecord(
        slug=topic.slug,
        title=topic.title,
        aliases=list(topic.aliases),
        tags=list(topic.tags),
        url=topic_url(topic.slug),
        summary=summary(sections),
        anchors=section_anchors([s.name for s in sections]),
    )


def topic_records(topics: list[Topic]) -> list[TopicRecord]:
    """Export records of all topics, sorted by slug."""
    return [topic_record(t) for t in sorted(topics, key=lambda t: t.slug)]


def topics_json(
    topics: list[Topic],
    site_name: str,
    site_url: str = "",
    records: list[TopicRecord] | None = None,
) -> str:
    """The ``topics.json`` document; ``site_url`` (when known) is the absolute site root.

    With ``site_url``, every topic's ``url`` and the ``$schema`` are absolute; without it
    they are relative to the site root. ``records``, when the caller has them already, are
    :func:`topic_records` of ``topics``.
    """
    root = site_url if not site_url or site_url.endswith("/") else site_url + "/"
    data: dict[str, object] = {
        "$schema": root + SCHEMA_FILE,
        "version": FORMAT_VERSION,
        "site_name": site_name,
    }
    if root:
        data["site_url"] = root
    data["topics"] = [{**asdict(r), "url": root + r.url} for r in records or topic_records(topics)]
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def schema_json() -> bytes:
    """The JSON Schema of ``topics.json``, as shipped in the package."""
    return importlib.resources.files("kbgen").joinpath("schema", SCHEMA_FILE).read_bytes()

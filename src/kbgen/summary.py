"""A topic's summary: the first sentence of its What, as plain text.

Used by ``topics.json``, the home and A–Z pages and search. A sentence that ends in a
dangling ``:`` is completed by the list or code lines that follow it (or ends in a full
stop); a What with no prose (only code, a table or a bold label) is summed up by the
topic's title and the lines of its code or the rows of its table, and only a What with
neither by the first paragraph of another section.
"""

from __future__ import annotations

import functools
import re

from kbgen.store import BodySection, fenced_lines

SUMMARY_LIMIT = 300
"""A summary longer than this is cut at a word boundary and ends with ``…``."""


# No pattern scans past the next opener of its own kind, so every one runs in linear time
# (a lazy ``.*?`` or a ``[^]]*`` would scan to the end from each unclosed ``[`` or ``\(``).
_INLINE = [
    (re.compile(r"<!--.*?(?:-->|\Z)", re.S), " "),
    (re.compile(r"!\[([^\[\]]*)\]\([^()]*\)"), r"\1"),  # images → alt text
    (re.compile(r"\[([^\[\]]*)\]\([^()]*\)"), r"\1"),  # links → text
    (re.compile(r"\[([^\[\]]*)\]\[[^\[\]]*\]"), r"\1"),  # reference links → text
    (re.compile(r"<(https?://[^<>]+)>"), r"\1"),  # autolinks
    (re.compile(r"</?[A-Za-z][^<>]*>"), ""),  # HTML tags
    (re.compile(r"`+"), ""),
    (re.compile(r"\*+|(?<!\w)_+|_+(?!\w)|~~"), ""),  # emphasis, not snake_case
]
_MATH = re.compile(
    r"\$\$((?:(?!\$\$).)+?)\$\$|\\\(((?:(?!\\\().)+?)\\\)|\\\[((?:(?!\\\[).)+?)\\\]"
    r"|(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?!\w)",
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


_MARKUP = re.compile(r"[<\[`*_~$\\]")
"""A character one of the patterns above needs: text with none is plain already."""


def plain_text(markdown: str) -> str:
    """Inline Markdown as readable text: links to their text, markup gone, math as text."""
    if not _MARKUP.search(markdown):
        return " ".join(markdown.split())
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
# A paragraph that is only a bold label (``**Gradient Accumulation**``) names, not says.
_LABEL = re.compile(r"\*\*[^*]+\*\*:?")
_FENCE = re.compile(r"^\s*(?:`{3,}|~{3,})")
_SENTENCE_END = re.compile(r"[.!?][)\"'”’]?\s+(?=[A-Z0-9(\"'“‘`*_\[])")
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|vs|cf|approx|al|Fig|Eq|No)|\b[A-Z])\.$")


def _prose_units(markdown: str) -> list[tuple[str, str]]:
    """Paragraphs (``p``), list items (``li``), bold labels and code lines, as plain text.

    Tables, headings and HTML comments are left out, each leaving a ``-`` unit that
    separates what comes before it from what comes after; a fence leaves one too.
    """
    lines = markdown.split("\n")
    units: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line, fenced in zip(lines, fenced_lines(lines), strict=True):
        stripped = line.strip()
        if fenced and not _FENCE.match(line):
            if stripped:
                units.append(("code", [stripped]))
            current = None
        elif _LABEL.fullmatch(stripped) and not fenced:
            units.append(("label", [stripped]))
            current = None
        elif fenced or stripped.startswith(("|", "#", "<!--")):
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
    return [
        (kind, " ".join(text[0].split()) if kind == "code" else plain_text("\n".join(text)))
        for kind, text in units
    ]


def _joined(items: list[str]) -> str:
    """Items as one sentence: ``a; b.``."""
    return "; ".join(i.rstrip(".;:") for i in items) + "."


def _cut(text: str) -> str:
    if len(text) > SUMMARY_LIMIT:
        text = text[: SUMMARY_LIMIT - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def first_sentence(markdown: str) -> str:
    """The first sentence of a Markdown text's prose, as plain text, at most 300 characters.

    A sentence ending in ``:`` is completed by the list items, or else the code lines,
    right after it (``Joint embeddings: text; images.``); with neither, the colon becomes
    a full stop. A longer text is cut at a word and ends in ``…``.
    """
    units = [u for u in _prose_units(markdown) if u[0] == "-" or u[1]]
    # A bold label only when the text has no other prose.
    start = next((i for i, u in enumerate(units) if u[0] in ("p", "li")), None)
    if start is None:
        start = next((i for i, u in enumerate(units) if u[0] == "label"), len(units))
    if start == len(units):
        return ""
    text = units[start][1]
    for end in _SENTENCE_END.finditer(text):
        # Only the few characters before the stop can make an abbreviation: a search over
        # the whole prefix at each stop would take time quadratic in the text.
        if not _ABBREVIATION.search(text, max(0, end.start() - 12), end.start() + 1):
            text = text[: end.end()].rstrip()
            break
    else:
        if text.endswith(":"):
            after = units[start + 1 :]
            kind = next((k for k, _ in after if k != "-"), "")
            items = []
            for k, item in after:
                if k != kind and (k != "-" or items):
                    break
                if k == kind:
                    items.append(item)
            if kind in ("li", "code") and items:
                text = f"{text} {_joined(items)}"
            else:
                text = text[:-1].rstrip() + "."
    return _cut(text)


def code_summary(markdown: str, title: str) -> str:
    """For a text that is only code: the title, then the code's lines (``SGD: w = …; …``)."""
    lines = [t for kind, t in _prose_units(markdown) if kind == "code"]
    return _cut(f"{title}: {_joined(lines)}") if lines and title else ""


def table_summary(markdown: str, title: str) -> str:
    """For a text that is only a table: the title, then its rows' first cells."""
    rows = [
        [plain_text(c) for c in line.strip().strip("|").split("|")]
        for line in markdown.split("\n")
        if line.strip().startswith("|")
    ]
    body = [r for r in rows[1:] if r and not re.fullmatch(r"[\s:|-]*", "|".join(r))]
    labels = [r[0] for r in body if r[0]]
    return _cut(f"{title}: {_joined(labels)}") if labels and title else ""


def _has_prose(markdown: str) -> bool:
    return any(kind in ("p", "li") and text for kind, text in _prose_units(markdown))


def summary(sections: list[BodySection], title: str = "") -> str:
    """The first sentence of What. A What with no prose (only code, a table or a bold
    label) is summed up by ``title`` and its code lines or its table's rows; else by the
    first paragraph of another section, never by a list item of Use When or Pitfalls."""
    return _summary(tuple(sections), title)


@functools.lru_cache(maxsize=32768)
def _summary(sections: tuple[BodySection, ...], title: str) -> str:
    """:func:`summary`, kept: the page and the exports both sum up every topic."""
    ordered = sorted(sections, key=lambda s: s.name != "What")
    if not ordered:
        return ""
    what = ordered[0] if ordered[0].name == "What" else None
    units = _prose_units(what.text) if what else []
    if title and units and all(k != "p" for k, _ in units) and any(k == "li" for k, _ in units):
        # A What that is only a list (the parts a guide's section names): the title says
        # what the items are of.
        items = [t for k, t in units if k == "li" and t][:6]
        return _cut(f"{title}: {_joined(items)}")
    if what is None or _has_prose(what.text):
        found = next((found for s in ordered if (found := first_sentence(s.text))), "")
        if found:
            return found
    own = (code_summary(what.text, title) or table_summary(what.text, title)) if what else ""
    if own:
        return own
    paragraphs = (s for s in ordered if any(k == "p" for k, _ in _prose_units(s.text)))
    found = next((found for s in paragraphs if (found := first_sentence(s.text))), "")
    if found:
        return found
    found = next((found for s in ordered if (found := first_sentence(s.text))), "")
    return found or next((c for s in ordered if (c := code_summary(s.text, title))), "")

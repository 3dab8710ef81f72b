"""Reader for tagged one-line lists: ``Tag:`` header, a count line, ``- <Title><Description>``.

Title and description meet with no separator, so :func:`split_title` scores every plausible
boundary and keeps the best. Evidence for a boundary: the description restates a name of the
title (in any case or hyphenation, after an article, or as its acronym or expansion); it
opens like a sentence (an article, pronoun or numeral; an author and year; a possessive; a
capitalised word then lower-case words) and ends like one; the title ends on a whole word or
a closing parenthesis or question mark. Evidence against: a title ending on a joiner, open
parentheses, a cut through a word or a run of capitals, prose or a sentence end inside the
title, length. No title is listed anywhere: the rules hold for new lines of the format.
"""

from __future__ import annotations

import re
from itertools import accumulate

from kbgen.exceptions import Problem
from kbgen.records import Entry, Section, SourceRef
from kbgen.slugs import slugify

_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_COUNT = re.compile(r"^(\d+)\s+topic\(s\)\s*$")

MAX_TITLE = 160
"""Longest title considered, in characters: bounds the work per line (the real maximum is 67)."""

MIN_SCORE = 1.0
"""Below this no boundary is convincing, and the whole line is read as a title."""

_WORD = re.compile(r"[^\W_]+")
# Between two names inside a title: `A / B`, `A & B`, `A vs B`, `A and B`, `A: B`, `A, B`, `A — B`.
_SEPARATOR = re.compile(r"\s(?:/|&|vs\.?|and|[—–])\s|/|[,:;]\s")
_NAME_START = re.compile(rf"(?:{_SEPARATOR.pattern}|\()\s*")
_PARENS = re.compile(r"\s*\([^()]*\)")
_PAREN_TEXT = re.compile(r"\(([^()]*)\)")
_ARTICLE = re.compile(r"(?:A|An|The)\s+")
# The words a description opens with, as long as they follow each other closely (` `, `-`,
# `, `): a name is not interrupted by a clause or a parenthesis.
_RUN = re.compile(r"[^\W_]+(?:[^\w(]{1,2}[^\W_]+){0,7}")
# Capitalised words that open sentences but no title: articles, determiners, pronouns,
# conjunctions, prepositions and numerals. They count only when a word follows.
_OPENERS = frozenset(
    re.findall(
        r"\w+",
        """A An The This These That Those It Its Their They We In On At For From With By As Of
        When Where While Whereas If Although Because Since Unlike Instead Rather Given Here
        There Each Every Any All Many Most Some Several Both Such One Two Three Four Five""",
    )
)
_OPENER = re.compile(r"([A-Z][a-z]*)\s+[^\W\d_]")
# Small words a title may hold in lower case (`Best-of-N Sampling and its Scaling`).
_SMALL = frozenset(
    re.findall(
        r"\w+",
        "a an the of in on at for to from with and or vs via by as its is into over per et al",
    )
)
# `Chen et al. (2024)`, `Vincent (2011)`, `Song, Meng & Ermon (2020)`, `Peebles & Xie (2022)`.
_AUTHOR = re.compile(
    r"[A-Z][\w'’-]+(?:(?:,\s|\s&\s|\sand\s)[A-Z][\w'’-]+)*(?:\set\sal\.)?,?\s\(\d{4}"
)
_POSSESSIVE = re.compile(r"[A-Z][a-z][\w-]*['’]s\s\w")  # `LeCun's self-supervised template`
# A capitalised everyday word, then a lower-case word, perhaps after an acronym:
# `Store the`, `Grammar-constrained decoding`, `Modern LLM alignment`.
_SENTENCE = re.compile(r"[A-Z][a-z]+(?:-[a-z]+)*\s(?:[A-Z0-9][A-Z0-9-]+\s)?[a-z]")
_PLAIN_WORD = re.compile(r"[A-Z][a-z]{2,}(?:-[A-Za-z]+)*\b")
_SENTENCE_END_INSIDE = re.compile(r"[a-z]{3,}[.!?]\s+[A-Z]")
_GLUED_INSIDE = re.compile(r"[)?][^\W_]")  # `(Architecture)Le`: the title swallowed a boundary
_DIGIT = re.compile(r"\d")
_BAD_TITLE_END = frozenset("-‐‑‒–—/(&,:;'’“‘[{\\")
_FORMULA_START = "\\$"


def _runs(desc: str) -> dict[str, str]:
    """Normalised word runs the description opens with, also after a leading article, each
    with the character that follows it: ``Mixed-precision training`` gives ``mixed``,
    ``mixedprecision``, ``mixedprecisiontraining``…"""
    runs: dict[str, str] = {}
    starts = [0]
    if m := _ARTICLE.match(desc):
        starts.append(m.end())
    for start in starts:
        if m := _RUN.match(desc, start):
            words = _WORD.findall(m.group())
            ends = [w.end() for w in _WORD.finditer(m.group())]
            for run, end in zip(accumulate(w.lower() for w in words), ends, strict=True):
                runs.setdefault(run, desc[start + end : start + end + 1])
    return runs


def _names(title: str) -> list[list[str]]:
    """The names a title goes by, as lower-case word lists: each part between separators of
    the title without its parentheticals (`Key-Value (KV) Caching` → key value caching),
    and each part inside a parenthetical (`kv`)."""
    texts = _SEPARATOR.split(_PARENS.sub("", title))
    for inner in _PAREN_TEXT.findall(title):
        texts += _SEPARATOR.split(inner)
    return [words for text in texts if (words := [w.lower() for w in _WORD.findall(text)])]


def _restatement(title: str, desc: str) -> float:
    """How strongly the description opens by restating a name of the title: 4+ for a whole
    name, 2+ for its first words, more for longer matches; 0 for none."""
    # Cheap test first: a restatement opens with the initial of one of the title's names.
    initials = {title[0].lower()} | {
        title[m.end() : m.end() + 1].lower() for m in _NAME_START.finditer(title)
    }
    article = _ARTICLE.match(desc)
    if desc[0].lower() not in initials and not (
        article and desc[article.end() : article.end() + 1].lower() in initials
    ):
        return 0.0
    runs = _runs(desc)
    best = 0.0
    for words in _names(title):
        for k, acc in enumerate(accumulate(words), start=1):
            if len(acc) < 2 or acc not in runs:
                continue
            if k == len(words):
                best = max(best, 4 + min(len(acc), 24) / 6)
            elif runs[acc].isspace():
                # The first words of a name open a sentence (`AdamW is`, `Muon is`), not a
                # list (`GAN, BigGAN`).
                best = max(best, 2 + min(len(acc), 24) / 8)
    return best


def _acronym(title: str, desc: str) -> float:
    """3 if the description opens with the acronym of a title name (``NAS`` for Neural
    Architecture Search) or with the expansion of an acronym in the title (``Bootstrap Your
    Own Latent`` for BYOL), else 0."""
    if not desc[:1].isupper():
        return 0.0
    first = _WORD.match(desc)
    if first and len(first.group()) >= 2 and first.group().isupper():
        for text in _SEPARATOR.split(_PARENS.sub("", title)):
            if "".join(w[0] for w in _WORD.findall(text) if w[0].isupper()) == first.group():
                return 3.0
    initials = ""
    for word in _WORD.finditer(desc, 0, 80):
        if not word.group()[0].isupper():
            break
        initials += word.group()[0]
    if len(initials) >= 2:
        acronyms = {w for w in _WORD.findall(title) if w.isupper()}
        if any(initials[:n] in acronyms for n in range(2, len(initials) + 1)):
            return 3.0
    return 0.0


def _score(title: str, desc: str) -> float:
    """Evidence that ``title`` is a whole title and ``desc`` opens its description."""
    last, first = title[-1], desc[0]
    score = 0.0
    if last in _BAD_TITLE_END:
        score -= 10  # `Post-|Training`, `Train/|Validation`: a title does not end on a joiner
    balanced = title.count("(") == title.count(")") and title.count("[") == title.count("]")
    if not balanced:
        score -= 6  # the boundary falls inside parentheses: `(Fine|Web, Dolma)`
    restated = _restatement(title, desc)
    acronym = _acronym(title, desc)
    score += restated + acronym
    if not restated and not acronym:
        if first.islower():
            score -= 3  # a description opens in lower case only to restate (`xLSTM is`)
        if last.islower() and first.islower():
            score -= 4  # mid-word
    second = desc[1:2]
    if last.isupper() and first.isupper() and not (second.islower() or second.isspace()):
        if restated < 4:
            score -= 2  # inside a run of capitals (`W|GAN`), unless a whole name is restated
    elif first not in "AI" and first.isupper() and second.isspace():
        score -= 2  # no sentence opens with a one-letter word but `A` or `I`: `IP|O (Identity`
    if not first.isalnum() and first not in _FORMULA_START:
        score -= 3  # `++Autoregressive`; a formula (`\(`) may open a description
    opener = _OPENER.match(desc)
    if (opener and opener.group(1) in _OPENERS) or _AUTHOR.match(desc) or _POSSESSIVE.match(desc):
        score += 3  # `An epoch is`, `Chen et al. (2024)`, `LeCun's`
    elif _SENTENCE.match(desc):
        score += 2
    elif _PLAIN_WORD.match(desc):
        score += 1
    if last == ")" and balanced:
        score += 1
    elif last == "?":
        score += 2
    elif last == ".":
        score -= 1
    # A description is a sentence; the tail of a title alone (`Attention Kernels`) is not.
    if desc.rstrip(")\"'’”").endswith((".", "!", "?")):
        spaces = desc.count(" ")
        score += 2 if spaces >= 8 else 1 if spaces >= 3 else 0
    # Titles are mostly capitalised words: prose run into the title costs. A lower-case
    # qualifier in parentheses is usual: `Neural Architecture Search (modern approaches)`.
    prose = sum(
        1
        for w in _PARENS.sub("", title).split()
        if w.islower()
        and w[0].islower()
        and w.strip(".,:;()") not in _SMALL
        and not _DIGIT.search(w)
    )
    score -= 1.5 * prose
    if _SENTENCE_END_INSIDE.search(title):
        score -= 5  # a whole sentence inside the title
    if _GLUED_INSIDE.search(title):
        score -= 2
    return score - len(title) / 50


def _initials(text: str, start: int, stop: int) -> tuple[str, int]:
    """The first three letters or digits of ``text[start:stop]`` in lower case, and the
    index just past the last of them."""
    out = ""
    for end in range(start, min(stop, len(text))):
        if text[end].isalnum():
            out += text[end].lower()
            if len(out) == 3:
                return out, end + 1
    return out, stop


def _occurrences(text: str, chars: set[str]) -> list[int]:
    """Every index in ``text`` of any of ``chars``, in order."""
    found = []
    for char in chars:
        pos = text.find(char)
        while pos >= 0:
            found.append(pos)
            pos = text.find(char, pos + 1)
    return sorted(found)


def split_title(line: str) -> tuple[str, str]:
    """Split ``<Title><Description>`` (no separator) at the best-scoring boundary.

    Candidates lie between two non-space characters in the first ``MAX_TITLE`` characters.
    If none scores ``MIN_SCORE``, the whole line is the title and the description is empty.
    ``title + description == line.strip()`` always holds.
    """
    text = line.strip()
    head = text[:MAX_TITLE]
    # Where the title's names begin, with their initials: a description that does not open
    # a sentence must restate one of them.
    names = {
        s: _initials(head, s, len(head))
        for s in (0, *(m.end() for m in _NAME_START.finditer(head)))
    }
    firsts = {initials[:1] for initials, _ in names.values()}
    # Only a position that opens a sentence (a capital; a formula) or that restates a name
    # (`xLSTM|xLSTM is`) can win: visit those characters alone, found in C by str.find.
    chars = {c for c in set(head) if c.isupper() or c in _FORMULA_START or c.lower() in firsts}
    best, best_score = 0, MIN_SCORE
    for pos in _occurrences(head, chars):
        last, first, second = text[pos - 1 : pos], text[pos], text[pos + 1 : pos + 2]
        if not last or last.isspace() or last in _BAD_TITLE_END:
            continue  # descriptions are glued on; no title ends on a joiner (`Post-|Training`)
        # A capital opens a sentence, unless inside a run of capitals (`W|GAN`).
        opens = first.isupper() and not (last.isupper() and (second.isupper() or second.isdigit()))
        if not opens and first not in _FORMULA_START:
            opening, _ = _initials(text, pos, pos + 20)
            if not any(
                s < pos
                and initials[:1] == opening[:1]
                # a name begun just before `pos` is cut short by it
                and opening.startswith(initials if end <= pos else _initials(text, s, pos)[0])
                for s, (initials, end) in names.items()
            ):
                continue
        score = _score(text[:pos], text[pos:])
        if score > best_score:
            best, best_score = pos, score
    if not best:
        return text, ""
    return text[:best], text[best:]


class TaggedListReader:
    """Reads the tagged one-line list format."""

    name = "tagged-list"

    def detect(self, text: str) -> bool:
        """A ``Tag:`` header and ``- `` lines."""
        return text.lstrip().startswith("Tag:") and "\n- " in text

    def parse(self, text: str, file: str) -> tuple[list[Entry], list[Problem]]:
        """Read every ``- `` line; check the count line."""
        entries: list[Entry] = []
        problems: list[Problem] = []
        tag, count, count_line = "", None, 0
        tags: tuple[str, ...] = ()
        named: tuple[tuple[str, str], ...] = ()  # the same for every entry of the file
        for number, line in enumerate(text.split("\n"), start=1):
            bullet = _BULLET.match(line)
            if line.startswith("Tag:"):
                if tag:
                    problems.append(
                        Problem(file, number, "second `Tag:` header ignored", "warning")
                    )
                else:
                    tag = slugify(line[4:])
                    if tag:
                        tags, named = (tag,), ((tag, " ".join(line[4:].split())),)
            elif (m := _COUNT.match(line.strip())) and count is None:
                count, count_line = int(m.group(1)), number
            elif bullet:
                if not line.startswith("- "):
                    problems.append(
                        Problem(
                            file, number, "entry bullet is not `- `; read as an entry", "warning"
                        )
                    )
                entries.append(self._entry(bullet.group(1), file, number, tags, named, problems))
            elif line.strip():
                problems.append(
                    Problem(
                        file, number, "ignored: not a `- ` entry, `Tag:` or count line", "warning"
                    )
                )
        if count is not None and count != len(entries):
            problems.append(
                Problem(
                    file,
                    count_line,
                    f"count line says {count}, found {len(entries)} entries",
                    "warning",
                )
            )
        return entries, problems

    @staticmethod
    def _entry(
        text: str,
        file: str,
        number: int,
        tags: tuple[str, ...],
        named: tuple[tuple[str, str], ...],
        problems: list[Problem],
    ) -> Entry:
        """One entry from the text after its bullet; a missing part falls back with a warning."""
        title, description = split_title(text)
        if not title:
            problems.append(
                Problem(file, number, "empty entry: no title or description", "warning")
            )
            title = f"Untitled entry at line {number}"
        elif not description:
            message = "no description found: the whole line is the title"
            problems.append(Problem(file, number, message, "warning"))
        return Entry(
            title,
            SourceRef(file, number),
            (Section("What", description or title),),
            tags,
            named,
        )

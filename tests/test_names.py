"""Names are compared after Unicode NFC normalization everywhere names meet, and are one
line of at most 200 characters."""

from __future__ import annotations

import unicodedata

import pytest

from kbgen.links import Linker, LinkTarget
from kbgen.merge import name_key
from kbgen.names import parse_names
from kbgen.records import MAX_NAME_LENGTH
from kbgen.resolve import NameIndex, fold
from kbgen.sources import SourceFile, read_source

COMPOSED = unicodedata.normalize("NFC", "Café Method")
DECOMPOSED = unicodedata.normalize("NFD", "Café Method")


def test_the_two_spellings_differ_as_strings() -> None:
    assert COMPOSED != DECOMPOSED


def test_merge_and_resolver_keys_are_one_for_both_spellings() -> None:
    assert name_key(COMPOSED) == name_key(DECOMPOSED)
    assert fold(COMPOSED) == fold(DECOMPOSED)
    index = NameIndex([{"slug": "cafe", "title": DECOMPOSED, "url": "topics/cafe/"}])
    assert [r.slug for r in index.lookup(COMPOSED)] == ["cafe"]


def test_the_linker_links_either_spelling_to_either_name() -> None:
    for name, text in ((DECOMPOSED, COMPOSED), (COMPOSED, DECOMPOSED)):
        linked, slugs = Linker([LinkTarget(name, "cafe")]).link(
            f"Try the {text} now.", "other", lambda s: f"{s}.md"
        )
        assert slugs == ["cafe"]
        assert linked == f"Try the [{COMPOSED}](cafe.md) now."


def test_a_title_too_long_to_be_a_name_is_cut_at_a_word_with_a_warning() -> None:
    long = "Foo " + "word " * 100 + "end"
    text = f"Tag: x\n1 topic(s)\n- {long}\n"
    entries, problems = read_source(SourceFile("x.txt", text))
    (entry,) = entries
    assert len(entry.title) <= MAX_NAME_LENGTH
    assert entry.title.endswith("word…")
    assert any(str(p).startswith("x.txt:3: warning: title cut to 200") for p in problems)
    assert long in "\n".join(s.body for s in entry.sections)  # nothing of it is lost


@pytest.mark.parametrize(
    ("title", "acronym", "is_name"),
    [
        ("Masked Autoencoder (MAE)", "MAE", True),
        ("Self-Play Fine-Tuning (SPIN)", "SPIN", True),
        ("Rejection Sampling Fine-Tuning (RFT)", "RFT", True),
        ("Load Balancing (MoE)", "MoE", False),  # a context, another topic's name
        ("Radix / Prefix-Cache Attention (SGLang)", "SGLang", False),  # the system, a qualifier
    ],
)
def test_an_acronym_spelled_from_inside_its_words_is_a_name(
    title: str, acronym: str, is_name: bool
) -> None:
    assert (acronym in parse_names(title).expansions) is is_name

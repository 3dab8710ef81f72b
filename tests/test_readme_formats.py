"""The README's example of each source format is read by that format's reader, cleanly."""

from __future__ import annotations

import re

import pytest

from kbgen.sources import READERS, SourceFile, read_source
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"<!-- format: ([\w-]+), file: (\S+) -->\n```\w*\n(.*?)```", README, re.S)


def test_every_reader_has_an_example() -> None:
    assert sorted(name for name, _, _ in EXAMPLES) == sorted(r.name for r in READERS)


@pytest.mark.parametrize(("reader", "file", "text"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_the_example_reads_cleanly(reader: str, file: str, text: str) -> None:
    assert next(r.name for r in READERS if r.detect(text)) == reader
    entries, problems = read_source(SourceFile(file, text))
    assert problems == []
    assert entries and all(e.section("What") for e in entries)

"""The definition-list reader: terms, several names, several definitions, labels, headings."""

from __future__ import annotations

import pytest

from kbgen.sources import SourceFile, read_source
from kbgen.sources.deflist import DefinitionListReader
from tests.helpers import SOURCES

READER = DefinitionListReader()

TEXT = """\
# Database terms

Some words of introduction.

## Storage

Write-Ahead Log
WAL
: A log of changes, written before they are applied.
: Use when: you need durability across crashes.

: **Pitfalls**: it grows without checkpoints.

**B-Tree**
: A balanced tree index.

    ```sql
    CREATE INDEX i ON t (c);
    ```

  It keeps keys sorted.

### Hashing

Hash Index
: Maps keys to buckets.
: HOW — hash the key, then look in its bucket.
"""


def test_terms_definitions_labels_and_headings() -> None:
    assert READER.detect(TEXT)
    entries, problems = READER.parse(TEXT, "d.md")
    assert problems == []
    wal, btree, hash_index = entries
    assert (wal.title, wal.aliases, wal.ref.line) == ("Write-Ahead Log", ("WAL",), 7)
    assert [s.name for s in wal.sections] == ["What", "Use When", "Pitfalls"]
    assert wal.section("Pitfalls") == "it grows without checkpoints."
    assert btree.title == "B-Tree"
    assert btree.section("What") == (
        "A balanced tree index.\n\n```sql\nCREATE INDEX i ON t (c);\n```\n\nIt keeps keys sorted."
    )
    assert (wal.tags, wal.area) == (("storage",), "Storage")
    assert (hash_index.groups, hash_index.section("How")) == (
        ("Hashing",),
        "hash the key, then look in its bucket.",
    )


def test_several_unlabelled_definitions_make_up_what() -> None:
    [entry], _ = READER.parse("Join\n: Combines rows.\n: Of two tables.\n", "d.md")
    assert entry.section("What") == "Combines rows.\n\nOf two tables."


def test_a_colon_inside_code_is_no_definition() -> None:
    text = "Term\n: Def.\n\n```\nNot a term\n: not a definition\n```\n"
    entries, _ = READER.parse(text, "d.md")
    assert [e.title for e in entries] == ["Term"]


@pytest.mark.parametrize(
    "text",
    [
        "# Guide\n\n## One\n\nText.\n\n## Two\n\nText: more.\n",
        "Prose with a colon: here.\n",
        "",
    ],
)
def test_not_a_definition_list(text: str) -> None:
    assert not READER.detect(text)


def test_the_seeds_are_read_by_their_own_readers() -> None:
    for path in sorted(SOURCES.iterdir()):
        assert not READER.detect(path.read_text(encoding="utf-8")), path.name
    entries, _ = read_source(SourceFile("d.md", TEXT))
    assert len(entries) == 3

import pytest

from kbgen.sources.notes import NotesReader, split_names
from tests.helpers import SOURCES

NOTES = (SOURCES / "ai-ml-tldr-practitioner-notes.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("title", "names"),
    [
        ("LoRA / DoRA", ("LoRA", "DoRA")),
        (
            "RLHF / Constitutional AI / DPO/IPO/ORPO/KTO",
            ("RLHF", "Constitutional AI", "DPO", "IPO", "ORPO", "KTO"),
        ),
        ("Prefix-/Prompt-Tuning", ("Prefix-Tuning", "Prompt-Tuning")),
        ("Tree‑/Graph‑of‑Thought (ToT/GoT)", ("Tree-of-Thought", "Graph-of-Thought (ToT/GoT)")),
        ("Self‑Supervised Learning (contrastive/masked)", ()),
        ("Watermarking & Cryptographic Key‑Insertion", ()),
    ],
)
def test_split_names(title: str, names: tuple[str, ...]) -> None:
    assert split_names(title) == names


def test_real_notes_give_every_bullet_with_four_sections() -> None:
    reader = NotesReader()
    assert reader.detect(NOTES)
    entries, problems = reader.parse(NOTES, "notes.md")
    assert problems == []
    topics = [e for e in entries if not e.advice]
    advice = [e for e in entries if e.advice]
    assert len(entries) == NOTES.count("\n- ")
    assert len(advice) == 7 and all(e.area == "" for e in advice)
    core = ["What", "Use When", "How", "Pitfalls"]
    assert all([s.name for s in e.sections] == core for e in topics)
    lora = next(e for e in topics if e.title == "LoRA / DoRA")
    assert lora.ref.line == 19
    assert lora.tags == ("parameter-efficient-fine-tuning",)
    assert lora.area == "Parameter-Efficient Fine-Tuning (PEFT)"
    # The summary after the dash is kept, ahead of the [What] text.
    assert lora.section("What").startswith("Low‑rank updates on W matrices")
    assert "Factorized updates" in lora.section("What")


def test_unlabelled_bullet_in_a_topical_area_stays_a_topic() -> None:
    text = "## Area\n- Good — s\n  [What] w\n- Bare bullet\n\n## Checklist\n- Do things.\n"
    entries, problems = NotesReader().parse(text, "n.md")
    assert [(e.title, e.advice) for e in entries] == [
        ("Good", False),
        ("Bare bullet", False),
        ("Do things.", True),
    ]
    assert problems[0].line == 4 and problems[0].severity == "warning"


def test_notes_detect_rejects_other_formats() -> None:
    assert not NotesReader().detect((SOURCES / "glossary-advanced.txt").read_text())
    assert not NotesReader().detect((SOURCES / "modern-ml-techniques-2024-2025.md").read_text())

"""``kbgen.yml``: typed options, and problems that name the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbgen.config import TagInfo, load_config
from kbgen.exceptions import InputError
from tests.helpers import ROOT

AREAS = """\
sources_dir: sources
tags:
  inference-efficiency:
    name: Inference & Efficiency
    areas: [Quantization, Model Serving]
  parameter-efficient-fine-tuning:
    name: Parameter-Efficient Fine-Tuning (PEFT)
    areas:
      - Fine-Tuning Techniques
  advanced: Advanced
"""


def _load(tmp_path: Path, text: str):
    (tmp_path / "kbgen.yml").write_text(text, encoding="utf-8")
    return load_config(tmp_path)


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        _load(tmp_path, text)
    return [str(p).replace(f"{tmp_path}/", "") for p in caught.value.problems]


def test_tag_areas_are_read_as_a_tuple(tmp_path: Path) -> None:
    tags = _load(tmp_path, AREAS).tags
    assert tags["inference-efficiency"].areas == ("Quantization", "Model Serving")
    assert tags["parameter-efficient-fine-tuning"].areas == ("Fine-Tuning Techniques",)
    assert tags["advanced"] == TagInfo("advanced", "Advanced")


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        ("⚡ Model Quantization", ("inference-efficiency",)),  # a word of the heading
        ("Fine-Tuning Techniques", ("parameter-efficient-fine-tuning",)),
        ("fine tuning techniques", ("parameter-efficient-fine-tuning",)),  # case, hyphens
        ("Parameter-Efficient Fine-Tuning (PEFT)", ("parameter-efficient-fine-tuning",)),  # name
        ("Advanced", ("advanced",)),  # the slug
        ("Additional Advanced Techniques", ()),  # a name covers only itself
        ("Quantizations", ()),  # whole words only
        ("Large Language Models (LLMs)", ()),
        ("", ()),
    ],
)
def test_area_tags_match_headings_and_words(tmp_path: Path, area: str, expected: tuple) -> None:
    assert _load(tmp_path, AREAS).area_tags(area) == expected


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Optimization & Scheduler Techniques", ("training-optimization",)),
        ("Inference-Time Optimization", ("inference-efficiency",)),
        ("Prompt Engineering & Optimization", ("reasoning-alignment",)),
        ("Continual Learning / Lifelong Learning", ("training-optimization",)),
        # Parts that mix subjects stay unmapped: no word of them is an area.
        ("Additional Advanced Techniques", ()),
        ("Additional Niche & Specialized Techniques", ()),
        ("Large Language Models (LLMs)", ()),
    ],
)
def test_project_areas_map_groupings_not_mixed_parts(heading: str, expected: tuple) -> None:
    assert load_config(ROOT).area_tags(heading) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "tags:\n  a:\n    name: A\n    areas: Model Quantization\n",
            "kbgen.yml:4: `tags.a.areas` must be a list of area headings or words",
        ),
        (
            "tags:\n  a:\n    areas: [Quantization, 3, '']\n",
            "kbgen.yml:3: `tags.a.areas` must be a list of area headings or words",
        ),
        (
            "tags:\n  a: {name: A}\n  b:\n    name: B\n    area: [Quantization]\n",
            "kbgen.yml:5: `tags.b`: unknown key `area` (expected name, description, areas)",
        ),
        ("# folders\nsite_dir: [a]\n", "kbgen.yml:2: `site_dir` must be a folder name"),
        ("\n\nkeep_apart: [A, B]\n", "kbgen.yml:3: `keep_apart` must be a list of lists"),
        ("tags: [implementation]\n", "kbgen.yml:1: `tags` must map each tag to its name"),
    ],
)
def test_a_bad_option_is_an_error_naming_its_line(tmp_path: Path, text: str, expected: str) -> None:
    problems = _problems(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].startswith(expected), problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "tags: {advanced: [1, 2]}\n",
            "kbgen.yml:1: `tags.advanced` must be a name, or a mapping of name, description, "
            "areas (got list)",
        ),
        ("tags:\n  advanced: 7\n", "kbgen.yml:2: `tags.advanced` must be a name"),
        (
            "tags:\n  advanced:\n    name: [x]\n",
            "kbgen.yml:3: `tags.advanced.name` must be text (got list)",
        ),
        ("site_dir: 5\n", "kbgen.yml:1: `site_dir` must be a folder name"),
        ("topics_dir: [a, b]\n", "kbgen.yml:1: `topics_dir` must be a folder name"),
        ("topic_dir: x\n", "kbgen.yml:1: unknown key `topic_dir` (did you mean `topics_dir`?)"),
        ("merge: [A, B]\n", "kbgen.yml:1: `merge` must be a list of lists of two or more titles"),
        (
            "merge: [[Adam, Adam Optimizer]]\nkeep_apart: [[adam optimizer, Adam]]\n",
            "kbgen.yml:2: `adam optimizer` and `Adam` are kept apart, but `merge` puts them in "
            "one topic",
        ),
        (  # merge groups that share a title are one topic
            "merge: [[A, B], [B, C]]\nkeep_apart:\n  - [X, Y]\n  - [A, C]\n",
            "kbgen.yml:4: `A` and `C` are kept apart, but `merge` puts them in one topic",
        ),
    ],
)
def test_wrong_types_and_contradictions_are_errors_with_lines(
    tmp_path: Path, text: str, expected: str
) -> None:
    problems = _problems(tmp_path, text)
    assert any(p.startswith(expected) for p in problems), problems


def test_merging_and_keeping_apart_different_pairs_is_fine(tmp_path: Path) -> None:
    config = _load(tmp_path, "merge: [[Adam, Adam Optimizer]]\nkeep_apart: [[Adam, AdamW]]\n")
    assert config.keep_apart == (("Adam", "AdamW"),)

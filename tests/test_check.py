from pathlib import Path

from kbgen.check import did_you_mean, run_check
from tests.helpers import make_project

CONFIG = "tags:\n  implementation: {name: Implementation}\n  advanced: {name: Advanced}\n"


def write(config, slug: str, front: str, body: str = "## What\n\nText.\n") -> Path:
    path = config.topics_dir / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    return path


def messages(config) -> list[str]:
    return [str(p).replace(str(config.topics_dir) + "/", "") for p in run_check(config)[1]]


def test_clean_store_has_no_problems(tmp_path: Path) -> None:
    config = make_project(tmp_path, {}, CONFIG)
    write(config, "a", "title: A\ntags: [implementation]\nrelated: [b]\n")
    write(config, "b", "title: B\naliases: [Bee]\ntags: []\n", "## What\n\nSee [A](a.md).\n")
    assert run_check(config) == (2, [])


def test_unknown_tag_names_the_line_and_suggests(tmp_path: Path) -> None:
    config = make_project(tmp_path, {}, CONFIG)
    write(config, "a", "title: A\naliases: []\ntags: [implementaton]\n")
    assert messages(config) == [
        "a.md:4: unknown tag `implementaton` (did you mean `implementation`?)"
    ]


def test_duplicate_names_missing_what_and_unknown_references(tmp_path: Path) -> None:
    config = make_project(tmp_path, {}, CONFIG)
    write(config, "a", "title: A\naliases: [Shared]\n")
    write(
        config,
        "b",
        "title: B\naliases: [shared]\nrelated: [aa]\n",
        "## How\n\nSee [C](c.md).\n",
    )
    assert messages(config) == [
        "b.md:3: name `shared` is already used by a.md",
        "b.md:7: the topic has no `## What` section",
        "b.md:4: related topic `aa` does not exist (did you mean `a`?)",
        "b.md:9: link to unknown topic `c.md`",
    ]


def test_broken_yaml_is_reported_not_raised(tmp_path: Path) -> None:
    config = make_project(tmp_path, {}, CONFIG)
    write(config, "a", "title: [unclosed\n")
    assert messages(config)[0].startswith("a.md:2: invalid YAML front matter")


def test_did_you_mean_is_empty_for_far_words() -> None:
    assert did_you_mean("zzz", ["implementation"]) == ""

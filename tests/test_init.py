"""``kbgen init``: a new project builds as it is, and again once its examples are replaced by
glossaries of another field (databases; cooking), with nothing else edited."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

from kbgen.cli import main
from kbgen.config import load_config
from kbgen.init import init_project
from kbgen.sources import READERS, read_sources
from kbgen.store import load_topics
from tests.helpers import ROOT

FIELDS = Path(__file__).parent / "fixtures" / "fields"
# Words of the bundled ML knowledge base that no other field's site may show.
ML_WORDS = re.compile(r"machine learning|\bML\b|\bmodels?\b|\bLoRA\b|quantization|\bLLM", re.I)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def replace_sources(project: Path, field: str) -> None:
    shutil.rmtree(project / "sources")
    shutil.copytree(FIELDS / field, project / "sources")


def titles(project: Path) -> dict[str, object]:
    loaded, problems = load_topics(project / "topics")
    assert problems == []
    return {t.topic.title: t.topic for t in loaded}


def page_text(path: Path) -> str:
    """The visible text of a built page, roughly: tags and scripts dropped."""
    html = path.read_text(encoding="utf-8")
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_init_writes_a_project_that_builds(tmp_path: Path) -> None:
    project = tmp_path / "team-glossary"
    code, out, _ = run("init", str(project))
    assert code == 0
    expected = {
        ".github/workflows/pages.yml",
        ".gitignore",
        "docs/about.md",
        "kbgen.yml",
        "mkdocs.yml",
        "requirements.txt",
        "templates/overrides/404.html",
    }
    written = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    assert expected <= written
    assert all(name in out for name in expected)
    # A short example of every format kbgen reads, each read by its own reader.
    found = set()
    for path in sorted((project / "sources").iterdir()):
        text = path.read_text(encoding="utf-8")
        found.add(next(r.name for r in READERS if r.detect(text)))
    assert found == {r.name for r in READERS}
    assert run("build", "--project", str(project))[0] == 0
    home = page_text(project / "site" / "index.html")
    assert "Team Glossary" in home
    assert not ML_WORDS.search(home), ML_WORDS.search(home)
    about = page_text(project / "site" / "about" / "index.html")
    assert not ML_WORDS.search(about)


def test_a_folder_holding_a_project_is_refused_by_name(tmp_path: Path) -> None:
    init_project(tmp_path / "kb")
    before = (tmp_path / "kb" / "mkdocs.yml").read_bytes()
    code, _, err = run("init", str(tmp_path / "kb"))
    assert code == 1
    assert f"{tmp_path / 'kb' / 'kbgen.yml'}: this folder already holds a kbgen project" in err
    (tmp_path / "kb" / "kbgen.yml").unlink()
    code, _, err = run("init", str(tmp_path / "kb"))
    assert code == 1 and f"{tmp_path / 'kb' / 'mkdocs.yml'}:" in err
    assert (tmp_path / "kb" / "mkdocs.yml").read_bytes() == before


def test_init_overwrites_no_file_and_keeps_existing_sources(tmp_path: Path) -> None:
    (tmp_path / "a" / "docs").mkdir(parents=True)
    (tmp_path / "a" / "docs" / "about.md").write_text("mine\n")
    code, _, err = run("init", str(tmp_path / "a"))
    assert code == 1 and f"{tmp_path / 'a' / 'docs' / 'about.md'}: already exists" in err
    assert not (tmp_path / "a" / "kbgen.yml").exists(), "nothing written when one file clashes"
    assert (tmp_path / "a" / "docs" / "about.md").read_text() == "mine\n"
    (tmp_path / "b" / "sources").mkdir(parents=True)
    shutil.copy(FIELDS / "cooking" / "techniques.csv", tmp_path / "b" / "sources")
    code, out, _ = run("--project", str(tmp_path / "b"), "init")
    assert code == 0 and "kept them, added no examples" in out
    assert [p.name for p in (tmp_path / "b" / "sources").iterdir()] == ["techniques.csv"]


def test_site_name_and_description_are_quoted_for_yaml(tmp_path: Path) -> None:
    name = 'Ops: "Runbook" #1 & friends'
    init_project(tmp_path, name, "Line: with # and 'quotes'")
    data = yaml.load((tmp_path / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    assert (data["site_name"], data["site_description"]) == (name, "Line: with # and 'quotes'")
    assert run("build", "--project", str(tmp_path))[0] == 0
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<title>Ops: &#34;Runbook&#34; #1 &amp; friends" in html or f"<title>{name}" in html


def _untracked(repo: Path) -> set[str]:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line[3:] for line in status.splitlines()}


def _commit_all(repo: Path) -> None:
    git = ["git", "-c", "user.name=kb", "-c", "user.email=kb@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "new"], cwd=repo, check=True)


def test_gitignore_covers_every_generated_path(tmp_path: Path) -> None:
    """After ``kbgen build`` the only new files are the topic store, meant to be committed."""
    init_project(tmp_path)
    _commit_all(tmp_path)
    assert run("build", "--project", str(tmp_path))[0] == 0
    new = _untracked(tmp_path)
    assert new and all(p.startswith("topics/") for p in new), sorted(new)

    # The repository's own .gitignore ignores the same generated files.
    def patterns(path: Path) -> set[str]:
        return {line for line in path.read_text().splitlines() if line.startswith("/")}

    assert patterns(tmp_path / ".gitignore") <= patterns(ROOT / ".gitignore")


def test_the_workflow_build_step_builds_the_site_for_its_pages_address(tmp_path: Path) -> None:
    init_project(tmp_path)
    workflow = yaml.safe_load((tmp_path / ".github" / "workflows" / "pages.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert uses[-1] == "actions/upload-pages-artifact"
    assert steps[-1]["with"]["path"] == "site"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    install = next(s for s in steps if "requirements.txt" in s.get("run", ""))
    assert re.search(r"^kbgen==\d", (tmp_path / "requirements.txt").read_text(), re.M)
    assert install["run"].startswith("python -m pip install")
    build = next(s for s in steps if s.get("run", "").startswith("kbgen"))
    env = {
        k: v.replace("${{ steps.pages.outputs.base_url }}", "https://team.example.io/kb")
        for k, v in build["env"].items()
    }
    command = build["run"].split()
    script = Path(sys.executable).with_name("kbgen")
    prefix = [str(script)] if script.exists() else [sys.executable, "-m", "kbgen"]
    done = subprocess.run(
        prefix + command[1:],
        cwd=tmp_path,
        env={**_env(), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    sitemap = (tmp_path / "site" / "sitemap.xml").read_text()
    assert "https://team.example.io/kb/topics/" in sitemap


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "KBGEN_SITE_URL"}


@pytest.mark.slow
def test_a_databases_knowledge_base_from_init_to_site(tmp_path: Path) -> None:
    project = tmp_path / "db-handbook"
    start = time.perf_counter()
    assert run("init", str(project), "--name", "Database Handbook")[0] == 0
    replace_sources(project, "databases")
    code, out, err = run("build", "--project", str(project))
    seconds = time.perf_counter() - start
    assert code == 0, err
    print(f"kbgen init to a built site: {seconds:.1f} s")  # reported with -s
    assert "imported the sources, then built 13 topics" in out
    found = titles(project)
    # Topics, and the tagged list's title/description boundaries.
    assert sorted(found) == [
        "ACID Transactions",
        "B-Tree Index",
        "Connection Pool",
        "Foreign Key",
        "Index Scan",
        "Isolation Levels",
        "Join",
        "Normalization",
        "Primary Key",
        "Query Planner",
        "Replication",
        "Sharding",
        "Write-Ahead Log (WAL)",
    ]
    assert "A foreign key is a column" in found["Foreign Key"].body
    # Tags from a `Tag:` header, a notes area, a CSV column and a definition list's heading,
    # none listed in kbgen.yml.
    assert found["Primary Key"].tags == ["sql"]
    assert found["B-Tree Index"].tags == ["storage-engines"]
    assert found["Connection Pool"].tags == ["operations", "performance"]
    assert found["Index Scan"].tags == ["query-planning"]
    assert found["Query Planner"].aliases == ["Query Optimizer"]
    assert found["Sharding"].aliases == ["Horizontal Partitioning", "Partitioning"]
    site = project / "site"
    # Cross-links between formats: a list to a list, notes to notes, a table to notes,
    # a definition list to a list and to notes, a guide to a guide.
    links = {
        "foreign-key": ["primary-key"],
        "b-tree-index": ["write-ahead-log"],
        "replication": ["write-ahead-log"],
        "sharding": ["join"],
        "index-scan": ["b-tree-index"],
        "query-planner": ["join"],
        "isolation-levels": ["acid-transactions"],
    }
    for page, targets in links.items():
        html = (site / "topics" / page / "index.html").read_text(encoding="utf-8")
        for target in targets:
            assert f'href="../{target}/"' in html, (page, target)
    # Another name redirects to its topic.
    assert "../query-planner/" in (site / "topics" / "query-optimizer" / "index.html").read_text()
    tags_page = page_text(site / "tags" / "index.html")
    # Named as the sources write them; a lower-case name capitalised.
    for name in ("SQL", "Storage Engines", "Operations", "Query Planning", "Performance"):
        assert name in tags_page
    home = page_text(site / "index.html")
    assert "Database Handbook" in home
    assert re.search(r"filter all 13 topics", home)
    assert re.search(r"Operations\s+3", home), "the home page counts each tag's topics"
    assert not ML_WORDS.search(home), ML_WORDS.search(home)
    assert not (site / "topics" / "canary-release").exists(), "no example is left"


def test_examples_built_first_then_replaced_give_only_the_new_field(tmp_path: Path) -> None:
    init_project(tmp_path)
    assert run("build", "--project", str(tmp_path))[0] == 0
    assert "Canary Release" in titles(tmp_path)
    replace_sources(tmp_path, "cooking")
    code, out, err = run("build", "--project", str(tmp_path))
    assert code == 0, err
    assert out.startswith("imported the sources, then built 6 topics")
    found = titles(tmp_path)
    assert sorted(found) == ["Braising", "Brunoise", "Deglazing", "Julienne", "Mirepoix", "Roux"]
    assert found["Julienne"].tags == ["knife-skills"]
    assert found["Mirepoix"].aliases == ["Soffritto"]
    html = (tmp_path / "site" / "topics" / "brunoise" / "index.html").read_text()
    assert 'href="../julienne/"' in html
    html = (tmp_path / "site" / "topics" / "deglazing" / "index.html").read_text()
    assert 'href="../braising/"' in html
    assert not (tmp_path / "site" / "topics" / "canary-release").exists()
    # Unchanged sources: the next build imports nothing.
    out = run("build", "--project", str(tmp_path))[1]
    assert out.startswith("built 6 topics")


def test_a_tag_typo_in_a_topic_file_gets_a_did_you_mean(tmp_path: Path) -> None:
    init_project(tmp_path)
    replace_sources(tmp_path, "cooking")
    assert run("import", "--project", str(tmp_path))[0] == 0
    roux = tmp_path / "topics" / "roux.md"
    roux.write_text(roux.read_text().replace("tags: [pantry]", "tags: [pantri, sauces]"))
    code, _, err = run("check", "--project", str(tmp_path))
    assert code == 1
    assert f"{roux}:3: unknown tag `pantri` (did you mean `pantry`?)" in err
    assert "sauces" not in err, "a new tag far from any known one is accepted"
    # A tag configured in kbgen.yml counts as known too.
    roux.write_text(roux.read_text().replace("pantri", "testin"))
    err = run("check", "--project", str(tmp_path))[2]
    assert "unknown tag `testin` (did you mean `testing`?)" in err


def test_a_build_shows_every_warning_of_its_import(tmp_path: Path) -> None:
    init_project(tmp_path)
    replace_sources(tmp_path, "cooking")
    with (tmp_path / "sources" / "pantry.md").open("a") as f:
        f.write(
            "\nA stray paragraph.\n\nBeurre Manié\n: Use when: a sauce needs thickening late.\n"
        )
    code, _, err = run("build", "--project", str(tmp_path))
    assert code == 0
    assert "pantry.md:11: warning: ignored: not a term or definition" in err
    assert "pantry.md:13: warning: `Beurre Manié` has no definition" in err


def test_the_seed_sources_are_read_as_before(tmp_path: Path) -> None:
    """The new readers take no file from the bundled formats."""
    entries, problems = read_sources(ROOT / "sources")
    assert not [p for p in problems if p.severity == "error"]
    assert {e.ref.file for e in entries} == {p.name for p in (ROOT / "sources").iterdir()}
    assert load_config(ROOT).home, "the bundled knowledge base keeps its own home text"


@pytest.mark.slow
def test_the_init_benchmark_runs(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_init

    out = tmp_path / "init.json"
    assert bench_init.main(["--fields", "cooking", "--repeat", "1", "--json", str(out)]) in (0, 1)
    [row] = json.loads(out.read_text())
    assert (row["field"], row["topics"]) == ("cooking", 6)
    assert row["total_s"] >= row["build_s"] > 0


def test_a_tag_name_from_a_source_is_shown_as_written_only_if_plain(tmp_path: Path) -> None:
    init_project(tmp_path)
    shutil.rmtree(tmp_path / "sources")
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a.txt").write_text(
        "Tag: <IMG SRC=x onerror=alert(1)> & {{ config.site_name }}\n"
        "- Alpha MethodAlpha method is a thing.\n"
    )
    (tmp_path / "sources" / "b.txt").write_text("Tag: C++ / SQL (2024)\n- BetaBeta is b.\n")
    assert run("build", "--project", str(tmp_path))[0] == 0
    for page in (tmp_path / "site").rglob("*.html"):
        assert "<IMG" not in page.read_text(encoding="utf-8"), page
    assert "Img src x onerror alert 1 config site name" in page_text(
        tmp_path / "site" / "tags" / "index.html"
    )
    assert "C++ / SQL (2024)" in page_text(tmp_path / "site" / "index.html")


def _site_settings(mkdocs_yml: Path) -> dict:
    """``mkdocs.yml`` minus what names one project: its name, description and nav."""
    from mkdocs.utils.yaml import yaml_load

    settings = yaml_load(mkdocs_yml.read_text(encoding="utf-8").replace("__SITE_", "SITE_"))
    for key in ("site_name", "site_description", "nav"):
        settings.pop(key)
    return settings


def test_a_new_project_gets_the_bundled_sites_settings_and_theme(tmp_path: Path) -> None:
    """A project from ``kbgen init`` has every feature of the bundled site (math, previews,
    edit links, the 404 suggestions, the accessible theme overrides), not an older copy."""
    init_project(tmp_path / "kb", name="Databases", description="What we know of databases.")
    new = tmp_path / "kb"
    assert _site_settings(new / "mkdocs.yml") == _site_settings(ROOT / "mkdocs.yml")
    bundled = ROOT / "templates" / "overrides"
    ours = {p.relative_to(bundled): p.read_bytes() for p in bundled.rglob("*") if p.is_file()}
    theirs = new / "templates" / "overrides"
    assert {p: (theirs / p).read_bytes() for p in ours if (theirs / p).is_file()} == ours


def test_a_project_without_a_docs_folder_builds_and_gets_one(tmp_path: Path) -> None:
    project = tmp_path / "kb"
    assert run("init", str(project))[0] == 0
    shutil.rmtree(project / "docs")
    mkdocs = (project / "mkdocs.yml").read_text(encoding="utf-8")
    (project / "mkdocs.yml").write_text(mkdocs.replace("  - About: about.md\n", ""))
    code, _, err = run("build", "--project", str(project))
    assert code == 0, err
    assert (project / "docs").is_dir()
    assert (project / "site" / "index.html").is_file()

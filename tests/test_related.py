"""No dead ends: every topic page shows at least three other topics."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import hypothesis
import hypothesis.strategies as st

import kbgen.neighbours as neighbours
from kbgen.cli import main
from kbgen.config import load_config
from kbgen.records import Topic
from kbgen.related import MIN_RELATED, fill_related, similar_topics
from kbgen.render import build_pages
from kbgen.store import load_topics
from kbgen.templating import template_env
from tests.helpers import ROOT


def test_similar_topics_rank_by_shared_words() -> None:
    topics = [
        Topic("a", "Alpha", body="## What\n\ndenoise images with a noise schedule\n"),
        Topic("b", "Beta", body="## What\n\nagents learn from rewards\n"),
        Topic("c", "Gamma", body="## What\n\nnoise schedule for denoising images\n"),
    ]
    found = similar_topics(topics, 1)
    assert found["a"] == ["c"] and found["c"] == ["a"]


def test_fill_related_stops_at_three_and_skips_what_is_shown() -> None:
    assert fill_related({"x"}, ["self", "x", "y", "z", "w"], "self") == ["y", "z"]
    assert fill_related({"x", "y", "z"}, ["w"], "self") == []


def test_every_real_topic_page_shows_three_other_topics() -> None:
    config = load_config(ROOT)
    loaded, _ = load_topics(config.topics_dir)
    topics = [t.topic for t in loaded]
    pages = build_pages(topics, config.tags, template_env(ROOT / "templates"))
    short = []
    for slug, text in pages.items():
        # Links in the sanitized source text (``../slug/``) and in the lists (``slug.md``).
        links = re.findall(r"\]\(([a-z0-9-]+)\.md(?:#[^)]*)?\)", text)
        links += re.findall(r'<a href="\.\./([a-z0-9-]+)/(?:#[^"]*)?"', text)
        shown = set(links) - {slug}
        if len(shown) < MIN_RELATED:
            short.append(slug)
    assert short == []


def test_similar_topics_of_the_real_store_share_its_subject_tags() -> None:
    """Most of a topic's similar topics share one of its subject tags (the two generic tags
    aside): the terms the similarity is computed over carry the topic's subject."""
    config = load_config(ROOT)
    topics = [t.topic for t in load_topics(config.topics_dir)[0]]
    generic = {"Implementation", "Advanced"}
    by_slug = {t.slug: t for t in topics}
    shared = total = 0
    for slug, similar in similar_topics(topics).items():
        own = set(by_slug[slug].tags) - generic
        shared += sum(bool(own & set(by_slug[s].tags)) for s in similar)
        total += len(similar)
    assert total == MIN_RELATED * len(topics)
    assert shared / total >= 0.75, shared / total


BUILD_WITHOUT_IMPORT = """
import sys
from kbgen.cli import main
code = main(["--project", sys.argv[1], "build"])
heavy = sorted(m for m in ("sklearn", "sphobjinv", "numpy", "scipy") if m in sys.modules)
print(" ".join(heavy) or "none")
sys.exit(code)
"""


def test_a_build_of_a_store_imports_no_similarity_library(tmp_path) -> None:
    """Similar topics need no scikit-learn (half a second to import), nor NumPy and SciPy
    for a knowledge base this small: a build of an imported store never loads them."""
    project = tmp_path / "kb"
    assert main(["init", str(project)]) == 0
    assert main(["--project", str(project), "build"]) == 0  # imports the sources first
    for made in ("site", "docs/topics", ".kbgen-cache"):  # every page rendered again
        shutil.rmtree(project / made)
    done = subprocess.run(
        [sys.executable, "-c", BUILD_WITHOUT_IMPORT, str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "none"


def test_similar_topics_in_plain_python_are_those_of_the_sparse_matrices(monkeypatch) -> None:
    """Below PLAIN_STEPS the neighbours are sought in plain Python; above, with SciPy's
    sparse matrices: on the real store both give the same topics, in the same order."""
    config = load_config(ROOT)
    topics = [t.topic for t in load_topics(config.topics_dir)[0]]
    some = {t.slug for t in topics[::7]}
    plain = similar_topics(topics, 6), similar_topics(topics, 2, only=some)
    monkeypatch.setattr(neighbours, "PLAIN_STEPS", 0)
    assert (similar_topics(topics, 6), similar_topics(topics, 2, only=some)) == plain
    assert len(plain[0]) == len(topics) and len(plain[1]) == len(some)


@hypothesis.given(
    st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=6), min_size=1, max_size=12),
    st.integers(1, 4),
    st.booleans(),
)
def test_plain_and_matrix_neighbours_agree_on_any_texts(texts, k, unlike) -> None:
    scores = neighbours.TextScores.of_terms(texts)
    rows = list(range(len(texts)))
    among = rows[::-1][: max(1, len(rows) - 1)]
    plain = scores.nearest(rows, among, k, unlike=unlike)
    assert all(len(found) <= k and all(j != row for j, _ in found)
               for row, found in zip(rows, plain, strict=True))  # fmt: skip
    old, neighbours.PLAIN_STEPS = neighbours.PLAIN_STEPS, -1
    try:
        matrix = neighbours.TextScores.of_terms(texts).nearest(rows, among, k, unlike=unlike)
    finally:
        neighbours.PLAIN_STEPS = old
    for f, g in zip(plain, matrix, strict=True):
        assert [round(s, 9) for _, s in f] == [round(s, 9) for _, s in g]
        # The same texts, but where two tie at the last place (sums in another order).
        last = round(f[-1][1], 9) if f else 0
        assert {j for j, s in f if round(s, 9) > last} == {j for j, s in g if round(s, 9) > last}

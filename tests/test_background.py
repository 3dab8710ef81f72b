"""Work beside the build (:mod:`kbgen.background`): results, errors, a child that dies, and
the site's data files the same whether a second core made them or not."""

from __future__ import annotations

import os

import pytest

from kbgen import background, build
from kbgen.background import beside, cores
from kbgen.config import load_config
from kbgen.exceptions import BuildError
from kbgen.site_data import SEARCH_DIR
from kbgen.store import load_topics
from tests.helpers import ROOT

two_cores = pytest.mark.skipif(cores() < 2, reason="needs a second core to start a child")


@two_cores
def test_the_result_comes_from_a_child_process():
    parent = os.getpid()
    pending = beside(os.getpid)
    assert pending.process is not None
    assert pending.result() != parent


@two_cores
def test_the_child_s_exception_is_raised_in_the_parent():
    def fails():
        raise BuildError("topics/x.md:3: broken")

    with pytest.raises(BuildError, match=r"topics/x\.md:3: broken"):
        beside(fails).result()


@two_cores
def test_work_a_dead_child_leaves_is_done_in_the_parent():
    parent = os.getpid()

    def dies_in_the_child():
        if os.getpid() != parent:
            os._exit(3)
        return "done here"

    assert beside(dies_in_the_child).result() == "done here"


@two_cores
def test_cancel_stops_the_child():
    import time

    pending = beside(lambda: time.sleep(30))
    process = pending.process
    pending.cancel()
    assert not process.is_alive() and pending.process is None
    pending.cancel()  # twice is no error


def test_small_work_or_one_core_runs_in_the_process(monkeypatch):
    parent = os.getpid()
    assert beside(os.getpid, worth=False).result() == parent
    monkeypatch.setattr(background, "cores", lambda: 1)
    pending = beside(os.getpid)
    assert pending.process is None and pending.result() == parent


@two_cores
def test_the_bundled_site_s_files_are_the_same_made_beside_or_not(monkeypatch):
    """Every generated file of the bundled knowledge base, byte for byte."""
    config = load_config(ROOT)
    topics = [t.topic for t in load_topics(config.topics_dir)[0]]
    started = []
    real = build.beside

    def watched(work, worth=True):
        pending = real(work, worth)
        started.append(pending.process is not None)
        return pending

    monkeypatch.setattr(build, "beside", watched)
    apart = build.render_site(config, topics, "KB", "https://kb.example.org/")
    assert started == [True]
    monkeypatch.setattr(background, "cores", lambda: 1)
    together = build.render_site(config, topics, "KB", "https://kb.example.org/")
    assert started == [True, False]
    assert apart.keys() == together.keys()
    assert [p for p in apart if apart[p] != together[p]] == []
    assert any(p.startswith(SEARCH_DIR) for p in apart) and "objects.inv" in apart

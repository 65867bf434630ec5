"""Shared fixtures. Data from ../shared is read where it lies; without it those tests skip, and fail instead
when READNEXT_REQUIRE_SHARED=1 (CI), so a missing data set cannot pass as green."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from readnext.config import Config
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from readnext.process import configure_process

REPO = Path(__file__).resolve().parent.parent
configure_process()  # the test session is a ReadNext process like the others: set up as they are at their start


def shared_path(*parts: str) -> Path:
    """A file of ../shared, or a skip (a failure under READNEXT_REQUIRE_SHARED=1) when it is absent."""
    root = Path(os.environ.get("READNEXT_SHARED", REPO.parent / "shared"))
    path = root.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is missing: clone the project beside its shared/ data to run this test"
        if os.environ.get("READNEXT_REQUIRE_SHARED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def sample_records(limit: int | None = None) -> list[dict]:
    rows = []
    with open(shared_path("data", "arxiv-sample.jsonl"), encoding="utf-8") as handle:
        for line in handle:
            rows.append(json.loads(line))
            if limit and len(rows) >= limit:
                break
    return rows


def make_paper(pid: str, title: str, abstract: str = "", **extra) -> dict:
    return {"id": pid, "title": title, "abstract": abstract, **extra}


class CountingEmbedder(HashingEmbedder):
    """The fake embedder, counting the texts it embeds: for tests of what is embedded once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.texts = 0

    def embed(self, texts):
        self.texts += len(texts)
        return super().embed(texts)


@pytest.fixture
def config(tmp_path) -> Config:
    return Config.load(home=tmp_path / "home", port=8765)


@pytest.fixture
def engine(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    yield engine
    engine.close()


TOPICS = {
    "graph": "graph neural networks message passing node embedding graph convolution",
    "galaxy": "galaxy stellar mass dark matter halo redshift survey telescope",
    "protein": "protein folding amino acid structure prediction molecular biology",
}


def topic_papers(per_topic: int = 8) -> list[dict]:
    """Papers of three clearly separate topics, for tests whose truth must be obvious."""
    papers = []
    for topic, words in TOPICS.items():
        for i in range(per_topic):
            papers.append(make_paper(f"topic:{topic}{i}", f"{topic.title()} study {i}: {words.split()[i % 5]}",
                                     f"{words} {words.split()[i % 7]} variant {i}", authors=[f"Author {topic}{i % 3}"],
                                     categories=[f"cat.{topic}"]))
    return papers


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (READNEXT_NO_SKIPS=1) a skipped test is a failed one: nothing may pass by not running."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("READNEXT_NO_SKIPS") == "1":
        report.outcome = "failed"
        report.longrepr = f"skipped, which CI does not allow: {report.longrepr}"

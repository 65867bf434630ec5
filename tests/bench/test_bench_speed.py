"""`readnext bench speed`: its corpus builder and baseline on the test embedder, and the whole command (build,
measurement in a fresh process, load phase on a real server) on a small corpus with the real model."""
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import CountingEmbedder, sample_records, shared_path
from readnext.bench.beside_backfill import PAGE_PAPERS, measure_beside_backfill
from readnext.bench.speed import ExactIndex, build, user_history
from readnext.engine import ReadNext
from readnext.records.papers import paper_from_dict


def sample(limit):
    return [paper_from_dict(r) for r in sample_records(limit)]


def test_the_corpus_is_built_to_the_size_asked_once(engine):
    papers = sample(40)
    built = build(engine, papers, 500, log=lambda line: None)
    assert not built["reused"] and engine.corpus.count() == 500 and len(engine.index) == 500
    vectors = engine.index.vectors(list(range(1, 501)))
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert build(engine, papers, 500) == {"reused": True}


def test_the_exact_baseline_finds_the_true_nearest():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(300, 8)).astype(np.float32)
    labels = np.arange(10, 310)
    found, sims = ExactIndex(labels, matrix).search(matrix[:5], 3)
    truth = np.argsort(-(matrix[:5] @ matrix.T), axis=1)[:, :3] + 10
    assert np.array_equal(found, truth) and np.all(np.diff(sims, axis=1) <= 0)


def test_the_measured_user_has_new_event_ids_each_run():
    papers = sample(300)
    first, second = user_history(papers), user_history(papers)
    assert len(first) == 30 and {e["id"] for e in first}.isdisjoint(e["id"] for e in second)


def test_beside_a_backfill_pages_are_timed_while_it_embeds_and_the_corpus_is_left_as_it_was(config):
    embedder = CountingEmbedder(64)
    engine = ReadNext(config, embedder=embedder, learn_in_background=False)
    try:
        papers = sample(40)
        build(engine, papers, 500, log=lambda line: None)
        before, embedded_before = (engine.corpus.count(), len(engine.index)), embedder.texts
        beside = measure_beside_backfill(engine, papers, [f"bench:{i}" for i in range(40, 80)], backfill=300,
                                         pages=4)
        assert len(beside["score_ms"]) == 4 and len(beside["recommend_ms"]) == 40 and not beside["error"]
        assert embedder.texts - embedded_before == 4 * PAGE_PAPERS + beside["background_embedded"]
        assert (engine.corpus.count(), len(engine.index)) == before  # the phase's papers are gone again
    finally:
        engine.close()


@pytest.mark.model
@pytest.mark.slow
def test_the_whole_benchmark_on_a_small_corpus(tmp_path):
    lines = shared_path("data", "arxiv-sample.jsonl").read_text("utf-8").splitlines()[:300]
    (tmp_path / "sample.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    result = subprocess.run([sys.executable, "-m", "readnext.cli", "bench", "speed", "--papers", "3000",
                             "--sample", str(tmp_path / "sample.jsonl"), "--home", str(tmp_path / "home"),
                             "--clients", "2", "--load-seconds", "3", "--backfill-papers", "200"],
                            capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["papers"] == 3000 and figures["recommend_ms"]["n"] == 200
    assert figures["recall_at_10"] >= 0.9 and figures["ingest_ms"]["n"] == 30
    beside = figures["beside_backfill"]
    assert beside["score_ms"]["n"] == 20 and beside["recommend_ms"]["n"] == 200 and not beside["error"]
    assert 0 < beside["background_embedded"] <= 200
    load = figures["load"]
    assert load["requests"] > 0 and load["errors"] == 0, load["first_errors"]
    assert load["acknowledged_missing_from_log"] == 0 and load["server_exit_code"] == 0

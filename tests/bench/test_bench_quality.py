"""The quality benchmark: its metrics against hand-computed values, and a tiny synthetic benchmark run end to
end through the engine (hashing embedder), where the right answer is obvious."""
import json
import math

import numpy as np
import pytest

from conftest import TOPICS, topic_papers
from readnext.bench import metrics
from readnext.bench.data import load_benchmark
from readnext.bench.product import Product
from readnext.bench.quality import report, run_quality
from readnext.bench.variants import pick
from readnext.errors import ValidationError
from readnext.records.papers import paper_from_dict


def test_recall_counts_the_share_of_relevant_papers_in_the_top_k():
    ranking = ["a", "b", "c", "d"]
    relevant = {"b": 1, "d": 2, "z": 1}
    assert metrics.recall_at(ranking, relevant, 2) == pytest.approx(1 / 3)
    assert metrics.recall_at(ranking, relevant, 4) == pytest.approx(2 / 3)
    assert metrics.recall_at(ranking, {"a": 0}, 4) == 0.0  # grade 0 is not relevant


def test_ndcg_uses_graded_gain_and_the_ideal_order():
    ranking = ["a", "b", "c", "d"]
    relevant = {"b": 1, "d": 2}
    dcg = 1 / math.log2(3) + 3 / math.log2(5)
    ideal = 3 / math.log2(2) + 1 / math.log2(3)
    assert metrics.ndcg_at(ranking, relevant, 4) == pytest.approx(dcg / ideal)
    assert metrics.ndcg_at(["d", "b"], relevant, 4) == pytest.approx(1.0)
    assert metrics.ndcg_at(ranking, relevant, 1) == 0.0


def test_reciprocal_rank_intra_list_similarity_and_coverage():
    assert metrics.reciprocal_rank(["a", "b", "c"], {"c": 1}) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(["a"], {"c": 1}) == 0.0
    vectors = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32)
    assert metrics.intra_list_similarity(vectors) == pytest.approx(1 / 3)  # pairs: 1, 0, 0
    assert metrics.coverage([["a", "b"], ["b", "c"]], 10) == pytest.approx(0.3)


def write_benchmark(tmp_path):
    """Three topics of eight papers; each user reads two papers of one topic and must find the others."""
    corpus = tmp_path / "tiny" / "corpus.jsonl"
    corpus.parent.mkdir()
    papers = [{"id": p["id"].split(":")[1], "title": p["title"], "abstract": p["abstract"]} for p in topic_papers()]
    corpus.write_text("".join(json.dumps(p) + "\n" for p in papers))
    users = []
    for t, topic in enumerate(TOPICS):
        ids = [f"{topic}{i}" for i in range(8)]
        users.append({"user": f"u-{topic}", "history": ids[:2], "context": ids[2],
                      "relevant": {ids[3]: 1, ids[4]: 2}})
    users.append({"user": "u-cand", "history": ["graph0", "graph1"], "candidates": ["graph5", "galaxy5", "protein5"],
                  "relevant": {"graph5": 1}})
    path = tmp_path / "tiny" / "users.jsonl"
    path.write_text("".join(json.dumps(u) + "\n" for u in users))
    return corpus, path


def test_the_product_and_the_baselines_find_the_topic_that_was_read(tmp_path, engine):
    bench = load_benchmark(*write_benchmark(tmp_path))
    outcome = run_quality(bench, engine, pick(None), ["history", "context"], log=lambda _: None)
    rows = {(r["method"], r["setting"]): r for r in outcome["results"]}
    assert {m for m, _ in rows} == {"random", "tfidf-mean", "tfidf-svm", "minilm-mean", "readnext",
                                    "readnext-undiversified", "before", "dense-only"}
    for setting in ("history", "context"):
        assert rows[("readnext", setting)]["recall@10"] == 1.0
        assert rows[("readnext-undiversified", setting)]["recall@10"] == 1.0
        assert rows[("random", setting)]["recall@10"] < 1.0
        assert rows[("minilm-mean", setting)]["recall@10"] == 1.0
        assert 0.0 <= rows[("readnext", setting)]["ils@10"] <= 1.0
    predictions = outcome["predictions"]["readnext"]["context"]
    assert set(predictions["u-cand"]) == {"graph5", "galaxy5", "protein5"}  # exactly the candidates, scored
    assert predictions["u-cand"]["graph5"] == max(predictions["u-cand"].values())
    ranked = predictions["u-graph"]
    assert len(ranked) == 24 - 3 and not {"graph0", "graph1", "graph2"} & set(ranked)  # history and context out
    assert outcome["feedback"] and all(r["users"] >= 0 for r in outcome["feedback"])
    last = report(outcome).splitlines()[-1]
    assert json.loads(last)["results"][0]["method"] == "random"


def test_only_the_history_reaches_the_engine(tmp_path, engine):
    bench = load_benchmark(*write_benchmark(tmp_path))
    product = Product(engine, bench)
    product.load()
    user = bench.users[0]
    product.start(user)
    assert [e.paper_id for e in engine.history.events()] == [f"tiny:{h}" for h in user.history]
    ranking, _ = product.rank(user, use_context=True)
    assert user.context not in ranking and not set(user.history) & set(ranking)
    product.start(bench.users[1])  # the next user starts from an empty history
    assert [e.paper_id for e in engine.history.events()] == [f"tiny:{h}" for h in bench.users[1].history]


def test_a_home_holding_other_papers_is_refused(tmp_path, engine):
    engine.add_papers([paper_from_dict({"id": "other:1", "title": "something else"})])
    with pytest.raises(ValidationError, match="home"):
        Product(engine, load_benchmark(*write_benchmark(tmp_path))).load()


def test_unknown_papers_in_a_user_are_refused(tmp_path):
    corpus, users = write_benchmark(tmp_path)
    users.write_text(json.dumps({"user": "x", "history": ["nope"], "relevant": {"graph3": 1}}) + "\n")
    with pytest.raises(ValidationError, match="nope"):
        load_benchmark(corpus, users)

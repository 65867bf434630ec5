import math

import numpy as np
import pytest

from readnext.records.papers import paper_from_dict
from readnext.ranking.sparse import TermSimilarity


def add(engine, *texts):
    papers = [paper_from_dict({"id": f"t:{i}", "title": text}) for i, text in enumerate(texts)]
    return [label for label, _ in engine.add_papers(papers)]


def test_tfidf_cosine_matches_a_hand_computation(engine):
    a, b, c = add(engine, "graph graph kernel", "graph kernel learning", "stellar halo")
    sims = TermSimilarity(engine.corpus).similarities([a, c], [b])
    idf = {t: math.log(4 / (df + 1)) + 1 for t, df in {"graph": 2, "kernel": 2, "learning": 1}.items()}
    va = {"graph": (1 + math.log(2)) * idf["graph"], "kernel": idf["kernel"]}
    vb = {t: idf[t] for t in ("graph", "kernel", "learning")}
    expected = sum(va[t] * vb[t] for t in va) / math.sqrt(sum(v * v for v in va.values())) / math.sqrt(
        sum(v * v for v in vb.values()))
    assert sims.shape == (2, 1)
    assert sims[0, 0] == pytest.approx(expected, rel=1e-5)
    assert sims[1, 0] == 0.0  # no shared term


def test_a_query_text_is_one_more_column_and_identical_text_scores_one(engine):
    a, b = add(engine, "protein folding structure", "galaxy survey redshift")
    sims = TermSimilarity(engine.corpus).similarities([a, b], [a], query_text="galaxy redshift")
    assert sims.shape == (2, 2)
    assert sims[0, 0] == pytest.approx(1.0) and sims[1, 0] == 0.0
    assert sims[1, 1] > 0.5 and sims[0, 1] == 0.0


def test_frequencies_follow_the_corpus_as_it_grows(engine):
    a, b = add(engine, "graph kernel", "graph learning")
    terms = TermSimilarity(engine.corpus)
    before = terms.similarities([a], [b])[0, 0]
    engine.add_papers([paper_from_dict({"id": f"more:{i}", "title": f"kernel trick {i}"}) for i in range(5)])
    after = terms.similarities([a], [b])[0, 0]
    assert after > before  # "kernel" became common, so the shared rare "graph" weighs more
    assert np.isfinite(after)


def test_the_history_vector_gives_the_weighted_mean_of_the_cosines_to_each_history_paper(engine):
    a, b, c, d = add(engine, "graph kernel learning", "graph neural message passing", "stellar halo mass",
                     "kernel methods for stellar spectra")
    terms = TermSimilarity(engine.corpus)
    weights = np.array([0.5, 0.3, 0.2], np.float32)
    each = terms.similarities([d, a], [a, b, c])
    together = terms.cosines([d, a], [terms.history_vector(np.array([a, b, c]), weights)])[:, 0]
    assert together == pytest.approx(each @ weights, abs=1e-6)


def test_the_history_vector_follows_the_document_frequencies(engine):
    a, b = add(engine, "graph kernel", "graph learning")
    terms = TermSimilarity(engine.corpus)
    history = np.array([b])
    before = terms.history_vector(history, np.ones(1, np.float32))
    engine.add_papers([paper_from_dict({"id": f"more:{i}", "title": f"kernel trick {i}"}) for i in range(5)])
    terms.cosines([a], [before])  # the corpus grew by more than 1 %: the frequencies are read again
    after = terms.history_vector(history, np.ones(1, np.float32))
    assert after is not before
    assert terms.cosines([a], [after])[0, 0] == pytest.approx(terms.similarities([a], [b])[0, 0])


def test_a_paper_whose_text_changed_is_read_again(engine):
    a, b = add(engine, "graph kernel", "stellar halo")
    terms = TermSimilarity(engine.corpus)
    assert terms.similarities([a], [b])[0, 0] == 0.0
    engine.add_papers([paper_from_dict({"id": "t:1", "title": "stellar halo", "abstract": "graph kernel of halos"})])
    assert terms.similarities([a], [b])[0, 0] > 0.3

"""The learned ranker: the formula exactly without data, a planted preference learned, trained off the request
path, forgotten with the history, rebuilt from the log."""
import time

import numpy as np
import pytest

from conftest import TOPICS, make_paper, topic_papers
from readnext import views
from readnext.learned import features
from readnext.learned.choices import CHOSEN, PASSED
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from readnext.learned.learn import FORMAT, MIN_CHOICE_SETS, MODEL_FILE, Example, Model, fit
from readnext.ranking.rank import calibrate

HOUR = 3_600_000
T0 = 1_760_000_000_000
NEVER = 10**9


@pytest.fixture
def engine(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64), learn_in_background=False)
    yield engine
    engine.close()


def twins(pairs: int = 30) -> list[dict]:
    """Pairs of papers with the same text: one by Ada Lovelace, one by someone new each time. The texts of the
    pairs share a topic but few words, so their scores spread."""
    vocabulary = " ".join(TOPICS.values()).split()
    rng = np.random.default_rng(7)
    papers = []
    for k in range(pairs):
        abstract = " ".join(rng.choice(vocabulary, 8)) + f" graph case{k} study{k}"
        papers.append(make_paper(f"t:ada{k}", f"Study {k}", abstract, authors=["Ada Lovelace", f"Cy Co{k}"]))
        papers.append(make_paper(f"t:bob{k}", f"Study {k}", abstract, authors=[f"Bob Builder{k}"]))
    return papers


def aged_twins(pairs: int = 30) -> list[dict]:
    """twins() by the same authors, one of each pair new, the other twelve years older."""
    return [{**p, "id": p["id"].replace("t:ada", "t:new").replace("t:bob", "t:old"), "authors": ["Cy Co"],
             "date": "2025-09-01" if p["id"].startswith("t:ada") else "2013-09-01"} for p in twins(pairs)]


def browse_and_open_ada(engine, papers, pages: int = 6, per_page: int = 6,
                        opened=lambda paper: "Ada Lovelace" in paper["authors"]) -> list[dict]:
    """Reads two pairs, then sees pages of unseen pairs and opens only Ada's papers (or those `opened`
    says); returns the unseen rest."""
    engine.record([{"id": f"r{i}", "type": "view", "paper": p, "seconds": 120, "ts": T0 + i} for i, p in enumerate(papers[:4])])
    rest = papers[4:]
    for page in range(pages):
        shown, rest = rest[:per_page], rest[per_page:]
        ts = T0 + (page + 1) * 3 * HOUR
        engine.record([{"id": f"i{page}-{i}", "type": "impression", "paper": p, "url": f"https://arxiv.org/list/{page}",
                        "ts": ts + i} for i, p in enumerate(shown)]
                      + [{"id": f"v{page}-{i}", "type": "view", "paper_id": p["id"], "seconds": 60, "ts": ts + 60_000 + i}
                         for i, p in enumerate(shown) if opened(p)])
    return rest


def scores(engine, papers, min_sets) -> dict[str, float]:
    """The scores that order the papers (the learned ranker's where it ranks), on the displayed score's scale."""
    engine.learner.min_sets = min_sets
    _, items = engine.score_papers(papers)
    return {item.paper.id: float(calibrate(np.float32(item.raw))) for item in items}


def shown_scores(engine, papers, min_sets) -> dict[str, float]:
    engine.learner.min_sets = min_sets
    _, items = engine.score_papers(papers)
    return {item.paper.id: item.score for item in items}


def test_without_choices_the_ranking_is_the_formula_exactly(engine):
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 90, "ts": T0 + i}
                   for i, p in enumerate(topic_papers()[:3] + topic_papers()[8:10])])
    engine.record([{"id": f"s{i}", "type": "impression", "paper": p, "ts": T0 + HOUR} for i, p in enumerate(topic_papers())])
    assert engine.retrain_from_log()["choice_sets"] == 0  # shown, nothing opened: nothing to learn from
    assert engine.learner.model is None and not (engine.home / MODEL_FILE).exists()
    formula = engine.recommend({"query": "graph message passing"}, 12)
    # The learned path at the prior weights: not a paper moves, not a score changes.
    prior = features.prior(engine.ranking)
    engine.learner.model = Model(prior, prior, 5, 5, 0, np.full(len(prior), 5))
    engine.learner.min_sets = 1
    learned = engine.recommend({"query": "graph message passing"}, 12)
    assert [(i.paper.id, i.score) for i in learned.items] == [(i.paper.id, i.score) for i in formula.items]
    assert len(formula.items) == 12


def test_the_formula_is_the_prior_weighting_of_the_features(engine):
    """prior . features is rank.score's raw score, so the learned score starts where the formula is."""
    from readnext.ranking.rank import Context, score
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 90} for i, p in enumerate(topic_papers()[:4])])
    engine.record([{"id": "d", "type": "dismiss", "paper": topic_papers()[9]}])
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(topic_papers()[10:20])])
    profile = engine.profile()
    labels = np.array([engine.corpus.label_of(p["id"]) for p in topic_papers()[10:20]])
    vectors = engine.index.vectors(labels)
    context = Context(vector=vectors[0])
    scored = {s.label: s.raw for s in score(profile, context, labels, vectors, engine.ranking, engine.terms)}
    x = features.compute(profile, context, labels, vectors, engine.corpus.by_labels(labels.tolist()), engine.terms)
    assert x @ features.prior(engine.ranking) == pytest.approx([scored[int(l)] for l in labels], abs=1e-5)


def test_a_paper_without_a_date_is_neither_new_nor_old(engine):
    """A learned taste for new papers must not lift every undated one above them (the age feature of an
    unknown date is the middle of its range, not "today")."""
    from datetime import date
    from readnext.records.papers import paper_from_dict
    from readnext.ranking.rank import Context
    papers = {0: paper_from_dict({"id": "2301.00001", "title": "new", "date": "2023-01-05"}),
              1: paper_from_dict({"id": "0704.00001", "title": "old", "date": "2007-04-02"}),
              2: paper_from_dict({"id": "doi:10.1/undated", "title": "undated"})}
    labels = np.array([0, 1, 2])
    x = features.compute(engine.profile(), Context(), labels, np.zeros((3, 64), np.float32), papers,
                         today=date(2026, 11, 30))
    new, old, undated = x[:, features.INDEX["age"]]
    assert new == pytest.approx(3.9 / 10, abs=0.01) and old == 1.0  # ten years and more: the cap
    assert undated == 0.5


def test_a_planted_author_preference_is_learned(engine):
    rest = browse_and_open_ada(engine, twins())
    trained = engine.retrain_from_log()
    assert trained == {"choice_sets": 6, "chosen": 18, "active": 6 >= MIN_CHOICE_SETS}
    formula, learned = scores(engine, rest, NEVER), scores(engine, rest, 1)
    for ada, bob in zip(rest[::2], rest[1::2]):  # twins: the same text, only the authors differ
        assert learned[ada["id"]] - learned[bob["id"]] > formula[ada["id"]] - formula[bob["id"]] + 0.02
    top = sorted(learned, key=lambda pid: -learned[pid])[:len(rest) // 2]
    assert all(pid.startswith("t:ada") for pid in top)
    assert any("authors you have read" in line for line in views.profile_summary(engine)["learned"]["learned"])


def test_the_learned_ranker_reorders_but_the_score_shown_is_the_formulas(engine):
    """The score means the same in every call: learned weights (here, a taste for new papers) move the order,
    never the figure shown, which stays rank.calibrate of the formula's raw score."""
    rest = browse_and_open_ada(engine, aged_twins(), opened=lambda paper: paper["date"].startswith("2025"))
    assert engine.retrain_from_log()["active"]
    assert "You prefer recent papers" in views.profile_summary(engine)["learned"]["learned"]
    learned, formula = scores(engine, rest, 1), scores(engine, rest, NEVER)
    assert all(learned[new["id"]] > learned[old["id"]] for new, old in zip(rest[::2], rest[1::2]))  # it ranks
    assert shown_scores(engine, rest, 1) == shown_scores(engine, rest, NEVER) == formula
    engine.learner.min_sets = 1
    shown = engine.recommend(None, 10).items
    mine = [item for item in shown if item.paper.id in formula]
    assert mine and [i.score for i in mine] == pytest.approx([formula[i.paper.id] for i in mine], abs=1e-6)


def test_the_model_is_stored_versioned_rebuilt_from_the_log_and_forgotten(engine, config):
    browse_and_open_ada(engine, twins())
    engine.retrain_from_log()
    path = engine.home / MODEL_FILE
    stored = engine.learner.model
    assert path.exists() and f'"format": {FORMAT}' in path.read_text()
    path.unlink()
    again = ReadNext(config, embedder=HashingEmbedder(64), learn_in_background=False)
    try:
        assert again.learner.model is None
        again.retrain_from_log()  # what a repair does: the same model from the same log
        assert np.allclose(again.learner.model.weights, stored.weights)
    finally:
        again.close()
    engine.forget(None)
    assert not path.exists() and engine.learner.model is None
    assert views.profile_summary(engine)["learned"]["active"] is False


def test_forgetting_one_paper_drops_the_model_learnt_with_it(engine):
    browse_and_open_ada(engine, twins())
    engine.retrain_from_log()
    engine.forget("t:ada4")
    assert engine.learner.model is None and not (engine.home / MODEL_FILE).exists()
    assert engine.retrain_from_log()["choice_sets"] == 6


def test_removing_an_interest_drops_the_model_learnt_from_its_papers(engine):
    browse_and_open_ada(engine, twins())
    assert engine.retrain_from_log()["chosen"] == 18
    assert engine.remove_interest("t:ada4") == 40  # one interest holds every paper read: all of them go
    assert engine.learner.model is None and not (engine.home / MODEL_FILE).exists()
    assert views.profile_summary(engine)["learned"]["active"] is False
    assert engine.retrain_from_log()["choice_sets"] == 0  # nothing of the interest's papers is left to learn from


def test_training_runs_in_the_background_after_new_events(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    try:
        browse_and_open_ada(engine, twins())
        deadline = time.monotonic() + 120  # generous: the machine is slow and busy
        while engine.learner.model is None or engine.learner.model.choice_sets < 6:
            assert time.monotonic() < deadline, "the background trainer never produced the model"
            time.sleep(0.1)
        assert (engine.home / MODEL_FILE).exists()
    finally:
        engine.close()


def test_a_little_data_moves_the_weights_a_little():
    rng = np.random.default_rng(0)
    prior = features.prior()
    x = 0.3 * rng.random((10, len(prior)))  # cosine-like features: a page differs by tenths
    outcomes = np.array([CHOSEN] + [PASSED] * 9)
    assert np.array_equal(fit([], prior), prior)
    one = fit([Example(x, outcomes)], prior)
    many = fit([Example(x, outcomes)] * 50, prior)
    assert 0 < np.linalg.norm(one - prior) < 0.15 * np.linalg.norm(prior)  # one choice cannot go wild
    assert np.linalg.norm(many - prior) > 2 * np.linalg.norm(one - prior)  # fifty consistent ones move it further


def test_readnext_train_rebuilds_the_model_from_the_log(config, capsys):
    from readnext import cli
    engine = ReadNext(config, embedder=HashingEmbedder(64), learn_in_background=False)
    browse_and_open_ada(engine, twins())
    engine.close()
    factories = cli.Factories(engine=lambda _: ReadNext(config, embedder=HashingEmbedder(64)))
    assert cli.main(["train", "--home", str(config.home)], factories) == 0
    assert "learned from 6 lists with 18 papers opened: the model ranks your lists" in capsys.readouterr().out
    assert (config.home / MODEL_FILE).exists()


def test_below_the_threshold_the_formula_still_ranks_and_from_it_the_model(engine):
    assert engine.learner.min_sets == MIN_CHOICE_SETS  # the measured threshold (docs/benchmarks.md) ships
    engine.learner.min_sets = 3
    rest = browse_and_open_ada(engine, twins(), pages=2)
    assert engine.retrain_from_log() == {"choice_sets": 2, "chosen": 6, "active": False}
    below = scores(engine, rest, 3)
    assert below == scores(engine, rest, NEVER) != scores(engine, rest, 1)
    engine.record([{"id": f"last-{i}", "type": "impression", "paper": p, "url": "https://arxiv.org/list/last",
                    "ts": T0 + 30 * HOUR + i} for i, p in enumerate(rest[:6])]
                  + [{"id": "last-open", "type": "view", "paper_id": rest[0]["id"], "seconds": 60,
                      "ts": T0 + 30 * HOUR + 60_000}])
    assert engine.retrain_from_log()["choice_sets"] == 3 and engine.learner.active
    assert scores(engine, rest[6:], 3) == scores(engine, rest[6:], 1) != scores(engine, rest[6:], NEVER)


def test_a_feature_with_no_spread_in_a_list_teaches_nothing_from_it():
    """A /new page: every paper days old, the newest opened each time. The age barely varies in the list, so
    it cannot be why one paper was opened over another: its weight stays the formula's, exactly."""
    rng = np.random.default_rng(1)
    prior = features.prior()
    age = features.INDEX["age"]
    lists = []
    for _ in range(20):
        x = 0.3 * rng.random((10, len(prior)))
        x[:, age] = np.sort(rng.random(10)) * 3 / 3652  # 0 to 3 days of a ten-year range, the newest first
        lists.append(Example(x, np.array([CHOSEN] + [PASSED] * 9)))
    weights = fit(lists, prior)
    assert weights[age] == prior[age]
    assert not np.allclose(np.delete(weights, age), np.delete(prior, age))  # the features that vary still teach


def test_the_profile_claims_only_what_enough_lists_with_spread_support(engine):
    prior = features.prior(engine.ranking)
    moved = prior.copy()
    moved[features.INDEX["age"]] = -0.1  # "You prefer recent papers"
    moved[features.INDEX["authors_own"]] = 0.2
    engine.learner.min_sets = 3
    spread = np.full(len(prior), 3)
    engine.learner.model = Model(moved, prior, 2, 2, 0, spread)
    assert views.learned_summary(engine.learner)["learned"] == []  # two lists: below the threshold, no claim
    spread[features.INDEX["age"]] = 1  # the age varied in one of the three lists only
    engine.learner.model = Model(moved, prior, 3, 3, 0, spread)
    assert views.learned_summary(engine.learner)["learned"] == [
        "You open papers that share authors with yours more than topic alone predicts"]

"""The planted-preference browsing simulation: its researchers, how they open papers, the scoring by choice
sets, and the threshold rule, on hand-made records and the hashing embedder."""
import pytest

from conftest import TOPICS
from readnext.bench.browsing import gains_by_sets, summary
from readnext.bench.planted import Planted, planted_benchmark, threshold
from readnext.bench.product import Product
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from readnext.errors import ValidationError


def records(old: int = 12, new: int = 12, other: int = 12) -> list[dict]:
    """Galaxy papers of 2007 and of 2023 (the area), and graph papers; real field names of the arXiv sample."""
    words = TOPICS["galaxy"].split()
    out = [{"id": f"0704.{i:04d}", "title": f"Galaxy survey {i}", "abstract": f"{TOPICS['galaxy']} {words[i % 8]} {i}",
            "authors_list": [f"Old Author{i}"], "primary_category": "astro-ph", "date": "2007-04-02T00:00:00"}
           for i in range(old)]
    out += [{"id": f"2301.{i:05d}", "title": f"Galaxy survey {i} revisited", "abstract": f"{TOPICS['galaxy']} {words[i % 8]} {i}",
             "authors_list": [f"New Author{i}"], "primary_category": "astro-ph.GA", "date": "2023-01-05T00:00:00"}
            for i in range(new)]
    out += [{"id": f"cs/07{i:05d}", "title": f"Graph {i}", "abstract": f"{TOPICS['graph']} {i}", "authors_list": [],
             "primary_category": "cs.LG", "date": "2007-05-01T00:00:00"} for i in range(other)]
    return out


def test_researchers_read_older_papers_of_the_area_and_want_the_new_ones():
    bench = planted_benchmark(records(), users=6, history=3)
    new = {r["id"] for r in records() if r["date"] >= "2020"}
    assert len(bench.users) == 6 and all(len(u.history) == 3 for u in bench.users)
    for user in bench.users:
        assert all(pid.startswith("0704.") for pid in user.history)
        assert set(user.relevant) == new
    assert bench.users[0].history != bench.users[1].history or bench.users[0].history != bench.users[2].history
    assert planted_benchmark(records(), users=6, history=3).users[4].history == bench.users[4].history  # seeded
    paper = next(p for p in bench.papers if p["id"] == "2301.00001")
    assert paper["authors"] == ["New Author1"] and paper["date"].startswith("2023") and paper["area"] == "astro-ph"
    with pytest.raises(ValidationError, match="too few"):
        planted_benchmark(records(new=3), users=2, history=3)


def outcome(per_key: dict) -> dict:
    """A browsing outcome with one setting: {key: [(sets, formula recall, learned recall), ...]}."""
    results = {}
    for key, users in per_key.items():
        for method, column in (("formula", 1), ("learned", 2)):
            results[("history", method, key)] = [{"recall@20": u[column], "ndcg@10": u[column], "sets": u[0]}
                                                  for u in users]
    return {"results": results}


def test_gains_are_paired_per_user_and_grouped_by_choice_sets():
    rows = gains_by_sets(outcome({0: [(0, 0.5, 0.5)], 1: [(1, 0.2, 0.3), (0, 0.4, 0.4)],
                                  3: [(1, 0.1, 0.0), (2, 0.5, 0.7)]}))
    by_sets = {r["sets"]: r for r in rows}
    assert set(by_sets) == {0, 1, 2}  # page 0 is left out; a user with no choice after a page counts at 0
    assert by_sets[1]["users"] == 2 and by_sets[1]["recall@20"][0] == pytest.approx(0.0)
    assert by_sets[1]["recall@20"][1] == pytest.approx(0.1)  # differences +0.1 and -0.1: sd 0.141 / sqrt 2
    assert by_sets[2]["recall@20"] == (pytest.approx(0.2), float("inf"))


def planted_rows(gains: dict) -> list[dict]:
    rows = []
    for sets, gain in gains.items():
        rows.append({"setting": "history", "at": sets, "method": "formula", "recall@20": 0.3, "ndcg@10": 0.2})
        rows.append({"setting": "history", "at": sets, "method": "learned", "recall@20": 0.3 + gain, "ndcg@10": 0.2 + gain})
    return rows


def test_the_threshold_is_the_first_measured_number_past_the_last_failure():
    citeseer = [{"setting": "history", "sets": 1, "users": 50, "recall@20": (-0.01, 0.01), "ndcg@10": (0.0, 0.01)},
                {"setting": "history", "sets": 2, "users": 20, "recall@20": (-0.05, 0.02), "ndcg@10": (0.0, 0.01)}]
    value, lines = threshold(planted_rows({0: 0.0, 1: -0.02, 2: 0.01, 4: 0.05, 8: 0.1}), citeseer)
    assert value == 4  # 1 fails here, 2 on CiteSeer (-2.5 standard errors); 4 and 8 pass
    assert [line.split(" | ")[-1] for line in lines[2:]] == ["no |", "no |", "yes |", "yes |"]
    assert threshold(planted_rows({1: 0.01, 2: 0.0}), citeseer[:1])[0] == 1  # -1 standard error is noise
    assert threshold(planted_rows({1: 0.05, 2: -0.01}), [])[0] is None  # the last measured fails: never
    shared_loss = [{"setting": "context", "sets": 2, "users": 5, "recall@20": (-0.01, 0.0), "ndcg@10": (0.0, 0.0)}]
    assert threshold(planted_rows({1: 0.01, 2: 0.01, 3: 0.01}), shared_loss)[0] == 3  # every user lost: no noise


def test_a_tiny_sample_is_browsed_and_scored_by_choice_sets(config, monkeypatch):
    bench = planted_benchmark(records(), users=2, history=3)
    engine = ReadNext(config, embedder=HashingEmbedder(64), learn_in_background=False)
    try:
        product = Product(engine, bench)
        product.load()
        assert engine.corpus.get("arxivsample:2301.00001").authors == ["New Author1"]
        simulation = Planted(bench, product)
        monkeypatch.setattr(simulation, "pages", 6)
        monkeypatch.setattr(simulation, "page_size", 5)
        monkeypatch.setattr(simulation, "checkpoints", (0, 1, 2, 3))
        assert simulation.opens(bench.users[0], "2301.00002") == 0.8 and simulation.opens(bench.users[0], "0704.0005") == 0.1
        assert simulation.opens(bench.users[0], "cs/0700001") == 0.02
        result = simulation.run(bench.users, ("history",), log=lambda line: None)
    finally:
        engine.close()
    rows = summary(result)
    assert {r["at"] for r in rows} <= {0, 1, 2, 3} and {r["method"] for r in rows} == {"formula", "learned", "svm"}
    assert all(r["sets"] == r["at"] for r in rows)  # scored when the model had that many choice sets
    first = {r["method"]: r for r in rows if r["at"] == 0}
    assert first["learned"]["recall@20"] == first["formula"]["recall@20"]


def test_two_halves_browsed_in_one_run_each_reach_the_engine(config):
    """`--browse both` runs the halves one after the other on one engine: the second half's pages must not be
    taken for replays of the first half's (the log drops an event whose id it has seen, forgotten or not)."""
    bench = planted_benchmark(records(), users=2, history=3)
    engine = ReadNext(config, embedder=HashingEmbedder(64), learn_in_background=False)
    try:
        product = Product(engine, bench)
        product.load()

        def browse(simulation, users):
            simulation.pages, simulation.page_size, simulation.checkpoints = 4, 5, (0, 1, 2)
            outcome = simulation.run(users, ("history",), log=lambda line: None)
            return [(r["at"], r["method"], r["users"], r["recall@20"]) for r in summary(outcome) if r["method"] != "svm"]
        simulation = Planted(bench, product)
        browse(simulation, bench.users[:1])
        second = browse(simulation, bench.users[1:])
        alone = browse(Planted(bench, Product(engine, bench)), bench.users[1:])
    finally:
        engine.close()
    assert second == alone and max(at for at, *_ in alone) > 0


def test_without_the_sample_the_simulation_is_skipped_with_a_message(tmp_path):
    from readnext.bench.command import browse_planted
    lines = []
    assert browse_planted(tmp_path / "absent.jsonl", tmp_path / "home", None, ("tune",), None, lines.append) == {}
    assert lines == [f"{tmp_path / 'absent.jsonl'} not found: the planted-preference simulation is skipped "
                     "(--sample names the arXiv sample)"]
    assert not (tmp_path / "home").exists()



def test_every_event_of_a_long_session_is_accepted(config, monkeypatch):
    """The engine refuses events more than a day ahead of its clock: a simulation that put its pages into the
    future lost every event past the eighth page (3 hours apart), and its users stopped gaining choice sets."""
    bench = planted_benchmark(records(old=30, new=30, other=30), users=1, history=3)
    engine = ReadNext(config, embedder=HashingEmbedder(64), learn_in_background=False)
    answers = []
    record = engine.record
    monkeypatch.setattr(engine, "record", lambda events: answers.append(record(events)) or answers[-1])
    try:
        product = Product(engine, bench)
        product.load()
        simulation = Planted(bench, product)
        monkeypatch.setattr(simulation, "pages", 12)
        monkeypatch.setattr(simulation, "page_size", 5)
        monkeypatch.setattr(simulation, "checkpoints", (0, 99))  # never all reached: every page is browsed
        simulation.run(bench.users, ("history",), log=lambda line: None)
    finally:
        engine.close()
    assert len(answers) == 13  # the history, then twelve pages
    assert [a["rejected"] for a in answers if a["rejected"]] == []

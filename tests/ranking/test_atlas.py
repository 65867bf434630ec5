import numpy as np

from conftest import topic_papers
from readnext.ranking.atlas import project


def test_projection_keeps_the_two_widest_directions_and_is_deterministic():
    rng = np.random.default_rng(0)
    spread = rng.normal(size=(30, 2)) * [5.0, 2.0]
    vectors = np.hstack([spread, 0.01 * rng.normal(size=(30, 6))])
    points = project(vectors)
    assert points.shape == (30, 2) and np.abs(points).max() <= 1.0 + 1e-6
    # the first axis follows the widest spread of the vectors
    assert abs(np.corrcoef(points[:, 0], spread[:, 0])[0, 1]) > 0.99
    assert np.array_equal(points, project(vectors.copy()))
    assert project(vectors[:1]).tolist() == [[0.0, 0.0]]


def test_the_map_draws_the_history_and_the_recommendations_coloured_by_interest(engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 90}
                   for i, p in enumerate(papers[:3] + papers[16:19])])
    answer = engine.reading_map()
    history = [p for p in answer["points"] if p["kind"] == "history"]
    recommended = [p for p in answer["points"] if p["kind"] == "recommended"]
    assert {p["id"] for p in history} == {p["id"] for p in papers[:3] + papers[16:19]}
    assert recommended and not {p["id"] for p in recommended} & {p["id"] for p in history}
    assert len(answer["interests"]) == 2
    by_topic = {}
    for point in answer["points"]:
        by_topic.setdefault(point["title"].split()[0], set()).add(point["interest"])
    # each read topic is one colour; protein papers nobody read take whichever interest is nearest
    assert len(by_topic["Graph"]) == 1 and len(by_topic["Protein"]) == 1 and by_topic["Graph"] != by_topic["Protein"]
    graph = np.array([[p["x"], p["y"]] for p in history if p["title"].startswith("Graph")])
    protein = np.array([[p["x"], p["y"]] for p in history if p["title"].startswith("Protein")])
    # the two topics lie apart: each topic's spread is smaller than the distance between them
    gap = np.linalg.norm(graph.mean(0) - protein.mean(0))
    assert gap > np.linalg.norm(graph - graph.mean(0), axis=1).max()


def test_an_empty_history_draws_an_empty_map(engine):
    assert engine.reading_map() == {"interests": [], "points": []}

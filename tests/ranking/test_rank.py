import numpy as np

from conftest import make_paper, topic_papers


def view(i, paper, seconds=90):
    return {"id": f"v{i}", "type": "view", "paper": paper, "seconds": seconds}


def test_recommends_the_topic_that_was_read(engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    engine.record([view(i, p) for i, p in enumerate(papers[:3])])  # graph papers
    result = engine.recommend(None, 5)
    assert result.mode == "personal"
    assert [item.paper.title.split()[0] for item in result.items[:3]] == ["Graph"] * 3
    assert all(0.0 <= item.score <= 1.0 for item in result.items)


def test_read_saved_dismissed_and_hidden_papers_are_never_recommended(engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    engine.record([view(0, papers[0]), {"id": "s", "type": "save", "paper_id": papers[1]["id"]},
                   {"id": "d", "type": "dismiss", "paper_id": papers[2]["id"]},
                   {"id": "h", "type": "hide", "paper_id": papers[3]["id"]}])
    shown = {item.paper.id for item in engine.recommend(None, 20).items}
    assert len(shown) == 20 and not shown & {p["id"] for p in papers[:4]}  # the other 20 papers, all of them


def test_dismissal_pushes_similar_papers_down(engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    engine.record([view(0, papers[0]), view(1, papers[8])])  # one graph and one galaxy paper
    before = {i.paper.id: i.score for i in engine.recommend(None, 20).items}
    engine.record([{"id": "d", "type": "dismiss", "paper_id": papers[9]["id"]}])  # not interested in galaxies
    after = {i.paper.id: i.score for i in engine.recommend(None, 20).items}
    galaxy = [p["id"] for p in papers[10:16] if p["id"] in before and p["id"] in after]
    assert galaxy and all(after[g] < before[g] for g in galaxy)


def test_list_is_diversified(engine):
    near_copies = [make_paper(f"t:copy{i}", "graph neural networks message passing",
                              "graph neural networks message passing node embedding") for i in range(6)]
    other = [make_paper("t:other", "graph convolution for molecules", "graph convolution protein molecular")]
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(near_copies + other)])
    engine.record([view(0, topic_papers()[0])])
    top = [i.paper.id for i in engine.recommend(None, 3).items]
    assert "t:other" in top  # not three near-copies


def test_cold_start_uses_context_and_says_so(engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    result = engine.recommend({"query": "protein folding structure"}, 3)
    assert result.mode == "context" and "No reading history" in result.note
    assert len(result.items) == 3 and all(item.paper.title.startswith("Protein") for item in result.items)
    empty = engine.recommend(None, 3)
    assert empty.mode == "empty" and empty.items == []


def test_scores_are_comparable_across_calls(engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    engine.record([view(0, papers[0])])
    first = {i.paper.id: i.score for i in engine.recommend(None, 5).items}
    second = {i.paper.id: i.score for i in engine.recommend(None, 10).items}
    assert len(first) == 5 and all(abs(first[k] - second[k]) < 1e-9 for k in first)


def test_a_context_whose_neighbours_were_all_read_still_brings_unread_papers():
    from readnext.vectors.index import VectorIndex
    from readnext.ranking.profile import Profile
    from readnext.ranking.rank import Context, candidate_labels
    rng = np.random.default_rng(5)

    def cloud(centre):  # 300 papers around a centre, nearest first
        rows = centre + 0.05 * rng.normal(size=(300, 16))
        rows = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
        return rows[np.argsort(-(rows @ centre))]
    here, elsewhere = np.eye(16)[0], np.eye(16)[1]
    index = VectorIndex(16, "test")
    index.add(np.arange(1, 301), cloud(here))  # the context's neighbourhood
    index.add(np.arange(301, 601), cloud(elsewhere))  # the history's
    read = set(range(1, 101)) | {301}  # the 100 papers nearest the context, and the history paper
    history = index.vectors([301])
    profile = Profile(labels=np.array([301]), weights=np.ones(1, np.float32), vectors=history, interests=[],
                      negative_labels=np.zeros(0, np.int64), negative_vectors=np.zeros((0, 16), np.float32),
                      negative_weights=np.zeros(0, np.float32), states={label: "read" for label in read}, papers={})
    found = set(candidate_labels(profile, Context(vector=index.vectors([1])[0]), index, k=10).tolist())
    assert not read & found
    assert len(found & set(range(101, 301))) >= 50  # unread papers near the context, past the read ones

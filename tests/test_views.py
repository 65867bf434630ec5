"""The answers' JSON shapes that the API tests do not pin: what a caller without the token learns, and the
learned ranker's summary before there is a model."""
from conftest import topic_papers
from readnext import views


def test_the_public_status_holds_counts_only(engine):
    engine.record([{"id": "v", "type": "view", "paper": topic_papers()[0], "seconds": 60}])
    assert views.public_status(engine) == {"name": "readnext", "version": views.__version__, "corpus": 1,
                                           "history": 1}
    full = views.status(engine)
    assert full["home"] == str(engine.home) and full["index"] == 1 and full["model"] == engine.model


def test_without_a_model_the_summary_says_the_formula_ranks(engine):
    learned = views.learned_summary(engine.learner)
    assert learned["active"] is False and learned["learned"] == [] and "fixed formula" in learned["note"]


def test_a_list_s_scores_are_rounded_and_its_papers_whole(engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    engine.record([{"id": f"v{i}", "type": "view", "paper_id": p["id"], "seconds": 60} for i, p in enumerate(papers[:3])])
    answer = views.recommendations(engine.recommend({"query": "galaxy"}, 3))
    assert answer["mode"] == "personal" and len(answer["items"]) == 3
    assert all(item["score"] == round(item["score"], 4) and item["paper"]["title"] for item in answer["items"])
    mode, items = engine.score_papers(papers[:2])
    assert [i["paper_id"] for i in views.scores(mode, items)["items"]] == [p["id"] for p in papers[:2]]


def test_a_librarys_entries_are_in_the_library_not_read_and_taken_back_choices_are_not_listed(engine):
    from library_files import LIBRARY_BIB
    from readnext.ingest.importer import import_library_text
    papers = topic_papers()
    import_library_text(engine, LIBRARY_BIB, "bibtex")
    engine.record([{"id": "me", "type": "authored", "paper": papers[0]}, {"id": "me-back", "type": "unauthored",
                   "paper_id": papers[0]["id"]},
                   {"id": "no", "type": "dismiss", "paper": papers[1]}, {"id": "no-back", "type": "undismiss",
                   "paper_id": papers[1]["id"]},
                   {"id": "v", "type": "view", "paper_id": "1706.03762", "seconds": 40}])
    items = {i["paper"]["id"]: i for i in views.history_items(engine)["items"]}
    assert sorted(items) == ["1706.03762", "bib:knuth1984texbook", "doi:10.1038/nature14539"]
    knuth = items["bib:knuth1984texbook"]
    assert knuth["library"] and knuth["events"] == {} and knuth["seconds"] == 0 and knuth["state"] == "read"
    assert items["1706.03762"]["events"] == {"view": 1} and items["1706.03762"]["seconds"] == 40

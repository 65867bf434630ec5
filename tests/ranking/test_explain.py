import numpy as np

from conftest import topic_papers
from readnext.ranking.reasons import CardFacts, HistoryPaper, ShownReason, violations


def test_because_you_read_names_the_nearest_history_paper(engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    history = [papers[0], papers[9], papers[17]]  # one paper of each topic
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 90} for i, p in enumerate(history)])
    history_labels = [engine.corpus.label_of(p["id"]) for p in history]
    history_vectors = engine.index.vectors(history_labels)
    items = engine.recommend(None, 10).items
    assert items
    for item in items:
        reason = next(r for r in item.reasons if r["kind"] == "history")
        vector = engine.index.vectors([engine.corpus.label_of(item.paper.id)])[0]
        sims = history_vectors @ vector
        nearest = history[int(np.argmax(sims))]["id"]
        assert reason["paper_id"] == nearest
        assert abs(reason["similarity"] - float(sims.max())) < 1e-3
        assert nearest in reason["text"] or engine.paper(nearest).title in reason["text"]


def test_reasons_are_specific(engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 90} for i, p in enumerate(papers[:4])])
    engine.record([{"id": f"w{i}", "type": "view", "paper": p, "seconds": 90} for i, p in enumerate(papers[16:20])])
    item = engine.recommend(None, 1).items[0]
    kinds = [r["kind"] for r in item.reasons]
    assert kinds[0] == "history"
    terms = next(r for r in item.reasons if r["kind"] == "terms")["terms"]
    nearest = engine.paper(item.reasons[0]["paper_id"])
    assert all(t in item.paper.text().lower() and t in nearest.text().lower() for t in terms)
    assert "interest" in kinds and "category" in kinds  # two interests; 4 read papers in this category
    interest = next(r for r in item.reasons if r["kind"] == "interest")
    assert interest["label"] in engine.recommend(None, 1).interests


def test_a_search_context_is_named_as_such(engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    item = engine.recommend({"query": "protein folding"}, 1).items[0]
    context = next(r for r in item.reasons if r["kind"] == "context")
    assert context["text"].startswith("Close to your search “protein folding”")


def test_the_reason_says_what_the_history_paper_is_to_the_user(engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    engine.record([{"id": "mine", "type": "authored", "paper": papers[0]},
                   {"id": "kept", "type": "save", "paper": papers[9]},
                   {"id": "read", "type": "view", "paper": papers[17], "seconds": 90}])
    texts = {}
    for item in engine.recommend(None, 20).items:
        for reason in item.reasons:
            if reason["kind"] == "history":
                texts[reason["paper_id"]] = (reason["state"], reason["text"])
    assert texts[papers[0]["id"]][0] == "own"
    assert texts[papers[0]["id"]][1].startswith(f"Close to your paper “{papers[0]['title']}”")
    assert texts[papers[9]["id"]][1].startswith(f"Because you saved “{papers[9]['title']}”")
    assert texts[papers[17]["id"]][1].startswith(f"Because you read “{papers[17]['title']}”")


def shown_reasons(item) -> list[ShownReason]:
    return [ShownReason(r["kind"], r["text"], r) for r in item.reasons]


def card_facts(engine, item, page_id: str | None = None, query: str | None = None) -> CardFacts:
    """The facts of a card, recomputed from the engine's vectors and texts, as the session benchmark does."""
    profile = engine.profile()
    label = engine.corpus.label_of(item.paper.id)
    vector = engine.index.vectors([label])[0]
    positive = [int(l) for l in profile.labels]
    words, _ = engine.terms.words([label, *positive])
    history = [HistoryPaper(profile.papers[l].id, profile.papers[l].title, profile.states[l],
                            float(engine.index.vectors([l])[0] @ vector), frozenset(words[l]),
                            tuple(profile.papers[l].authors),
                            (profile.papers[l].categories or [None])[0]) for l in positive]
    centroids = [i.centroid for i in profile.interests]
    nearest = profile.interests[int(np.argmax(np.stack(centroids) @ vector))].label if centroids else None
    page = engine.index.vectors([engine.corpus.label_of(page_id)])[0] if page_id else None
    page = engine.indexer.embed([query])[0] if query else page
    return CardFacts(page_paper_id=page_id, context_similarity=None if page is None else float(page @ vector),
                     history=history, nearest_interest=nearest,
                     interests=len(profile.interests), words=frozenset(words[label]),
                     authors=tuple(item.paper.authors), category=(item.paper.categories or [None])[0],
                     age_days=None, dismissed_similarity=0.0)


def test_the_page_being_read_is_never_the_reason_for_its_own_cards(engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    page = papers[1]  # a card clicked: the page it leaves counts as read, and this page is read too
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 90}
                   for i, p in enumerate([papers[0], page, papers[17]])])
    items = engine.recommend({"paper_id": page["id"]}, 10).items
    assert items
    others = [papers[0]["id"], papers[17]["id"]]  # the history but the page
    history = [engine.corpus.label_of(i) for i in others]
    for item in items:
        assert violations(shown_reasons(item), card_facts(engine, item, page["id"])) == []
        named = [r for r in item.reasons if r["kind"] == "history"]
        assert all(r["paper_id"] != page["id"] for r in named)
        vector = engine.index.vectors([engine.corpus.label_of(item.paper.id)])[0]
        sims = engine.index.vectors(history) @ vector
        if named:  # the nearest history paper other than the page, with its own similarity
            assert named[0]["paper_id"] == others[int(np.argmax(sims))]
            assert abs(named[0]["similarity"] - float(sims.max())) < 1e-3

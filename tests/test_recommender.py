"""recommender.py: the lists' notes and the reasons of every card, against reasons.py's definitions."""
from conftest import topic_papers
from readnext.ranking import reasons
from readnext.recommender import ORDER_NOTE
from test_explain import card_facts, shown_reasons


def test_the_variety_note_needs_two_interests(engine):
    """Ordering for variety spreads a list over the user's interests: with fewer than two it says nothing (the
    issue: the note with no interest at all). The lists below are reordered by diversification all the same."""
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    without_history = engine.recommend({"query": "protein folding graph"}, 10)
    assert without_history.interests == [] and ORDER_NOTE not in without_history.note
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 90} for i, p in enumerate(papers[:3])])
    one = engine.recommend({"paper_id": papers[12]["id"]}, 10)
    assert len(one.interests) == 1 and ORDER_NOTE not in one.note
    for listed in (without_history, one):
        assert reasons.note_violations(listed.note, "", len(listed.interests), None) == []
    engine.record([{"id": f"w{i}", "type": "view", "paper": p, "seconds": 90} for i, p in enumerate(papers[16:19])])
    two = engine.recommend(None, 10)
    assert len(two.interests) >= 2
    assert (ORDER_NOTE in two.note) == any(a.raw < b.raw for a, b in zip(two.items, two.items[1:]))


def test_every_card_says_why_it_is_there(engine):
    """When no reason's definition holds, the card still gets a true one (the issue: with no history, 2 of 10
    cards had none); every reason shown passes reasons.py's definitions."""
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    query = "graph neural networks and the folding of proteins"
    first = engine.recommend({"query": query}, 10)
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 90} for i, p in enumerate(papers[:5])])
    page = papers[20]
    second = engine.recommend({"paper_id": page["id"]}, 10)
    for listed, facts in ((first, lambda item: card_facts(engine, item, query=query)),
                          (second, lambda item: card_facts(engine, item, page["id"]))):
        assert len(listed.items) == 10
        for item in listed.items:
            assert item.reasons and reasons.violations(shown_reasons(item), facts(item)) == []

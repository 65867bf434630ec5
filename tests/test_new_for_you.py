"""New for you: the followed categories' unseen papers, best first with reasons, marked seen as shown."""
import time
from datetime import date, timedelta

from conftest import make_paper, topic_papers
from readnext.new_for_you import NewForYou
from readnext.records.papers import paper_from_dict

TODAY = date.today().isoformat()


def _new_papers(engine, count: int, day: str = TODAY, category: str = "cs.LG") -> list[dict]:
    """Fresh papers, half on the reader's topic (graphs) and half on another (galaxies)."""
    papers = [make_paper(f"2612.{i:05d}", f"{'Graph' if i % 2 else 'Galaxy'} paper {i}",
                         ("graph neural networks message passing node embedding" if i % 2 else
                          "galaxy stellar mass dark matter halo redshift") + f" variant {i}",
                         date=day, categories=[category]) for i in range(count)]
    engine.add_papers([paper_from_dict(paper) for paper in papers])
    return papers


def _reads_graphs(engine) -> None:
    graphs = [p for p in topic_papers() if "graph" in p["id"]]
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 90} for i, p in enumerate(graphs)])


def test_pages_come_best_first_with_reasons_and_each_paper_once(engine):
    _reads_graphs(engine)
    _new_papers(engine, 12)
    new = NewForYou(engine)
    first = new.page(["cs.LG"], 4)
    assert len(first.items) == 4 and first.remaining == 8
    assert all("Graph" in item.paper.title for item in first.items)  # the reader's topic first
    scores = [item.score for item in first.items]
    assert scores == sorted(scores, reverse=True)
    assert all(item.reasons for item in first.items)
    shown = [item.paper.id for item in first.items]
    rest = new.page(["cs.LG"], 100)
    assert len(rest.items) == 8 and rest.remaining == 0 and not {i.paper.id for i in rest.items} & set(shown)
    assert new.page(["cs.LG"], 4).items == []  # all seen


def test_a_later_visit_shows_only_what_arrived_since(engine, config):
    _new_papers(engine, 3)
    NewForYou(engine).page(["cs.LG"], 10)
    engine.add_papers([paper_from_dict(make_paper("2612.09999", "Arrived later", "a paper that came after the visit", date=TODAY,
                   categories=["cs.LG"]))])
    later = NewForYou(engine).page(["cs.LG"], 10)  # a new object: the marks are on disk
    assert [item.paper.id for item in later.items] == ["2612.09999"]


def test_other_categories_old_papers_and_the_history_are_not_new(engine):
    _reads_graphs(engine)
    _new_papers(engine, 2, category="math.AG")
    _new_papers(engine, 2, day=(date.today() - timedelta(days=30)).isoformat())
    assert NewForYou(engine).page(["cs.LG"], 10).items == []
    assert len(NewForYou(engine).page(["math.AG"], 10).items) == 2
    read = topic_papers()[0]["id"]
    assert read not in {i.paper.id for i in NewForYou(engine, window_days=100_000).page(["cat.graph"], 10).items}


def test_without_history_the_newest_come_first(engine):
    papers = _new_papers(engine, 3)
    page = NewForYou(engine, clock=time.time).page(["cs.LG"], 3)
    assert [item.paper.id for item in page.items] == [p["id"] for p in reversed(papers)]

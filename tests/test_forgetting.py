"""Forget means forget: the papers only the user brought (pages read, a library, a profile, saves) go with the
history; the corpus's papers (an import, a backfill) stay. readnext/forgetting.py."""
import sqlite3

import pytest

from conftest import REPO, make_paper
from library_files import LIBRARY_BIB, SNAPSHOT, write
from readnext.check import check, repair
from readnext.engine import ReadNext
from readnext.ingest.backfill import Backfill, plan
from readnext.ingest.importer import import_jsonl, import_library_text
from readnext.vectors.embed import HashingEmbedder
from readnext.ingest.sources.arxiv_api import ArxivClient, FetchPolicy

OAI = REPO / "tests" / "fixtures" / "oai"
CORPUS = ("2101.00001", "2103.00004")  # from the snapshot import
BACKFILLED = ("2506.01234", "2506.05678")


@pytest.fixture
def config(config):
    return config.with_(model="hashing-test")  # HashingEmbedder's: what check expects the index to be built by


def read_page(engine):
    engine.record([{"id": "r1", "type": "view", "seconds": 120,
                    "paper": make_paper("2399.00001", "A page read", "words of a page nobody else brought")}])
    return ["2399.00001"]


def import_bib(engine):
    import_library_text(engine, LIBRARY_BIB, "bibtex")
    return ["bib:knuth1984texbook", "1706.03762", "doi:10.1038/nature14539"]


def this_is_me(engine):
    engine.record([{"id": f"me{n}", "type": "authored", "site": "scholar",
                    "paper": make_paper(f"scholar:mine{n}", f"My paper {n}", f"what I wrote {n}")} for n in range(3)])
    return [f"scholar:mine{n}" for n in range(3)]


def save(engine):
    engine.record([{"id": "s1", "type": "save", "paper": make_paper("2399.00002", "A saved one", "kept for later")}])
    return ["2399.00002"]


def with_corpus(engine, tmp_path):
    import_jsonl(engine, write(tmp_path / "snapshot.jsonl", SNAPSHOT), show_progress=False)
    pages = [(200, {"Content-Type": "text/xml"}, (OAI / f"{name}.xml").read_bytes())
             for name in ("cs_LG_page1", "cs_LG_page2", "no_records_match")]
    client = ArxivClient(lambda url, headers: pages.pop(0), FetchPolicy(), sleep=lambda seconds: None,
                         wall_clock=lambda: 1_700_000_000.0)
    Backfill(engine, client, plan(["cs.LG", "cs.CL"], "2025-06"), engine.home).run()
    engine.embed_all_pending()


def known(engine, paper_id: str) -> bool:
    conn = sqlite3.connect(engine.home / "papers.sqlite")
    try:
        return bool(conn.execute("SELECT 1 FROM papers WHERE id = ?1 UNION SELECT 1 FROM aliases WHERE alias = ?1",
                                 (paper_id,)).fetchone())
    finally:
        conn.close()


def traces(engine, papers: dict) -> dict:
    """What is left of these papers (id: the paper as stored before): rows, cached vectors, live vectors."""
    conn = sqlite3.connect(engine.home / "papers.sqlite")
    try:
        return {"rows": [i for i in papers if known(engine, i)],
                "vectors": [i for i, p in papers.items() if conn.execute(
                    "SELECT 1 FROM vectors WHERE hash = ?", (p.content_hash(),)).fetchone()],
                "terms": conn.execute("SELECT count(*) FROM paper_terms WHERE label NOT IN "
                                      "(SELECT label FROM papers)").fetchone()[0],
                "user_papers": conn.execute("SELECT count(*) FROM user_papers").fetchone()[0]}
    finally:
        conn.close()


@pytest.mark.parametrize("bring", [read_page, import_bib, this_is_me, save])
def test_forget_everything_leaves_no_paper_only_the_user_brought(config, tmp_path, bring):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    with_corpus(engine, tmp_path)
    corpus_size = engine.corpus.count()
    ids = bring(engine)
    engine.recommend(None, 5)
    brought = {i: engine.corpus.get(i) for i in ids}
    assert all(brought.values())
    labels = [engine.corpus.label_of(i) for i in ids]
    engine.forget(None)

    assert [i for i in ids if known(engine, i)] == []
    assert traces(engine, brought) == {"rows": [], "vectors": [], "terms": 0, "user_papers": 0}
    assert not engine.index.present(labels)
    assert all(engine.corpus.get(i) for i in CORPUS + BACKFILLED)
    engine.close()
    again = ReadNext(config, embedder=HashingEmbedder(64))  # and the saved index holds none of them either
    assert not again.index.present(labels) and len(again.index) == again.corpus.count() == corpus_size
    assert check(config).problems == []
    again.close()


def test_a_corpus_paper_the_user_read_or_merged_into_stays(engine, tmp_path):
    with_corpus(engine, tmp_path)
    engine.record([{"id": "v", "type": "view", "seconds": 60, "paper_id": CORPUS[0]},
                   {"id": "w", "type": "view", "seconds": 60, "paper": make_paper(
                       "scholar:x", "Paper 2103.00004 on cs.CL", url="https://arxiv.org/abs/2103.00004")},
                   {"id": "x", "type": "view", "seconds": 60, "paper": make_paper("2399.00009", "Only mine")}])
    engine.record([{"id": "y", "type": "impression", "paper": make_paper("2399.00009", "Only mine")}])
    engine.store_papers([engine.corpus.get("2399.00009")])  # a backfill brought it as well: it is the corpus's now
    engine.forget(None)
    assert all(engine.corpus.get(i) for i in (*CORPUS, *BACKFILLED, "2399.00009"))


def test_forgetting_one_paper_or_an_interest_takes_only_the_papers_only_its_events_brought(engine, tmp_path):
    with_corpus(engine, tmp_path)
    read_page(engine)
    save(engine)
    engine.record([{"id": "c", "type": "view", "seconds": 60, "paper_id": CORPUS[0]}])
    engine.forget("2399.00001")
    assert not known(engine, "2399.00001") and known(engine, "2399.00002") and known(engine, CORPUS[0])
    engine.forget(CORPUS[0])
    assert known(engine, CORPUS[0])
    engine.remove_interest("2399.00002")
    assert not known(engine, "2399.00002")


def test_a_paper_also_named_by_an_event_kept_is_kept(engine):
    page = make_paper("2399.00003", "Read twice", "the same page")
    engine.record([{"id": "a", "type": "view", "seconds": 60, "paper": page},
                   {"id": "b", "type": "shown", "paper_ids": ["2399.00003"]}])
    engine.forget("2399.00003")  # its events go, and a shown list of it alone
    assert not known(engine, "2399.00003")
    engine.record([{"id": "c", "type": "view", "seconds": 60, "paper": make_paper("2399.00004", "Other")},
                   {"id": "d", "type": "shown", "paper_ids": ["2399.00004", "2399.00005"]},
                   {"id": "e", "type": "view", "seconds": 60, "paper": make_paper("2399.00005", "Third")}])
    engine.forget("2399.00004")
    assert known(engine, "2399.00005")


def test_check_finds_papers_a_forgotten_history_left_and_none_after_a_proper_forget(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    import_bib(engine)
    this_is_me(engine)
    engine.history.forget(None)  # what the forget of earlier versions did: the events alone
    engine.close()
    problems = [p.line() for p in check(config).problems]
    assert len(problems) == 1 and "6 paper(s) that only your forgotten history brought" in problems[0]

    engine = ReadNext(config, embedder=HashingEmbedder(64))
    engine.forget(None)
    engine.close()
    assert check(config).problems == []


def test_a_forget_cut_short_is_reported_then_finished_at_the_next_open(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    ids = import_bib(engine)
    engine.corpus.set_meta("forget_pending", "null")  # what a kill after the forget was written down leaves
    engine.close()
    assert ["a forget was cut short" in p.what for p in check(config).problems] == [True]
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    assert len(engine.history) == 0 and not any(known(engine, i) for i in ids)
    engine.close()
    assert check(config).problems == []


def test_repair_deletes_what_a_forgotten_history_left(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    ids = import_bib(engine) + this_is_me(engine)
    engine.history.forget(None)
    engine.close()
    done = repair(config, embedder=HashingEmbedder(64))
    assert "papers.sqlite: 6 paper(s) only your forgotten history brought deleted" in done
    assert check(config).problems == []
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    assert not any(known(engine, i) for i in ids) and engine.corpus.count() == len(engine.index) == 0
    engine.close()

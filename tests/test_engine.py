import json
import threading
from contextlib import contextmanager

import numpy as np

from conftest import CountingEmbedder, make_paper, sample_records, topic_papers
from readnext import views
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from readnext.ingest.importer import import_jsonl
from readnext.records.papers import paper_from_dict


def test_same_text_is_embedded_once(config):
    embedder = CountingEmbedder(64)
    engine = ReadNext(config, embedder=embedder)
    paper = make_paper("2106.09608", "A title", "An abstract")
    engine.record([{"id": "1", "type": "impression", "paper": paper}])
    engine.record([{"id": "2", "type": "view", "paper": {**paper, "id": "2106.09608v2"}, "seconds": 10}])
    assert embedder.texts == 1
    engine.close()
    again = ReadNext(config, embedder=embedder)  # a restart: cache and index on disk, nothing re-embedded
    again.record([{"id": "3", "type": "impression", "paper": make_paper("t:x", "A title", "An abstract")}])
    assert embedder.texts == 1
    again.close()


def test_restart_keeps_history_and_index(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 60} for i, p in enumerate(topic_papers())])
    before = [i.paper.id for i in engine.recommend({"query": "galaxy"}, 5).items]
    engine.close()
    again = ReadNext(config, embedder=HashingEmbedder(64))
    assert views.status(again)["history"] == 24 and views.status(again)["index"] == 24
    assert [i.paper.id for i in again.recommend({"query": "galaxy"}, 5).items] == before


def test_unsaved_index_is_rebuilt_from_the_cache(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(topic_papers())])
    # no close(): the process died before the index was saved
    again = ReadNext(config, embedder=CountingEmbedder(64))
    assert len(again.index) == 24 and again.embedder.texts == 0


def test_damaged_index_is_rebuilt_never_wrong_ids(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(topic_papers())])
    engine.close()
    (config.home / "index.hnsw").write_bytes(b"garbage")
    again = ReadNext(config, embedder=HashingEmbedder(64))
    assert again.index.labels() == {again.corpus.label_of(p["id"]) for p in topic_papers()}
    for item in again.recommend({"query": "protein folding"}, 5).items:
        label = again.corpus.label_of(item.paper.id)
        assert np.allclose(again.index.vectors([label])[0], again.embedder.embed([item.paper.text()])[0], atol=1e-5)


def test_index_of_a_removed_paper_is_not_served(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    engine.record([{"id": "i", "type": "impression", "paper": make_paper("scholar:1", "Deep sets", "x y z")}])
    engine.record([{"id": "j", "type": "impression", "paper": make_paper("1703.06114", "Deep sets", "x y z w")}])
    engine.record([{"id": "k", "type": "impression",
                    "paper": make_paper("scholar:1", "Deep sets", url="https://arxiv.org/abs/1703.06114")}])
    assert engine.corpus.count() == 1 and len(engine.index) == 1
    assert [i.paper.id for i in engine.recommend({"query": "deep sets"}, 5).items] == ["1703.06114"]


def test_changing_the_model_reembeds_and_keeps_user_data(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 60} for i, p in enumerate(topic_papers())])
    engine.close()
    other = ReadNext(config.with_(model="other"), embedder=HashingEmbedder(32, name="other"))
    assert len(other.index) == 0 and views.status(other)["history"] == 24
    while other.embed_pending():
        pass
    assert len(other.index) == 24 and other.index.dim == 32
    assert other.recommend(None, 3).mode == "personal"


def test_history_profile_export_and_forget(engine):
    papers = topic_papers()
    now = 1_760_000_000_000  # in the past: an event more than a day ahead of the clock is refused
    engine.record([{"id": "v1", "type": "view", "paper": papers[0], "seconds": 100, "ts": now},
                   {"id": "v2", "type": "pdf", "paper_id": papers[0]["id"], "ts": now + 1},
                   {"id": "s1", "type": "save", "paper": papers[9], "ts": now + 2},
                   {"id": "q1", "type": "search", "query": "message passing", "ts": now + 3}])
    history = views.history_items(engine)
    assert history["total"] == 2
    first = history["items"][0]
    assert first["paper"]["id"] == papers[9]["id"] and first["state"] == "saved"
    assert history["items"][1]["events"] == {"view": 1, "pdf": 1} and history["items"][1]["seconds"] == 100
    profile = views.profile_summary(engine)
    assert profile["recent_queries"] == ["message passing"] and profile["interests"]
    exported = json.loads(json.dumps(views.export(engine)))
    assert len(exported["events"]) == 4 and {p["id"] for p in exported["papers"]} == {papers[0]["id"], papers[9]["id"]}
    assert engine.forget(papers[0]["id"]) == 2
    assert views.history_items(engine)["total"] == 1
    assert engine.forget(None) == 2 and engine.profile().empty


def test_score_papers_keeps_order_and_marks_state(engine):
    papers = topic_papers()
    engine.record([{"id": "v", "type": "view", "paper": papers[0], "seconds": 100}])
    _, items = engine.score_papers([papers[16], papers[1], papers[0]])
    assert [i.paper.id for i in items] == [papers[16]["id"], papers[1]["id"], papers[0]["id"]]
    assert items[1].score > items[0].score and items[2].state == "read"


def test_import_of_the_real_sample_resumes(config, tmp_path):
    records = sample_records()
    path = tmp_path / "sample.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records[:300]) + "not json\n")
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    report = import_jsonl(engine, path, show_progress=False)
    assert report.stored == 300 and report.skipped == 1 and engine.corpus.count() == 300
    again = import_jsonl(engine, path, show_progress=False)
    assert again.read == 0 and again.resumed_at == path.stat().st_size


def test_a_list_out_of_score_order_says_why(engine):
    papers = topic_papers(12)
    engine.add_papers([paper_from_dict(p) for p in papers])
    engine.record([{"id": f"v{i}", "type": "view", "seconds": 120, "paper_id": papers[j]["id"]}
                   for i, j in enumerate([0, 12, 24, 1, 13])])  # papers of three topics: two interests
    varied = engine.recommend(None, 8)
    scores = [item.score for item in varied.items]
    assert scores != sorted(scores, reverse=True) and "Ordered for variety" in varied.note
    ranked = engine.recommend(None, 8, diversify=False)
    in_order = [i.score for i in ranked.items]
    assert in_order == sorted(in_order, reverse=True)
    assert "Ordered for variety" not in ranked.note


@contextmanager
def building(engine):
    """Another thread builds the profile of the history as it is now."""
    cache = engine.profiles
    cache._lock.acquire()
    cache._building = cache._version()
    try:
        yield
    finally:
        cache._building = None
        cache._lock.release()


def profile_in_a_thread(engine):
    answers = []
    thread = threading.Thread(target=lambda: answers.append(engine.profile()))
    thread.start()
    thread.join(0.5)
    return thread, answers


def test_while_a_profile_is_built_readers_take_the_last_one_unless_something_decisive_happened(engine):
    papers = topic_papers()
    engine.record([{"id": "v0", "type": "view", "paper": papers[0], "seconds": 90}])
    first = engine.profile()
    with building(engine):
        engine.record([{"id": "v1", "type": "view", "paper": papers[1], "seconds": 90}])
        assert engine.profile() is first  # a view the build under way does not know: the last profile serves
        engine.record([{"id": "d1", "type": "dismiss", "paper": papers[9]}])
        waiting, answers = profile_in_a_thread(engine)
        assert waiting.is_alive() and not answers  # a dismissal waits for a build that knows it
    waiting.join(60)
    [latest] = answers
    assert latest is not first and len(latest.labels) == 2 and len(latest.negative_labels) == 1
    assert engine.profile() is latest


def test_a_reader_waits_for_the_build_that_knows_what_it_knows(engine):
    papers = topic_papers()
    engine.record([{"id": "v0", "type": "view", "paper": papers[0], "seconds": 90}])
    first = engine.profile()
    engine.record([{"id": "v1", "type": "view", "paper": papers[1], "seconds": 90}])
    with building(engine):  # started after the view: what it builds has the view
        waiting, answers = profile_in_a_thread(engine)
        assert waiting.is_alive() and not answers
    waiting.join(60)
    [latest] = answers
    assert latest is not first and len(latest.labels) == 2


def test_a_forget_is_never_served_from_the_last_profile(engine):
    papers = topic_papers()
    engine.record([{"id": "v0", "type": "view", "paper": papers[0], "seconds": 90}])
    assert not engine.profile().empty
    engine.forget(None)
    assert engine.profile().empty


def test_a_failed_last_save_still_closes_the_history_and_the_corpus(config):
    """On a full disk the index's last save fails; the engine must close its files all the same (the server
    then reports one line and exits)."""
    import sqlite3

    import pytest

    from readnext.errors import WriteFailed
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    engine.add_papers([paper_from_dict(p) for p in topic_papers(2)])

    def full_disk(path):
        raise WriteFailed("no space left on device")
    engine.indexer.index.save = full_disk
    with pytest.raises(WriteFailed):
        engine.close()
    with pytest.raises(sqlite3.ProgrammingError):  # closed
        engine.corpus.conn.execute("SELECT 1")


def test_the_ranking_settings_can_be_changed_between_lists(engine):
    """The quality benchmark measures variants through one engine by setting engine.ranking (bench/quality.py):
    the next list must be ranked with them (after the engine's split they were silently ignored)."""
    from readnext.ranking.rank import DEFAULT, RankSettings
    engine.add_papers([paper_from_dict(p) for p in topic_papers()])
    engine.record([{"id": "e1", "type": "view", "paper_id": "topic:graph0", "seconds": 60}])
    as_shipped = engine.recommend(None, 10, explain=False)
    engine.ranking = RankSettings(nearest_weight=0.0, top_weight=0.0, interest_weight=0.0, term_weight=0.0)
    blind = engine.recommend(None, 10, explain=False)  # nothing of the history counts: every score is 0
    assert any(i.score > 0 for i in as_shipped.items) and all(i.score == 0 for i in blind.items)
    engine.ranking = DEFAULT
    assert [round(i.score, 6) for i in engine.recommend(None, 10, explain=False).items] == \
        [round(i.score, 6) for i in as_shipped.items]


def test_titles_show_their_tex_as_text_and_keep_it_stored(engine):
    """The API gives the card a display title (WS$_2$ as WS₂) beside the title as stored, which keeps its TeX
    and its hash; a reason quoting a quoted title does not double the quotes."""
    papers = topic_papers()
    tex = {**papers[1], "title": "Excitons in monolayer WS$_2$ and $\\alpha$-RuCl$_3$ at $T_c$"}
    quoted = {**papers[2], "title": "“Graph study 2: message”"}
    papers[1:3] = [tex, quoted]
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    engine.record([{"id": "v", "type": "view", "paper": quoted, "seconds": 90}])
    stored = engine.paper(tex["id"])
    assert stored.title == tex["title"] and stored.content_hash() == paper_from_dict(tex).content_hash()
    shown = views.recommendations(engine.recommend(None, 10))["items"]
    card = next(item for item in shown if item["paper"]["id"] == tex["id"])
    assert card["display_title"] == "Excitons in monolayer WS₂ and α-RuCl₃ at T_c"
    assert card["paper"]["title"] == tex["title"]
    texts = [r["text"] for item in shown for r in item["reasons"] if r["kind"] == "history"]
    assert texts and all(t.startswith("Because you read “Graph study 2: message” (") for t in texts)

"""Index saves happen on the saver's thread: a request never waits for one."""
import threading
import time

from conftest import topic_papers
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext


def _views(papers, prefix):
    return [{"id": f"{prefix}{i}", "type": "view", "paper": p, "seconds": 60} for i, p in enumerate(papers)]


def _in_thread(work, timeout=60.0):
    """Run work on a thread; its result, or None when it did not finish in `timeout` (it waited for something)."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", work()), daemon=True)
    thread.start()
    thread.join(timeout)
    return result.get("value")


def test_requests_do_not_wait_for_a_slow_save(config):
    engine = ReadNext(config.with_(index_save_every=4), embedder=HashingEmbedder(64))
    started, release = threading.Event(), threading.Event()
    real_save = engine.index.save

    def slow_save(path):  # a save at a million papers takes seconds; this one lasts until released
        started.set()
        release.wait(120)
        real_save(path)

    engine.index.save = slow_save
    papers = topic_papers()
    engine.record(_views(papers[:8], "a"))  # 8 additions >= 4: the saver starts a save
    assert started.wait(30), "the saver did not start a save"
    # while that save is stuck, new papers are added and recommendations served
    seen = [{"id": f"b{i}", "type": "impression", "paper": p} for i, p in enumerate(papers[8:])]
    assert _in_thread(lambda: engine.record(seen))["accepted"] == 16
    assert _in_thread(lambda: engine.recommend({"query": "galaxy"}, 5)).items
    assert not release.is_set()
    release.set()
    engine.close()  # waits for the save in flight, then saves the rest
    again = ReadNext(config, embedder=HashingEmbedder(64))
    assert len(again.index) == 24 and not list(again.corpus.unindexed(again.model))
    again.close()


def test_paused_additions_are_saved_without_a_request(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))  # 500 additions between saves: never reached here
    engine.record(_views(topic_papers()[:5], "a"))
    deadline = time.monotonic() + 120  # the saver looks every IDLE_SECONDS (10 s)
    while len(engine.corpus.indexed_labels()) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(engine.corpus.indexed_labels()) == 5 and (config.home / "index.hnsw").exists()
    engine.close()

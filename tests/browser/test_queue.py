"""The offline queue: events made while the backend is down are kept and delivered exactly once when it is back,
and a service worker stopped at any moment loses nothing."""
import json
import subprocess
import sys
import time

import pytest

from .harness import (ABSTRACT, SCHOLAR, Backend, configure, extension_call, kill_service_worker, now_ms,
                      sidebar_state, stored, wait_until)

pytestmark = pytest.mark.browser

SCHOLAR_OLD = "https://scholar.google.com/scholar?q=%22Learning+deep+architectures+for+AI%22&hl=en"
ELSEWHERE = "https://arxiv.org/help"


def test_events_made_offline_are_queued_and_delivered_exactly_once(browser, stopped_backend):
    backend = stopped_backend
    configure(browser, backend)
    start = now_ms()
    browser.get(SCHOLAR)  # 1 search + 10 impressions
    wait_until(lambda: sidebar_state(browser) == "offline", message="the 'backend not running' state")
    browser.get(ABSTRACT)
    time.sleep(1.2)
    browser.get(ELSEWHERE)  # 1 view
    queued = wait_until(lambda: len(stored(browser, "queue") or []) == 12 and stored(browser, "queue"),
                        message="twelve queued events")
    queued_ids = {event["id"] for event in queued}
    assert kill_service_worker(browser) == 1  # the queue lives in storage, not in the worker

    backend.start()
    browser.get(SCHOLAR_OLD)  # the next page the user opens delivers the queue, and its own 2 events
    wait_until(lambda: stored(browser, "queue") == [], timeout=30, message="an empty queue")
    events = wait_until(lambda: len(backend.events(start)) >= 14 and backend.events(start), message="14 events")
    ids = [event["id"] for event in events]
    assert len(ids) == len(set(ids)) == 14
    assert queued_ids <= set(ids)
    assert sorted(e["type"] for e in events if e["id"] in queued_ids) == ["impression"] * 10 + ["search", "view"]
    # the sidebar's `shown` lists of the page are delivered too, and counted: every event once, none twice
    stats = wait_until(lambda: stored(browser, "stats")["sent"] == len(backend.events(start, shown=True))
                       and stored(browser, "stats"), message="every delivered event counted once")
    assert stats["sent"] >= 14 and stats["duplicates"] == 0


def test_replayed_events_are_not_counted_twice(browser, backend):
    """A worker stopped after posting but before removing the batch replays it: the backend counts nothing twice."""
    configure(browser, backend)
    start = now_ms()
    browser.get(SCHOLAR_OLD)
    first = wait_until(lambda: [e for e in backend.events(start) if e["url"] == SCHOLAR_OLD], message="events")
    assert sorted(e["type"] for e in first) == ["impression", "search"]
    replay = [{key: e[key] for key in ("id", "type", "ts", "url", "paper_id", "query") if e[key]} for e in first]
    answer = backend.api("POST", "events", {"events": replay})
    assert answer == {"accepted": 0, "duplicates": 2, "rejected": []}
    assert len([e for e in backend.events(start) if e["url"] == SCHOLAR_OLD]) == 2


def test_service_worker_killed_mid_session_loses_nothing(browser, backend):
    configure(browser, backend)
    start = now_ms()
    browser.get(SCHOLAR)
    wait_until(lambda: len([e for e in backend.events(start) if e["url"] == SCHOLAR]) == 11, message="11 events")
    assert kill_service_worker(browser) == 1

    browser.get(ABSTRACT)  # a fresh worker wakes for this page
    time.sleep(1.2)
    assert kill_service_worker(browser) == 1  # and is stopped again while the page is open
    browser.get(ELSEWHERE)  # the view is written as the page goes; the write wakes a worker that delivers it
    views = wait_until(lambda: [e for e in backend.events(start) if e["type"] == "view"], message="the view")
    assert [v["paper_id"] for v in views] == ["2106.09608"]
    browser.get(SCHOLAR)
    wait_until(lambda: len([e for e in backend.events(start) if e["url"] == SCHOLAR]) == 22, message="22 events")
    events = backend.events(start)
    assert len(events) == len({e["id"] for e in events}) == 23


# --- batches by size (issue 20, item 16): 200 impressions with long abstracts pass the backend's 2 MiB limit ----
LISTING_URL = "https://arxiv.org/list/cs.LG/new"


def impressions(prefix: str, count: int, abstract_chars: int = 12_000, start: int = 0) -> list[dict]:
    """Impressions of papers with long abstracts (the backend keeps 20,000 characters), as a listing makes them."""
    words = "message passing on graphs with attention and long range dependencies "
    abstract = (words * (abstract_chars // len(words) + 1))[:abstract_chars]
    return [{"id": f"{prefix}-{n}", "type": "impression", "ts": now_ms(), "url": LISTING_URL,
             "paper": {"id": f"2399.{start + n:05d}", "title": f"A long abstract {prefix} {n}",
                       "abstract": f"{n} {abstract}", "authors": ["A. Author"], "categories": ["cs.LG"]}}
            for n in range(count)]


def put_in_outbox(browser, events: list[dict]) -> None:
    """As a content script hands over a page's events: one outbox key, whose write wakes the worker."""
    assert extension_call(browser, "await chrome.storage.local.set({['outbox:' + arguments[0][0].id]: arguments[0]});"
                                   " done(true);", events) is True


def delivered(backend, prefix: str) -> list[dict]:
    return [e for e in backend.events() if e["id"].startswith(prefix + "-")]


def test_a_batch_larger_than_the_backend_takes_is_split_by_size_and_delivered(browser, backend):
    configure(browser, backend)
    events = impressions("big200", 200)
    assert len(json.dumps({"events": events})) > 2 * 1024 * 1024  # one request of them all: a 413
    put_in_outbox(browser, events)
    wait_until(lambda: len(delivered(backend, "big200")) == 200, timeout=120, message="the 200 impressions")
    wait_until(lambda: stored(browser, "queue") == [], timeout=30, message="an empty queue")
    ids = [e["id"] for e in delivered(backend, "big200")]
    assert len(ids) == len(set(ids)) == 200
    assert (stored(browser, "stats") or {}).get("tooLarge", 0) == 0


SMALL_LIMIT = 300_000
SMALL_LIMIT_SERVE = """
import sys
from readnext.config import Config
from readnext.engine import ReadNext
from readnext.server.run import serve
from readnext.vectors.embed import HashingEmbedder
serve(Config.load(home=sys.argv[1], port=int(sys.argv[2])).with_(max_request_bytes=int(sys.argv[3])),
      make_engine=lambda config: ReadNext(config, embedder=HashingEmbedder(64)))
"""


class SmallLimitBackend(Backend):
    """A backend that takes requests of up to SMALL_LIMIT bytes (a backend configured below the extension's
    batch size), with the test embedder."""

    def start(self, timeout: float = 60.0) -> "SmallLimitBackend":
        self.home.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([sys.executable, "-c", SMALL_LIMIT_SERVE, str(self.home), str(self.port),
                                         str(SMALL_LIMIT)], stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        wait_until(lambda: self._answers(), timeout=timeout, message="the small-limit backend")
        return self

    def _answers(self) -> bool:
        try:
            return self.call("GET", "status")[0] == 200
        except OSError:
            return False


def test_a_413_splits_the_batch_and_an_event_too_large_alone_is_dropped_and_counted(browser, tmp_path):
    small = SmallLimitBackend(tmp_path / "small-home").start()
    try:
        configure(browser, small)
        events = impressions("split", 60, start=0)
        giant = impressions("giant", 1, abstract_chars=19_000, start=500)[0]
        giant["paper"]["title"] = "x" * 400_000  # larger than the backend takes on its own
        put_in_outbox(browser, events[:30] + [giant] + events[30:])
        wait_until(lambda: len(delivered(small, "split")) == 60, timeout=120, message="the 60 impressions")
        wait_until(lambda: stored(browser, "queue") == [], timeout=30, message="an empty queue")
        stats = stored(browser, "stats")
        assert stats["tooLarge"] == 1 and stats["rejected"] >= 1 and stats["sent"] >= 60
        assert "larger than" in stats["lastRejection"]
        assert delivered(small, "giant") == [] and len({e["id"] for e in delivered(small, "split")}) == 60
    finally:
        small.stop()

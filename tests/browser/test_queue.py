"""The offline queue: events made while the backend is down are kept and delivered exactly once when it is back,
and a service worker stopped at any moment loses nothing."""
import time

import pytest

from .harness import ABSTRACT, SCHOLAR, configure, kill_service_worker, now_ms, sidebar_state, stored, wait_until

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

"""Following arXiv: off by default, settings that say what is sent, fetches replayed from tests/fixtures/arxiv.

No test touches the network: every client's transport replays recorded responses, and its clock and sleep are
fake, so the 3 seconds between requests pass without waiting.
"""
import time

import pytest

from conftest import make_paper
from readnext import cli
from readnext.server.app import create_app
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from readnext.errors import ValidationError
from readnext.ingest.follow import (DEFAULTS, Follower, due, fetch_once, fetch_settings, fetch_state, settings_view,
                             update_fetch_settings)
from readnext.records.papers import paper_from_dict
from readnext.ingest.sources.arxiv_api import ArxivClient, FetchPolicy
from readnext.ingest.sources.arxiv_feed import FetchError
from test_sources_arxiv_api import ERROR, PAGE1, PAGE2, FakeClock, Replay

CATEGORIES = ["cs.LG", "cs.CL"]
FIVE = {"2106.09685", "1810.04805", "1706.03762", "1412.6980", "1312.6114"}


def replay_client(*responses):
    """A client of 3-paper pages whose transport answers `responses` in turn, on a fake clock."""
    clock = FakeClock()
    transport = Replay(clock, *responses)
    client = ArxivClient(transport, FetchPolicy(page_size=3), clock=clock.clock, sleep=clock.sleep,
                         wall_clock=lambda: 1_700_000_000.0)
    return client, transport


def ok(body, **headers):
    return 200, headers, body


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# --- off by default ---------------------------------------------------------------------------------------------
def test_fetching_is_off_by_default_and_sends_nothing(engine):
    assert fetch_settings(engine.history) == DEFAULTS == {"enabled": False, "categories": [], "interval_hours": 6,
                                                           "feed": "api"}
    client, transport = replay_client(ok(PAGE1))
    with pytest.raises(ValidationError, match="nothing was sent"):
        fetch_once(engine, client)
    assert Follower(engine, lambda: client, clock=lambda: 2e9).round() is None
    assert transport.requests == [] and engine.corpus.count() == 0


def test_due_only_when_on_with_categories_and_the_interval_passed():
    on = {**DEFAULTS, "enabled": True, "categories": ["cs.LG"]}
    assert due(on, {}, now=1e9)
    assert not due(on, {"last_attempt": 1e9}, now=1e9 + 6 * 3600 - 1)
    assert due(on, {"last_attempt": 1e9}, now=1e9 + 6 * 3600)
    assert not due({**on, "enabled": False}, {}, now=1e9)
    assert not due({**on, "categories": []}, {}, now=1e9)


# --- fetching ---------------------------------------------------------------------------------------------------
def test_fetch_once_stores_new_papers_and_remembers_where_it_stopped(engine):
    engine.add_papers([paper_from_dict(make_paper("1706.03762", "Attention Is All You Need"))])
    client, transport = replay_client(ok(PAGE1, ETag='"p1"'), ok(PAGE2))
    report = fetch_once(engine, client, CATEGORIES)  # named categories: consent for this run, settings unchanged
    assert (report.fetched, report.new, report.requests, report.since) == (5, 4, 2, "")
    assert {p.id for p in report.papers} == FIVE and engine.corpus.count() == 5 and len(engine.index) == 5
    assert engine.paper("1706.03762").abstract  # the copy already there, filled in by arXiv's record
    assert all("cat:cs.LG+OR+cat:cs.CL" in url for url, _, _ in transport.requests)
    assert len({now for _, _, now in transport.requests}) == 2  # three (fake) seconds apart
    state = fetch_state(engine.history)
    assert state["since"] == {"api:cs.CL+cs.LG": "2021-06-17"}
    assert list(state["validators"].values()) == [{"etag": '"p1"'}]
    assert state["last_report"]["fetched"] == 5 and fetch_settings(engine.history) == DEFAULTS

    # The next run, by a new client, asks conditionally: an unchanged feed is not sent again.
    client, transport = replay_client((304, {}, b""))
    report = fetch_once(engine, client, CATEGORIES)
    assert report.not_modified and report.fetched == 0 and transport.requests[0][1]["If-None-Match"] == '"p1"'

    # A changed feed is read back to the newest day already seen, and no further.
    client, transport = replay_client(ok(PAGE1, ETag='"p2"'), ok(PAGE2))
    report = fetch_once(engine, client, CATEGORIES)
    assert report.since == "2021-06-17" and [p.id for p in report.papers] == ["2106.09685"]
    assert len(transport.requests) == 1 and report.new == 0 and engine.corpus.count() == 5


def test_a_failed_fetch_changes_nothing(engine):
    update_fetch_settings(engine.history, {"categories": ["cs.LG"]})
    client, _ = replay_client((400, {}, ERROR))
    with pytest.raises(FetchError, match="incorrect id format"):
        fetch_once(engine, client)
    assert engine.corpus.count() == 0 and fetch_state(engine.history) == {}


# --- the scheduler ----------------------------------------------------------------------------------------------
def test_the_scheduler_follows_the_settings_without_a_restart(engine):
    wall = [1_700_000_000.0]
    transports = []

    def make():
        client, transport = replay_client(ok(PAGE1), ok(PAGE2))
        transports.append(transport)
        return client

    follower = Follower(engine, make, poll_s=0.01, clock=lambda: wall[0]).start()
    try:
        time.sleep(0.1)
        assert follower.runs == 0 and transports == []  # off: not one request
        update_fetch_settings(engine.history, {"enabled": True, "categories": CATEGORIES})
        wait_until(lambda: engine.corpus.count() == 5)
        time.sleep(0.1)
        assert follower.runs == 1  # not again before the interval has passed
        wall[0] += 6 * 3600
        wait_until(lambda: follower.runs == 2 and fetch_state(engine.history)["last_report"]["since"])
        assert len(transports[1].requests) == 1  # the second run went back to the first one's newest day only
        update_fetch_settings(engine.history, {"enabled": False})
        wall[0] += 6 * 3600
        time.sleep(0.1)
        assert follower.runs == 2
    finally:
        follower.stop(timeout=5)
    assert not follower.thread.is_alive()


def test_the_scheduler_keeps_the_error_for_the_settings_page(engine):
    update_fetch_settings(engine.history, {"enabled": True, "categories": ["cs.LG"]})
    follower = Follower(engine, lambda: replay_client((400, {}, ERROR))[0], clock=lambda: 2e9)
    assert follower.round() is None and follower.runs == 1
    view = settings_view(engine)
    assert "incorrect id format" in view["last_error"] and view["last_fetch"] is None
    assert follower.round() is None and follower.runs == 1  # a failed run waits for the next interval too


# --- the settings API -------------------------------------------------------------------------------------------
@pytest.fixture
def client(config, engine):
    return create_app(config, engine).test_client()


@pytest.fixture
def auth(engine):
    return {"Authorization": f"Bearer {engine.token}", "Host": "127.0.0.1:8765"}


def test_settings_say_what_would_be_sent_and_suggest_from_the_history(client, auth, engine):
    assert client.get("/api/v1/settings", headers={"Host": "127.0.0.1:8765"}).status_code == 401
    engine.record([{"id": f"v{i}", "type": "view", "seconds": 60, "paper": make_paper(
        f"2301.0000{i}", f"Paper {i}", categories=[category, "stat.ML"])}
        for i, category in enumerate(["cs.LG", "cs.LG", "cs.CL", "hep-th"])])
    answer = client.get("/api/v1/settings", headers=auth).json
    assert answer["fetch"] == DEFAULTS and answer["traffic"].startswith("Nothing")
    assert answer["suggested_categories"] == ["cs.LG", "cs.CL", "hep-th"]
    assert fetch_settings(engine.history) == DEFAULTS  # suggested, not followed

    answer = client.put("/api/v1/settings", json={"fetch": {"categories": ["cs.LG", "cs.CL"]}}, headers=auth).json
    assert answer["fetch"]["categories"] == ["cs.LG", "cs.CL"] and not answer["fetch"]["enabled"]
    assert "suggested_categories" not in answer
    traffic = answer["traffic"]
    assert traffic.startswith("Nothing while fetching is off")
    assert ("GET https://export.arxiv.org/api/query?search_query=cat:cs.LG+OR+cat:cs.CL&sortBy=submittedDate"
            "&sortOrder=descending&start=0&max_results=100") in traffic
    assert "not your reading history" in traffic and "Paper 1" not in traffic

    answer = client.put("/api/v1/settings", json={"fetch": {"enabled": True, "interval_hours": 12}},
                        headers=auth).json
    assert answer["fetch"] == {"enabled": True, "categories": ["cs.LG", "cs.CL"], "interval_hours": 12,
                               "feed": "api"}
    assert answer["traffic"].startswith("Every 12 hours while `readnext serve` runs")
    assert client.get("/api/v1/settings", headers=auth).json["fetch"]["enabled"] is True


@pytest.mark.parametrize("body, message", [
    ({"fetch": {"categories": ["cs.LG&max_results=9999"]}}, "not an arXiv category"),
    ({"fetch": {"categories": "cs.LG"}}, "must be a list"),
    ({"fetch": {"enabled": True}}, "at least one category"),
    ({"fetch": {"enabled": "yes", "categories": ["cs.LG"]}}, "true or false"),
    ({"fetch": {"interval_hours": 0.1}}, "from 1 to 168"),
    ({"fetch": {"feed": "email"}}, "'api' or 'rss'"),
    ({"fetch": {"history": True}}, "unknown fetch setting"),
    ({"fetch": []}, "must be an object"),
    ({"theme": "dark"}, "unknown setting"),
])
def test_settings_are_validated(client, auth, engine, body, message):
    response = client.put("/api/v1/settings", json=body, headers=auth)
    assert response.status_code == 400 and message in response.json["error"]["message"]
    assert fetch_settings(engine.history) == DEFAULTS


# --- the command ------------------------------------------------------------------------------------------------
def test_the_command_refuses_without_categories_and_fetches_with_them(tmp_path, capsys):
    transports = []

    def make(config):
        client, transport = replay_client(ok(PAGE1), ok(PAGE2))
        transports.append(transport)
        return client

    factories = cli.Factories(engine=lambda config: ReadNext(config, embedder=HashingEmbedder(64)), arxiv=make)
    home = str(tmp_path / "home")
    assert cli.main(["fetch", "--home", home], factories) == 1
    assert "nothing was sent" in capsys.readouterr().err and transports == []
    assert cli.main(["fetch", "--categories", "cs.LG", "cs.CL", "--home", home], factories) == 0
    out = capsys.readouterr().out
    assert "new papers in cs.LG, cs.CL; nothing else is sent" in out
    assert "fetched 5 papers (5 new) in 2 requests" in out
    assert "2106.09685  2021-06-17  LoRA: Low-Rank Adaptation of Large Language Models" in out
    assert cli.main(["fetch", "--categories", "cs.LG; rm -rf /", "--home", home], factories) == 1
    assert "not an arXiv category" in capsys.readouterr().err and len(transports) == 1

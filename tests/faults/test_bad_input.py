"""Bad input is refused one event at a time, with a 400 where the request itself is bad, never a 500."""
from __future__ import annotations

import time

import pytest

from readnext.server.app import create_app
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext


@pytest.fixture
def app(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    yield create_app(config, engine)
    engine.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(app):
    return {"Host": "127.0.0.1:8765", "Authorization": f"Bearer {app.extensions['readnext'].token}"}


def post(client, path, body, headers):
    return client.post(f"/api/v1/{path}", json=body, headers=headers)


def view(event_id: str, **paper) -> dict:
    return {"id": event_id, "type": "view", "seconds": 30,
            "paper": {"id": "2301.00001", "title": "Graph networks", **paper}}


# --- 8. lone surrogates -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [
    view("bad", title="broken \ud800 title"),
    view("bad\udfff"),
    {"id": "bad", "type": "search", "query": "dark \ud800 matter"},
    view("bad", authors=["A. \ud800"]),
    {"id": "bad", "type": "view", "seconds": 30, "paper_id": "doi:10.1/\ud800"},
])
def test_a_lone_surrogate_rejects_that_event_and_stores_the_others(client, auth, bad):
    response = post(client, "events", {"events": [bad, view("good", id="2301.00002")]}, auth)
    assert response.status_code == 200
    answer = response.json
    assert answer["accepted"] == 1 and len(answer["rejected"]) == 1
    assert answer["rejected"][0]["index"] == 0 and "surrogate" in answer["rejected"][0]["error"]
    assert [e["id"] for e in client.get("/api/v1/export", headers=auth).json["events"]] == ["good"]


def test_a_lone_surrogate_in_a_recommendation_query_is_a_400(client, auth):
    response = post(client, "recommend", {"context": {"query": "dark \ud800 matter"}}, auth)
    assert response.status_code == 400 and "surrogate" in response.json["error"]["message"]


# --- 9. deep JSON -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_json_nested_a_thousand_deep_is_a_400(client, auth, depth):
    body = '{"events": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/api/v1/events", data=body, content_type="application/json", headers=auth)
    assert response.status_code == 400 and "nested too deeply" in response.json["error"]["message"]


# --- 10. aliases merge only what a record proves ------------------------------------------------------------------
def test_an_event_listing_other_papers_ids_as_aliases_merges_nothing(client, auth, app):
    papers = [{"id": f"2301.{n:05d}", "title": f"Paper {n}", "abstract": f"topic {n}"} for n in range(101)]
    for start in range(0, 101, 50):
        assert post(client, "score", {"papers": papers[start:start + 50]}, auth).status_code == 200
    engine = app.extensions["readnext"]
    assert engine.corpus.count() == 101
    greedy = {"id": "e1", "type": "view", "seconds": 30,
              "paper": {**papers[0], "aliases": [p["id"] for p in papers[1:]]}}
    answer = post(client, "events", {"events": [greedy]}, auth).json
    assert answer["accepted"] == 0 and "at most 8 aliases" in answer["rejected"][0]["error"]
    two_arxiv = {**greedy, "paper": {**papers[0], "aliases": [papers[1]["id"]]}}
    answer = post(client, "events", {"events": [two_arxiv]}, auth).json
    assert answer["accepted"] == 0 and "one arXiv id" in answer["rejected"][0]["error"]
    assert engine.corpus.count() == 101


def test_a_record_still_merges_with_the_copies_of_its_own_ids(client, auth, app):
    post(client, "score", {"papers": [{"id": "scholar:77", "title": "Graph networks"},
                                      {"id": "doi:10.1/graph", "title": "Graph networks, the journal"}]}, auth)
    arxiv = {"id": "2301.00001", "title": "Graph networks", "abstract": "message passing",
             "aliases": ["scholar:77", "doi:10.1/graph"]}
    assert post(client, "events", {"events": [view("e1", **arxiv)]}, auth).json["accepted"] == 1
    assert app.extensions["readnext"].corpus.count() == 1


# --- 13. timestamps and dates out of any sane range -------------------------------------------------------------
DAY_MS = 86_400_000


@pytest.mark.parametrize("ahead_ms, ts", [(0, 99_999_999_999_999), (0, 0), (0, 662_687_999_999),
                                          (2 * DAY_MS, None), (-2 * DAY_MS, None)])
def test_a_timestamp_outside_its_window_rejects_that_event_alone(client, auth, ahead_ms, ts):
    """1991 (the web, arXiv) to a day ahead of the server's clock: 99,999,999,999,999 ms, the year 5138, would
    never decay; the good event beside it is stored."""
    now = int(time.time() * 1000)
    bad = {"id": "bad", "type": "save", "paper_id": "2301.00001", "ts": ts if ts is not None else now + ahead_ms}
    good = {"id": "good", "type": "save", "paper_id": "2301.00002", "ts": now + DAY_MS // 2}
    answer = post(client, "events", {"events": [bad, good]}, auth).json
    if ahead_ms < 0:  # two days ago is fine
        assert answer["accepted"] == 2
        return
    assert answer["accepted"] == 1 and answer["rejected"][0]["index"] == 0
    assert "1991" in answer["rejected"][0]["error"]


def test_an_event_s_paper_dated_in_the_year_5138_is_rejected_alone(client, auth):
    bad = view("bad", date="5138-01-01")
    answer = post(client, "events", {"events": [bad, view("good", id="2301.00002")]}, auth).json
    assert answer["accepted"] == 1 and "out of range" in answer["rejected"][0]["error"]


# --- /status without the token ------------------------------------------------------------------------------------
def test_status_without_the_token_tells_no_path(client, auth, config):
    open_answer = client.get("/api/v1/status", headers={"Host": "127.0.0.1:8765"}).json
    assert set(open_answer) == {"name", "version", "corpus", "history"}
    assert str(config.home) not in str(open_answer)
    wrong = client.get("/api/v1/status", headers={"Host": "127.0.0.1:8765", "Authorization": "Bearer wrong"}).json
    assert set(wrong) == set(open_answer)
    assert client.get("/api/v1/status", headers=auth).json["home"] == str(config.home)

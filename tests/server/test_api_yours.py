"""The endpoints the Your ReadNext page uses, and "more for you" leaving out the page's own papers."""
import pytest

from conftest import topic_papers
from readnext.server.app import create_app

HOST = {"Host": "127.0.0.1:8765"}


@pytest.fixture
def client(config, engine):
    papers = topic_papers()
    engine.record([{"id": f"i{i}", "type": "impression", "paper": p} for i, p in enumerate(papers)])
    engine.record([{"id": f"v{i}", "type": "view", "paper": p, "seconds": 90}
                   for i, p in enumerate(papers[:3] + papers[16:19])])
    return create_app(config, engine).test_client()


@pytest.fixture
def auth(engine):
    return {"Authorization": f"Bearer {engine.token}", **HOST}


@pytest.mark.parametrize("method, path", [("GET", "map"), ("GET", "usage"), ("POST", "import/text"),
                                          ("POST", "interests/merge"), ("DELETE", "interests/topic:graph0")])
def test_the_new_endpoints_need_the_token_and_refuse_web_pages(client, auth, method, path):
    assert client.open(f"/api/v1/{path}", method=method, json={}, headers=HOST).status_code == 401
    web = client.open(f"/api/v1/{path}", method=method, json={}, headers={**auth, "Origin": "https://evil.example"})
    assert web.status_code == 403 and "Access-Control-Allow-Origin" not in web.headers


def test_more_for_you_leaves_out_the_page_papers_and_still_fills_the_list(client, auth):
    first = client.post("/api/v1/recommend", json={"k": 5}, headers=auth).json["items"]
    page = [item["paper"]["id"] for item in first]
    answer = client.post("/api/v1/recommend", json={"k": 5, "exclude": page}, headers=auth).json["items"]
    assert len(answer) == 5 and not {item["paper"]["id"] for item in answer} & set(page)
    bad = client.post("/api/v1/recommend", json={"k": 5, "exclude": "topic:graph3"}, headers=auth)
    assert bad.status_code == 400 and "exclude" in bad.json["error"]["message"]


def test_map_answers_points_with_titles_and_interests(client, auth):
    answer = client.get("/api/v1/map", headers=auth).json
    assert len(answer["interests"]) == 2
    assert {p["kind"] for p in answer["points"]} == {"history", "recommended"}
    assert all(p["title"] and -1 <= p["x"] <= 1 and -1 <= p["y"] <= 1 for p in answer["points"])


def test_usage_counts_the_bytes_on_disk(client, auth, engine):
    answer = client.get("/api/v1/usage", headers=auth).json
    assert answer["home"] == str(engine.home)
    assert answer["bytes"] >= (engine.home / "events.jsonl").stat().st_size > 0


def test_import_a_bibtex_file_as_reading_history_once(client, auth, engine):
    bib = "@article{doe2020graphs, title={Graph message passing at scale}, author={Doe, Jane}, year={2020}}\n"
    body = {"format": "bibtex", "text": bib, "as": "reading-list"}
    first = client.post("/api/v1/import/text", json=body, headers=auth).json
    again = client.post("/api/v1/import/text", json=body, headers=auth).json
    assert (first["papers"], first["recorded"], again["recorded"], again["already_recorded"]) == (1, 1, 0, 1)
    titles = [i["paper"]["title"] for i in client.get("/api/v1/history", headers=auth).json["items"]]
    assert "Graph message passing at scale" in titles
    csl = '[{"id": "x1", "type": "article-journal", "title": "Stellar halos", "DOI": "10.1/halo"}]'
    answer = client.post("/api/v1/import/text", json={"format": "csljson", "text": csl, "as": "mine"}, headers=auth).json
    assert answer["recorded"] == 1
    bad = client.post("/api/v1/import/text", json={"format": "pdf", "text": "x"}, headers=auth)
    assert bad.status_code == 400


def test_merge_then_remove_an_interest(client, auth):
    interests = client.get("/api/v1/profile", headers=auth).json["interests"]
    anchors = [i["papers"][0]["id"] for i in interests]
    merged = client.post("/api/v1/interests/merge", json={"papers": anchors}, headers=auth).json
    assert len(merged["interests"]) == 1 and len(merged["interests"][0]["papers"]) == 6
    assert client.post("/api/v1/interests/merge", json={"papers": anchors[:1]}, headers=auth).status_code == 400
    removed = client.delete(f"/api/v1/interests/{anchors[0]}", headers=auth).json
    assert removed["deleted"] == 12  # the six papers' views and impressions
    assert client.get("/api/v1/profile", headers=auth).json["interests"] == []
    assert client.delete(f"/api/v1/interests/{anchors[0]}", headers=auth).status_code == 404


def test_undo_a_dismissal_and_a_hide(client, auth):
    events = [{"id": "d", "type": "dismiss", "paper_id": "topic:graph5"}, {"id": "h", "type": "hide", "paper_id": "topic:graph6"}]
    client.post("/api/v1/events", json={"events": events}, headers=auth)
    profile = client.get("/api/v1/profile", headers=auth).json
    assert [p["id"] for p in profile["dismissed"]] == ["topic:graph5"] and [p["id"] for p in profile["hidden"]] == ["topic:graph6"]
    undo = [{"id": "ud", "type": "undismiss", "paper_id": "topic:graph5"}, {"id": "uh", "type": "unhide", "paper_id": "topic:graph6"}]
    assert client.post("/api/v1/events", json={"events": undo}, headers=auth).json["accepted"] == 2
    profile = client.get("/api/v1/profile", headers=auth).json
    assert profile["dismissed"] == [] and profile["hidden"] == []

import pytest

from conftest import topic_papers
from readnext.server.app import create_app

EXTENSION = "chrome-extension://" + "a" * 32


@pytest.fixture
def client(config, engine):
    app = create_app(config, engine)
    return app.test_client()


@pytest.fixture
def auth(engine):
    return {"Authorization": f"Bearer {engine.token}", "Host": "127.0.0.1:8765"}


def post(client, path, body, headers):
    return client.post(f"/api/v1/{path}", json=body, headers=headers)


def test_status_needs_no_token(client):
    response = client.get("/api/v1/status", headers={"Host": "127.0.0.1:8765"})
    assert response.status_code == 200 and response.json["name"] == "readnext"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}])
def test_token_is_required(client, headers):
    response = client.get("/api/v1/history", headers={"Host": "127.0.0.1:8765", **headers})
    assert response.status_code == 401 and "readnext pair" in response.json["error"]["message"]


@pytest.mark.parametrize("host", ["evil.example:8765", "127.0.0.1:9999", "localhost", "attacker.127.0.0.1.nip.io:8765"])
def test_wrong_host_is_refused(client, auth, host):
    response = client.get("/api/v1/history", headers={**auth, "Host": host})
    assert response.status_code == 403


def test_localhost_host_is_accepted(client, auth):
    assert client.get("/api/v1/history", headers={**auth, "Host": "localhost:8765"}).status_code == 200


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:8765", "null", "https://arxiv.org"])
def test_web_origins_can_neither_read_nor_write(client, auth, origin):
    read = client.get("/api/v1/history", headers={**auth, "Origin": origin})
    write = post(client, "events", {"events": []}, {**auth, "Origin": origin})
    preflight = client.options("/api/v1/events", headers={"Host": "127.0.0.1:8765", "Origin": origin,
                                                          "Access-Control-Request-Method": "POST"})
    for response in (read, write, preflight):
        assert response.status_code == 403
        assert "Access-Control-Allow-Origin" not in response.headers


def test_extension_origin_gets_cors(client, auth):
    preflight = client.options("/api/v1/events", headers={
        "Host": "127.0.0.1:8765", "Origin": EXTENSION, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == EXTENSION
    response = client.get("/api/v1/history", headers={**auth, "Origin": EXTENSION})
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == EXTENSION


def test_pinned_extension_ids(config, engine, auth):
    client = create_app(config.with_(extension_ids=("b" * 32,)), engine).test_client()
    assert client.get("/api/v1/history", headers={**auth, "Origin": EXTENSION}).status_code == 403
    allowed = "chrome-extension://" + "b" * 32
    assert client.get("/api/v1/history", headers={**auth, "Origin": allowed}).status_code == 200


@pytest.mark.parametrize("body, fragment", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"events": "x"}', "must be a list"),
    (b'{"events": [' + b",".join([b'{"id":"a","type":"search","query":"q"}'] * 1001) + b"]}", "at most 1000"),
])
def test_malformed_bodies_get_a_clear_400(client, auth, body, fragment):
    response = client.post("/api/v1/events", data=body, headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 400 and fragment in response.json["error"]["message"]


def test_huge_body_is_refused_and_server_keeps_serving(client, auth):
    response = client.post("/api/v1/events", data=b"x" * (3 * 1024 * 1024),
                           headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 413 and response.json["error"]["code"] == "too_large"
    assert client.get("/api/v1/status", headers=auth).status_code == 200


def test_form_posts_are_refused(client, auth):
    response = client.post("/api/v1/events", data="events=1", headers={**auth, "Content-Type": "text/plain"})
    assert response.status_code == 400


def test_events_are_validated_one_by_one_and_idempotent(client, auth):
    paper = topic_papers()[0]
    body = {"events": [{"id": "a", "type": "view", "paper": paper, "seconds": 30},
                       {"id": "b", "type": "teleport", "paper": paper},
                       {"id": "c", "type": "view", "paper": {"title": "no id"}, "seconds": 3}]}
    first = post(client, "events", body, auth).json
    assert first["accepted"] == 1 and [r["index"] for r in first["rejected"]] == [1, 2]
    assert "unknown event type" in first["rejected"][0]["error"]
    again = post(client, "events", body, auth).json
    assert again["accepted"] == 0 and again["duplicates"] == 1


def test_recommend_score_dismiss_history_round_trip(client, auth):
    papers = topic_papers()
    post(client, "events", {"events": [{"id": f"i{i}", "type": "impression", "paper": p}
                                       for i, p in enumerate(papers)]}, auth)
    post(client, "events", {"events": [{"id": "v", "type": "view", "paper_id": papers[0]["id"], "seconds": 90}]}, auth)
    rec = post(client, "recommend", {"context": {"paper": papers[1]}, "k": 5}, auth).json
    assert rec["mode"] == "personal" and len(rec["items"]) == 5
    assert all(0 <= i["score"] <= 1 and i["reasons"] for i in rec["items"])
    target = rec["items"][0]["paper"]["id"]
    dismissal = {"events": [{"id": "f1", "type": "dismiss", "paper_id": target}]}  # what the sidebar's thumbs send
    assert post(client, "events", dismissal, auth).json["accepted"] == 1
    rec2 = post(client, "recommend", {"context": {"paper": papers[1]}, "k": 5}, auth).json
    assert target not in [i["paper"]["id"] for i in rec2["items"]]
    scored = post(client, "score", {"papers": papers[:3]}, auth).json
    assert [i["paper_id"] for i in scored["items"]] == [p["id"] for p in papers[:3]]
    assert scored["items"][0]["state"] == "read"
    history = client.get("/api/v1/history", headers=auth).json
    assert {i["paper"]["id"] for i in history["items"]} == {papers[0]["id"], target}
    profile = client.get("/api/v1/profile", headers=auth).json
    assert profile["dismissed"][0]["id"] == target
    # its impression and its dismissal
    assert client.delete(f"/api/v1/history/{target}", headers=auth).json == {"deleted": 2}
    assert client.get(f"/api/v1/papers/{papers[2]['id']}", headers=auth).json["title"] == papers[2]["title"]
    export = client.get("/api/v1/export", headers=auth).json
    assert len(export["events"]) == len(papers)  # 24 impressions + a view + a dismissal - the 2 forgotten
    assert client.delete("/api/v1/history", headers=auth).json["deleted"] == len(papers)


@pytest.mark.parametrize("path, body", [
    ("recommend", {"k": 0}), ("recommend", {"k": "ten"}), ("recommend", {"context": "x"}),
    ("recommend", {"context": {"query": 5}}), ("score", {"papers": []}), ("score", {"papers": [{"id": 3}]}),
])
def test_wrong_types_get_400(client, auth, path, body):
    response = post(client, path, body, auth)
    assert response.status_code == 400 and response.json["error"]["message"]


def test_unknown_things_get_404_json(client, auth):
    assert client.get("/api/v1/papers/2106.00001", headers=auth).status_code == 404
    assert client.get("/api/v1/nothing", headers=auth).json["error"]["code"] == "not_found"
    # POST /feedback had no client (the extension sends its thumbs as events): it is gone
    assert post(client, "feedback", {"id": "x", "action": "dismiss", "paper_id": "2106.09608"}, auth).status_code == 404
    missing = post(client, "recommend", {"context": {"paper_id": "2106.00001"}}, auth)
    assert missing.status_code == 404 and "send the paper itself" in missing.json["error"]["message"]


def test_a_method_a_path_lacks_gets_405_json(client, auth):
    response = client.put("/api/v1/events", json={"events": []}, headers=auth)
    assert response.status_code == 405 and response.json["error"]["code"] == "method_not_allowed"

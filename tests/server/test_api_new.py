"""GET /new: the New for you page's endpoint."""
from datetime import date

import pytest

from conftest import make_paper
from readnext.records.papers import paper_from_dict
from readnext.server.app import create_app

HOST = {"Host": "127.0.0.1:8765"}


@pytest.fixture
def client(config, engine):
    engine.add_papers([paper_from_dict(make_paper(f"2612.{i:05d}", f"New paper {i}", f"words of paper {i}",
                                                  date=date.today().isoformat(), categories=["cs.LG"]))
                       for i in range(5)])
    engine.record([{"id": "v0", "type": "view", "seconds": 90, "paper": make_paper(
        "2501.00001", "A read paper", "words of a paper read", categories=["cs.LG"])}])
    return create_app(config, engine).test_client()


@pytest.fixture
def auth(engine):
    return {"Authorization": f"Bearer {engine.token}", **HOST}


def test_without_followed_categories_it_suggests_them(client, auth):
    answer = client.get("/api/v1/new", headers=auth).json
    assert answer["items"] == [] and answer["suggested_categories"] == ["cs.LG"]


def test_pages_of_the_followed_categories_each_paper_once(client, auth):
    client.put("/api/v1/settings", json={"fetch": {"categories": ["cs.LG"]}}, headers=auth)
    first = client.get("/api/v1/new?k=3", headers=auth).json
    assert first["categories"] == ["cs.LG"] and len(first["items"]) == 3 and first["remaining"] == 2
    assert all(item["reasons"] and 0 <= item["score"] <= 1 for item in first["items"])
    more = client.get("/api/v1/new?k=3", headers=auth).json
    ids = [item["paper"]["id"] for item in first["items"] + more["items"]]
    assert len(more["items"]) == 2 and more["remaining"] == 0 and len(set(ids)) == 5


def test_it_needs_the_token_and_a_sane_page_size(client, auth):
    assert client.get("/api/v1/new", headers=HOST).status_code == 401
    bad = client.get("/api/v1/new?k=0", headers=auth)
    assert bad.status_code == 400 and "'k'" in bad.json["error"]["message"]

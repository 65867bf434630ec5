"""Wrong-type values in every field of every JSON body the API takes: a 4xx, never a 500.

Each case takes a valid body and replaces one value (a field, a list item, or the body itself) with a value of
another type; the answer must be a success or a clear 4xx. A bad event in a batch is rejected alone: the valid
event beside it is stored.
"""
from __future__ import annotations

import json
import time

import pytest

from readnext.config import Config
from readnext.server.app import create_app
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext

EXTENSION = "chrome-extension://" + "a" * 32
HUGE = "word " * 200_000  # a megabyte, under the 2 MiB request limit
WRONG = {"list": ["x", ["y"]], "empty list": [], "object": {"k": ["v"]}, "empty object": {}, "negative": -1,
         "big number": 10 ** 30, "fraction": 0.5, "true": True, "false": False, "null": None, "huge string": HUGE}

PAPER = {"id": "2301.00001", "title": "Graph networks", "abstract": "message passing on graphs",
         "authors": ["A. Author", "B. Author"], "year": 2023, "date": "2023-01-02", "categories": ["cs.LG"],
         "url": "https://arxiv.org/abs/2301.00001", "source": "arxiv", "venue": "NeurIPS", "cited_by": 3,
         "aliases": ["doi:10.1/graph"], "doi": "10.1/graph", "arxiv_id": "2301.00001"}
BIB = "@article{key1,\n  title = {Graph networks},\n  author = {Author, A.},\n  year = {2023},\n  eprint = {2301.00001}\n}\n"
CSL_ITEM = {"id": "item1", "type": "article-journal", "title": "Graph networks", "abstract": "message passing",
            "DOI": "10.1/graph", "URL": "https://arxiv.org/abs/2301.00001", "container-title": "NeurIPS",
            "number": "arXiv:2301.00001", "archive": "arXiv", "publisher": "arXiv", "note": "a note",
            "citation-key": "author2023graph", "issued": {"date-parts": [[2023, 1, 2]], "raw": "2023-01-02"},
            "author": [{"given": "A.", "family": "Author", "literal": "A. Author"}]}
SECRET = "s" * 40

# (method, path, base body): each base is valid, so what fails is the one value a case replaces
BODIES = [
    ("post", "events", {"events": [{"id": "e1", "type": "view", "seconds": 30, "ts": 1_700_000_000_000,
                                    "site": "arxiv", "url": "https://arxiv.org/abs/2301.00001", "paper": PAPER}]}),
    ("post", "events", {"events": [{"id": "e2", "type": "save", "paper_id": "2301.00001"}]}),
    ("post", "events", {"events": [{"id": "e3", "type": "search", "query": "graph networks"}]}),
    ("post", "events", {"events": [{"id": "e4", "type": "shown", "paper_ids": ["2301.00001", "2301.00002"]}]}),
    ("post", "recommend", {"context": {"paper": PAPER}, "k": 5, "exclude": ["2301.00002"]}),
    ("post", "recommend", {"context": {"paper_id": "2301.00001"}}),
    ("post", "recommend", {"context": {"query": "graph networks"}}),
    ("post", "score", {"papers": [PAPER], "context": {"query": "graph networks"}}),
    ("post", "import/text", {"text": BIB, "format": "bibtex", "as": "mine"}),
    ("post", "import/text", {"text": json.dumps([CSL_ITEM]), "format": "csljson", "as": "reading-list"}),
    ("post", "import", {"path": "LIBRARY", "format": "bibtex", "as": "mine", "categories": ["cs.LG"],
                        "from": "2023-01-01", "until": "2023-12-31"}),
    ("post", "backfill", {"categories": ["cs.LG", "math.AG"], "since": "2024-01", "until": "2024-02-15"}),
    ("put", "settings", {"fetch": {"enabled": False, "categories": ["cs.LG"], "interval_hours": 6, "feed": "api"}}),
    ("post", "interests/merge", {"papers": ["2301.00001", "2301.00002"]}),
    ("post", "pair/start", {"secret": SECRET}),
    ("post", "pair/status", {"attempt": "no-such-attempt", "secret": SECRET}),
    ("post", "pair/confirm", {"code": "123-456"}),
]


def places(value, path=()):
    """Every place in a JSON value: the value itself, each field of an object and each item of a list."""
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from places(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from places(inner, (*path, index))


def replaced(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


def mutations(bodies):
    for method, endpoint, body in bodies:
        for path in places(body):
            for name, wrong in WRONG.items():
                yield pytest.param(method, endpoint, replaced(body, path, wrong),
                                   id=f"{endpoint}:{'.'.join(map(str, path)) or 'body'}={name}")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One app for all cases (a new one for each of several hundred would take minutes)."""
    root = tmp_path_factory.mktemp("wrong-types")
    config = Config.load(home=root / "home", port=8765)
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    app = create_app(config, engine)
    library = root / "library.bib"
    library.write_text(BIB)
    yield app, library
    app.extensions["readnext.jobs"].stop()
    engine.close()


def send(app, method, endpoint, body, library):
    client = app.test_client()
    headers = {"Host": "127.0.0.1:8765", "Authorization": f"Bearer {app.extensions['readnext'].token}"}
    if endpoint.startswith("pair/start") or endpoint.startswith("pair/status"):
        headers["Origin"] = EXTENSION
    if endpoint == "import" and isinstance(body, dict) and body.get("path") == "LIBRARY":
        body = {**body, "path": str(library)}
    response = getattr(client, method)(f"/api/v1/{endpoint}", data=json.dumps(body),
                                       content_type="application/json", headers=headers)
    if endpoint == "import" and response.status_code == 202:  # one import at a time: let it end
        deadline = time.monotonic() + 30
        while app.extensions["readnext.jobs"].get(response.json["id"]).state == "running":
            assert time.monotonic() < deadline, "the import job never ended"
            time.sleep(0.02)
    return response


@pytest.mark.parametrize("method, endpoint, body", list(mutations(BODIES)))
def test_a_wrong_type_anywhere_is_never_a_500(served, method, endpoint, body):
    app, library = served
    response = send(app, method, endpoint, body, library)
    assert response.status_code < 500, response.json
    if response.status_code >= 400:  # a clear message, not the value sent back
        assert 0 < len(response.json["error"]["message"]) < 1000
    answer = response.json if isinstance(response.json, dict) else {}
    assert all(len(rejected["error"]) < 1000 for rejected in answer.get("rejected", []))


def test_the_valid_bases_are_accepted(served):
    """The cases above test what they claim only if each unmutated body succeeds."""
    app, library = served
    for method, endpoint, body in BODIES:
        status = send(app, method, endpoint, body, library).status_code
        expected = {"interests/merge": 404, "pair/status": 404, "pair/confirm": 404}.get(endpoint, 200)
        assert status in (expected, 202, 429), (endpoint, status)


EVENT_BASES = [body["events"][0] for _, endpoint, body in BODIES if endpoint == "events"]


def event_mutations():
    for base in EVENT_BASES:
        for path in places(base):
            if not path:
                continue
            for name, wrong in WRONG.items():
                yield pytest.param(replaced(base, path, wrong), id=f"{base['type']}:{'.'.join(map(str, path))}={name}")


@pytest.mark.parametrize("bad", list(event_mutations()))
def test_a_wrong_type_in_one_event_rejects_that_event_alone(served, bad):
    app, library = served
    good = {"id": f"good-{time.monotonic_ns()}", "type": "view", "seconds": 30, "paper_id": "2301.00009"}
    if bad.get("id") in [base["id"] for base in EVENT_BASES]:  # a fresh id, or it would be a duplicate
        bad = {**bad, "id": f"bad-{time.monotonic_ns()}"}
    response = send(app, "post", "events", {"events": [bad, good]}, library)
    assert response.status_code == 200, response.json
    answer = response.json
    assert [r["index"] for r in answer["rejected"]] in ([], [0])
    assert answer["accepted"] == 2 - len(answer["rejected"])
    assert good["id"] in {e.id for e in app.extensions["readnext"].history.events()}


def item_mutations():
    for path in places(CSL_ITEM):
        for name, wrong in WRONG.items():
            yield pytest.param(replaced(CSL_ITEM, path, wrong), id=f"{'.'.join(map(str, path)) or 'item'}={name}")


@pytest.mark.parametrize("bad", list(item_mutations()))
def test_a_wrong_type_in_a_csl_item_is_that_item_s_problem_alone(served, bad):
    app, library = served
    good = {"id": "good", "type": "article", "title": f"Good paper {time.monotonic_ns()}"}
    response = send(app, "post", "import/text", {"text": json.dumps([bad, good]), "format": "csljson"}, library)
    assert response.status_code == 200, response.json
    report = response.json
    assert report["papers"] + len(report["problems"]) == 2 and report["recorded"] + report["already_recorded"] >= 1
    assert all(len(problem) < 1000 for problem in report["problems"])

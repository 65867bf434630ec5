"""`readnext backfill`: arXiv's OAI-PMH answers replayed from tests/fixtures/oai, never the network.

The unit tests replay through an injected transport on a fake clock (3 s between requests pass at once); one
test runs the whole path through the API against a stub OAI-PMH server on 127.0.0.1 with the real transport.
"""
import os
import http.server
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, make_paper
from readnext.server.app import create_app
from readnext.ingest.backfill import Backfill, describe, load_state, plan, suggest_categories
from readnext.config import Config
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from readnext.errors import ValidationError
from readnext.server.jobs import Embedding
from readnext.ingest.sources.arxiv_api import ArxivClient, FetchPolicy
from readnext.ingest.sources.arxiv_feed import FetchError
from readnext.ingest.sources.oai import OaiError, parse_records, set_spec
from servers import free_port
from test_sources_arxiv_api import FakeClock, Replay

FIXTURES = REPO / "tests" / "fixtures" / "oai"
LG1, LG2, CL1 = (FIXTURES / f"{name}.xml" for name in ("cs_LG_page1", "cs_LG_page2", "cs_CL_page1"))
NO_RECORDS, BAD_TOKEN, BAD_ARGUMENT = (FIXTURES / f"{name}.xml" for name in
                                       ("no_records_match", "bad_resumption_token", "bad_argument"))
BASE = "https://oaipmh.arxiv.org/oai"


def ok(path):
    return 200, {"Content-Type": "text/xml"}, path.read_bytes()


def replay(*responses, **policy):
    clock = FakeClock()
    transport = Replay(clock, *responses)
    client = ArxivClient(transport, FetchPolicy(**policy), clock=clock.clock, sleep=clock.sleep,
                         wall_clock=lambda: 1_700_000_000.0)
    return client, transport, clock


def test_set_specs_follow_arxivs_naming():
    assert set_spec("cs.LG") == "cs:cs:LG"
    assert set_spec("math.AG") == "math:math:AG"
    assert set_spec("stat.ML") == "stat:stat:ML"
    assert set_spec("astro-ph.CO") == "physics:astro-ph:CO"
    assert set_spec("hep-th") == "physics:hep-th"
    assert set_spec("cs") == "cs"
    with pytest.raises(ValidationError):
        set_spec("cs.LG&verb=Identify")


def test_a_page_gives_its_papers_its_token_and_skips_deleted_records():
    page = parse_records(LG1.read_bytes())
    assert [p.id for p in page.papers] == ["2506.01234", "2312.09999"]
    assert page.deleted == 1 and page.token == "6961524|1001" and page.complete_size == 4
    first = page.papers[0]
    assert first.authors == ["Daniela Kühn", "Deryk Osthus"]  # K\"uhn decoded for display
    assert first.title == "Sparse attention for long sequences" and first.date == "2025-06-02"
    assert first.categories == ["cs.LG", "cs.CL"] and first.abstract.startswith("We study")
    last = parse_records(LG2.read_bytes())
    assert last.token == "" and last.papers[0].authors == ["Andrew Y. Ng", "John Smith Jr"]
    assert last.papers[0].aliases == ["doi:10.1234/icml.2025.42"]
    assert parse_records(NO_RECORDS.read_bytes()).papers == []  # an empty list is not a failure
    with pytest.raises(OaiError, match="badArgument"):
        parse_records(BAD_ARGUMENT.read_bytes())


def test_backfill_pages_through_tokens_politely_and_keeps_papers_of_the_period(engine, tmp_path):
    client, transport, clock = replay(ok(LG1), (503, {"Retry-After": "7"}, b"busy"), ok(LG2), ok(NO_RECORDS))
    pages = []
    state = Backfill(engine, client, plan(["cs.LG", "cs.CL"], "2025-06"), engine.home,
                     on_page=lambda now: pages.append(now.line())).run()
    urls = [url for url, _, _ in transport.requests]
    assert urls == [f"{BASE}?verb=ListRecords&metadataPrefix=arXiv&set=cs:cs:LG&from=2025-06-01",
                    f"{BASE}?verb=ListRecords&resumptionToken=6961524%7C1001",
                    f"{BASE}?verb=ListRecords&resumptionToken=6961524%7C1001",
                    f"{BASE}?verb=ListRecords&metadataPrefix=arXiv&set=cs:cs:CL&from=2025-06-01"]
    times = [at for _, _, at in transport.requests]
    assert all(later - earlier >= 3.0 for earlier, later in zip(times, times[1:]))
    assert times[2] - times[1] >= 7.0  # arXiv's Retry-After was honoured
    sent = " ".join(f"{url} {headers}" for url, headers, _ in transport.requests)
    assert engine.token not in sent and "Cookie" not in sent
    assert state.done and state.stored == 2 and state.older == 1 and state.received == 3 and state.pages == 3
    assert engine.corpus.get("2506.05678").title == "Gradient descent for sequence models"
    assert engine.corpus.get("2312.09999") is None  # first submitted before the period
    assert load_state(engine.home).done and "2 papers stored" in pages[-1]
    assert len(engine.index) == 0  # stored now, embedded later in the background
    embedding = Embedding(engine)
    assert embedding.step() == 2 and len(engine.index) == 2 and embedding.step() == 0


def test_a_killed_backfill_resumes_at_its_page(engine):
    client, transport, _ = replay(ok(LG1), (500, {}, b"gone"), max_retries=0)
    with pytest.raises(FetchError):
        Backfill(engine, client, plan(["cs.LG", "cs.CL"], "2025-06"), engine.home).run()
    saved = load_state(engine.home)
    assert saved.token == "6961524|1001" and saved.pages == 1 and not saved.done
    client, transport, _ = replay(ok(LG2), ok(CL1))
    state = Backfill(engine, client, plan(["cs.LG", "cs.CL"], "2025-06"), engine.home).run()
    assert [url for url, _, _ in transport.requests] == [
        f"{BASE}?verb=ListRecords&resumptionToken=6961524%7C1001",
        f"{BASE}?verb=ListRecords&metadataPrefix=arXiv&set=cs:cs:CL&from=2025-06-01"]
    assert state.done and state.pages == 3 and engine.corpus.count() == 3  # 2506.01234 in both sets, once


def test_an_expired_token_asks_the_set_again(engine):
    client, _, _ = replay(ok(LG1), (500, {}, b"gone"), max_retries=0)
    with pytest.raises(FetchError):
        Backfill(engine, client, plan(["cs.LG"], "2025-06"), engine.home).run()
    client, transport, _ = replay(ok(BAD_TOKEN), ok(LG1), ok(LG2))
    state = Backfill(engine, client, plan(["cs.LG"], "2025-06"), engine.home).run()
    assert transport.requests[1][0] == f"{BASE}?verb=ListRecords&metadataPrefix=arXiv&set=cs:cs:LG&from=2025-06-01"
    assert state.done and engine.corpus.count() == 2


def test_another_period_starts_afresh_and_an_oai_error_stops_the_harvest(engine):
    client, _, _ = replay(ok(LG1), (500, {}, b"gone"), max_retries=0)
    with pytest.raises(FetchError):
        Backfill(engine, client, plan(["cs.LG"], "2025-06"), engine.home).run()
    client, transport, _ = replay(ok(BAD_ARGUMENT))
    with pytest.raises(OaiError, match="Illegal set"):
        Backfill(engine, client, plan(["cs.LG"], "2025-05", "2025-05"), engine.home).run()
    assert transport.requests[0][0].endswith("set=cs:cs:LG&from=2025-05-01&until=2025-05-31")


def test_the_plan_is_checked_and_describes_exactly_what_is_sent():
    with pytest.raises(ValidationError):
        plan([], "2025-06")
    with pytest.raises(ValidationError, match="since"):
        plan(["cs.LG"], "")
    with pytest.raises(ValidationError, match="not a date"):
        plan(["cs.LG"], "June")
    with pytest.raises(ValidationError, match="before"):
        plan(["cs.LG"], "2025-06", "2025-05")
    text = describe(plan(["cs.LG", "cs.CL"], "2025-06"))
    assert "set=cs:cs:LG&from=2025-06-01" in text and "set=cs:cs:CL&from=2025-06-01" in text
    assert "resumptionToken" in text and "3 seconds" in text and "Nothing else is sent" in text


def test_categories_are_suggested_after_the_first_reads(engine):
    assert suggest_categories(engine) == {"papers": 0, "categories": []}
    papers = [make_paper(f"2506.0000{i}", f"Paper {i}", "text", categories=[cat])
              for i, cat in enumerate(["cs.LG", "cs.LG", "cs.CL", "math.AG"])]
    engine.record([{"id": "v0", "type": "view", "seconds": 120, "paper": papers[0]}])
    assert suggest_categories(engine)["categories"] == []  # one read says little
    engine.record([{"id": f"v{i}", "type": "view", "seconds": 120, "paper": p} for i, p in enumerate(papers)])
    assert suggest_categories(engine) == {"papers": 4, "categories": ["cs.LG", "cs.CL", "math.AG"]}


def test_the_embedding_line_counts_and_estimates(engine):
    engine.store_papers([engine_paper(i) for i in range(100)])
    embedding = Embedding(engine, batch=40)
    before = embedding.to_dict()
    assert before["pending"] == 100 and before["eta_s"] is None and before["line"] == "embedding 0 of 100 papers"
    embedding.step()
    after = embedding.to_dict()
    assert after["done"] == 40 and after["total"] == 100 and after["papers_per_s"] > 0
    assert after["line"].startswith("embedding 40 of 100 papers, about ") and after["line"].endswith(" left")
    while embedding.step():
        pass
    assert embedding.to_dict()["line"] == "" and len(engine.index) == 100


def engine_paper(i):
    from readnext.records.papers import paper_from_dict
    return paper_from_dict(make_paper(f"2506.{i:05d}", f"Paper {i} on topic {i % 7}", f"words {i} and more"))


# --- through the API and a stub OAI-PMH server on 127.0.0.1 -----------------------------------------------------
class StubOai(http.server.BaseHTTPRequestHandler):
    """Answers the script: a 503 with Retry-After first, then cs.LG's two pages."""
    script: list = []
    seen: list = []

    def do_GET(self):
        self.seen.append(self.path)
        status, headers, body = self.script.pop(0)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_oai():
    StubOai.script = [(503, {"Retry-After": "1"}, b"slow down"), ok(LG1), ok(LG2)]
    StubOai.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StubOai)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/oai"
    server.shutdown()
    server.server_close()


def test_backfill_through_the_api_is_shown_first_then_harvested_and_embedded(tmp_path, stub_oai):
    config = Config.load(home=tmp_path / "home", port=8765).with_(fetch={"oai_url": stub_oai})
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    app = create_app(config, engine)
    jobs = app.extensions["readnext.jobs"].start()
    client = app.test_client()
    auth = {"Authorization": f"Bearer {engine.token}", "Host": "127.0.0.1:8765"}
    try:
        asked = client.post("/api/v1/backfill", json={"categories": ["cs.LG"], "since": "2025-06"}, headers=auth)
        assert asked.status_code == 200 and asked.json["started"] is False and StubOai.seen == []
        assert "set=cs:cs:LG&from=2025-06-01" in asked.json["traffic"]
        started = client.post("/api/v1/backfill", json={"categories": ["cs.LG"], "since": "2025-06",
                                                        "confirm": True}, headers=auth)
        assert started.status_code == 202
        again = client.post("/api/v1/backfill", json={"categories": ["cs.LG"], "since": "2025-06",
                                                      "confirm": True}, headers=auth)
        assert again.status_code == 409
        job_id = started.json["job"]["id"]
        deadline = time.monotonic() + 60
        while (job := client.get(f"/api/v1/jobs/{job_id}", headers=auth).json)["state"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert job["state"] == "done" and job["result"]["stored"] == 2 and "2 papers stored" in job["line"]
        assert StubOai.seen == ["/oai?verb=ListRecords&metadataPrefix=arXiv&set=cs:cs:LG&from=2025-06-01"] * 2 + [
            "/oai?verb=ListRecords&resumptionToken=6961524%7C1001"]
        while client.get("/api/v1/jobs", headers=auth).json["embedding"]["pending"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        view = client.get("/api/v1/backfill", headers=auth).json
        assert view["state"]["done"] and view["job"]["id"] == job_id and view["embedding"]["line"] == ""
        answer = client.post("/api/v1/recommend", json={"context": {"query": "gradient descent sequence models"},
                                                        "k": 2}, headers=auth).json
        assert answer["items"][0]["paper"]["id"] == "2506.05678"
        from_page = client.post("/api/v1/backfill", json={"categories": ["cs.LG"], "since": "2025-06"},
                                headers={**auth, "Origin": "https://evil.example"})
        assert from_page.status_code == 403
    finally:
        jobs.stop()
        engine.close()


# --- the command ------------------------------------------------------------------------------------------------
def test_the_command_shows_the_requests_then_harvests_and_embeds(tmp_path, capsys):
    from readnext import cli
    factories = cli.Factories(engine=lambda config: ReadNext(config, embedder=HashingEmbedder(64)),
                              arxiv=lambda config: replay(ok(LG1), ok(LG2), ok(CL1))[0])
    home = tmp_path / "home"
    assert cli.main(["backfill", "--categories", "cs.LG", "cs.CL", "--since", "2025-06", "--home", str(home)],
                    factories) == 0
    out, err = capsys.readouterr()
    assert err.index("set=cs:cs:LG&from=2025-06-01") < err.index("harvesting cs.LG (1 of 2)")
    assert "embedding 0 of 3 papers" in err and "all papers embedded" in err
    assert "backfill of cs.LG, cs.CL since 2025-06-01: 4 papers stored from 5 records in 3 pages" in out
    engine = ReadNext(Config.load(home=home), embedder=HashingEmbedder(64))
    try:
        assert engine.corpus.count() == 3 and len(engine.index) == 3
    finally:
        engine.close()
    with pytest.raises(SystemExit):  # --since is required: nothing goes back further than asked
        cli.main(["backfill", "--categories", "cs.LG", "--home", str(home)], factories)
    assert cli.main(["backfill", "--categories", "cs.LG;rm", "--since", "2025-06", "--home", str(home)],
                    factories) == 1
    assert "not an arXiv category" in capsys.readouterr().err


def test_the_command_beside_a_running_server_hands_the_harvest_over(tmp_path, stub_oai, capsys):
    """`readnext backfill` while `serve` runs: the server harvests and embeds, the terminal shows how far."""

    from readnext import cli
    from readnext.cli import client
    from readnext.store import storage
    port = free_port()
    config = Config.load(home=tmp_path / "home", port=port).with_(fetch={"oai_url": stub_oai})
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    app = create_app(config, engine)
    jobs = app.extensions["readnext.jobs"].start()
    from readnext.server.http import listen
    server = listen(app, "127.0.0.1", port, engine.token, config.max_request_bytes)  # waitress, as `serve` runs it
    threading.Thread(target=server.run, daemon=True).start()
    try:
        with storage.exclusive_lock(config.home / "lock"):  # as `readnext serve` holds it
            # the server is this process: its proof names this pid (server/announcement.py)
            storage.atomic_write_json(client.server_file(config), {"port": port, "pid": os.getpid()})
            code = cli.main(["backfill", "--categories", "cs.LG", "--since", "2025-06", "--home", str(config.home)])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "set=cs:cs:LG&from=2025-06-01" in err and "harvested cs.LG: 3 records, 2 papers stored" in err
        assert "backfill of cs.LG since 2025-06-01: 2 papers stored from 3 records in 2 pages" in out
        assert len(engine.index) == 2 and engine.corpus.get("2506.05678") is not None
    finally:
        server.close()
        jobs.stop()
        engine.close()


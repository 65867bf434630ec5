"""The arXiv client against hand-made responses in tests/fixtures/arxiv (see the note atop each file).

No test touches the network: the transport replays responses, and the real urllib transport is tried against a
server on 127.0.0.1.
"""
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from conftest import REPO
from readnext.errors import ValidationError
from readnext.ingest.sources.arxiv_api import (ArxivClient, FetchPolicy, RateLimiter, api_url, check_categories,
                                        describe_traffic, rss_url, urllib_transport)
from readnext.ingest.sources.arxiv_feed import FetchError, parse_atom, parse_rss

FIXTURES = REPO / "tests" / "fixtures" / "arxiv"
PAGE1 = (FIXTURES / "api_cs_LG_cs_CL_page1.xml").read_bytes()
PAGE2 = (FIXTURES / "api_cs_LG_cs_CL_page2.xml").read_bytes()
EMPTY = (FIXTURES / "api_empty.xml").read_bytes()
ERROR = (FIXTURES / "api_error.xml").read_bytes()
PHYSICS = (FIXTURES / "api_hep_ex_doi.xml").read_bytes()
RSS = (FIXTURES / "rss_cs_LG.xml").read_bytes()
CATEGORIES = ["cs.LG", "cs.CL"]
SENT_HEADERS = {"User-Agent", "Accept", "If-None-Match", "If-Modified-Since"}
API_REQUEST = re.compile(r"^https://export\.arxiv\.org/api/query\?search_query=cat:[A-Za-z.\-]+(\+OR\+cat:"
                         r"[A-Za-z.\-]+)*&sortBy=submittedDate&sortOrder=descending&start=\d+&max_results=\d+$")


class FakeClock:
    def __init__(self):
        self.now = 1_000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Replay:
    """A transport answering from a script of responses (or exceptions), keeping every request it was sent."""

    def __init__(self, clock, *responses):
        self.clock = clock
        self.responses = list(responses)
        self.requests = []

    def __call__(self, url, headers):
        self.requests.append((url, dict(headers), self.clock.now))
        response = self.responses.pop(0)
        if isinstance(response, BaseException):
            raise response
        return response


def client_with(*responses, **policy):
    clock = FakeClock()
    transport = Replay(clock, *responses)
    client = ArxivClient(transport, FetchPolicy(**{"page_size": 3, **policy}), clock=clock.clock,
                         sleep=clock.sleep, wall_clock=lambda: 1_700_000_000.0)
    return client, transport, clock


def ok(body, **headers):
    return 200, headers, body


def test_builds_exactly_the_documented_request():
    assert api_url(CATEGORIES, base="http://export.arxiv.org/api/query") == (
        "http://export.arxiv.org/api/query?search_query=cat:cs.LG+OR+cat:cs.CL&sortBy=submittedDate"
        "&sortOrder=descending&start=0&max_results=100")
    assert api_url(["math.AG"], start=200, max_results=50) == (
        "https://export.arxiv.org/api/query?search_query=cat:math.AG&sortBy=submittedDate&sortOrder=descending"
        "&start=200&max_results=50")
    assert rss_url(["cs.LG", "q-bio.NC", "hep-th"]) == "https://rss.arxiv.org/rss/cs.LG+q-bio.NC+hep-th"


@pytest.mark.parametrize("bad", [[], ["cs.LG&max_results=9999"], ["cs LG"], ["../etc"], ["CS.lg"], [""],
                                 ["cs.LG", "my reading history"], [None], [["cs.LG"]], [{}], "cs.LG", 7, None,
                                 {"cs.LG": 1}])
def test_only_category_names_can_reach_a_request(bad):
    with pytest.raises(ValidationError):
        check_categories(bad)


def test_parses_an_api_page():
    page = parse_atom(PAGE1)
    assert (page.total_results, page.start_index, page.skipped) == (5, 0, 0)
    lora, bert, attention = page.papers
    assert lora.id == "2106.09685" and lora.date == "2021-06-17" and lora.year == 2021
    assert lora.categories == ["cs.CL", "cs.AI", "cs.LG"]  # primary first
    assert lora.authors[0] == "Edward J. Hu" and len(lora.authors) == 8
    assert lora.url == "https://arxiv.org/abs/2106.09685" and lora.source == "fetch"
    assert lora.abstract.startswith("An important paradigm of natural language processing consists of large-scale "
                                    "pre-training")
    assert bert.title == "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    assert attention.categories == ["cs.CL", "cs.LG"]
    second = parse_atom(PAGE2)  # namespaces declared once on the feed, elements in another order
    assert [p.id for p in second.papers] == ["1412.6980", "1312.6114"] and second.start_index == 3
    assert second.papers[1].categories == ["stat.ML", "cs.LG"]


def test_reads_doi_and_journal_ref_and_skips_an_entry_without_an_arxiv_id():
    page = parse_atom(PHYSICS)
    atlas, cms = page.papers
    assert atlas.id == "1207.7214" and atlas.aliases == ["doi:10.1016/j.physletb.2012.08.020"]
    assert atlas.venue == "Phys. Lett. B 716 (2012) 1-29" and atlas.authors == ["ATLAS Collaboration"]
    assert cms.aliases == ["doi:10.1016/j.physletb.2012.08.021"]
    assert page.skipped == 1


def test_error_feeds_and_garbage_raise_fetch_errors():
    with pytest.raises(FetchError, match="incorrect id format for 1234.12345"):
        parse_atom(ERROR)
    with pytest.raises(FetchError, match="not XML"):
        parse_atom(b"<html><body>Service Unavailable")
    bomb = b'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa">]><feed>&a;</feed>'
    with pytest.raises(FetchError, match="entities"):
        parse_atom(bomb)


def test_parses_the_rss_feed_keeping_first_announcements_by_default():
    page = parse_rss(RSS)
    assert [p.id for p in page.papers] == ["2312.00752", "2305.18290", "1706.03762"]
    mamba = page.papers[0]
    assert mamba.title == "Mamba: Linear-Time Sequence Modeling with Selective State Spaces"
    assert mamba.authors == ["Albert Gu", "Tri Dao"] and mamba.categories == ["cs.LG", "cs.AI"]
    assert mamba.abstract.startswith("Foundation models, now powering") and mamba.date == "2023-12-04"
    everything = parse_rss(RSS, announce_types=None)
    assert [p.id for p in everything.papers][3:] == ["2205.14135", "2106.09685"]
    flash = everything.papers[3]
    assert flash.authors[-1] == "Christopher Ré"  # TeX accent decoded
    assert flash.date == ""  # a replacement's announcement day is not its first version's


def test_rate_limiter_spaces_calls_without_real_waiting():
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock.clock, clock.sleep)
    limiter.wait()
    clock.now += 1.0
    limiter.wait()
    clock.now += 5.0
    limiter.wait()
    assert clock.sleeps == [2.0]


def test_fetches_pages_politely_and_sends_only_category_names():
    client, transport, clock = client_with(ok(PAGE1, ETag='"v1"'), ok(PAGE2))
    result = client.fetch_new(CATEGORIES)
    assert [p.id for p in result.papers] == ["2106.09685", "1810.04805", "1706.03762", "1412.6980", "1312.6114"]
    assert (result.pages, result.requests, result.complete, result.not_modified) == (2, 2, True, False)
    (url1, headers1, t1), (url2, headers2, t2) = transport.requests
    assert url1.endswith("&start=0&max_results=3") and url2.endswith("&start=3&max_results=3")
    assert t2 - t1 >= 3.0
    for url, headers, _ in transport.requests:
        assert API_REQUEST.match(url)
        assert set(headers) <= SENT_HEADERS and headers["User-Agent"].startswith("ReadNext/")
    assert "If-None-Match" not in headers1  # nothing known yet
    assert client.validators == {url1: {"etag": '"v1"'}}  # the first page only: later ones have no body to keep


def test_an_unchanged_feed_is_not_sent_again():
    client, transport, _ = client_with(ok(PAGE1, ETag='"v1"', **{"Last-Modified": "Fri, 18 Jun 2021 04:00:00 GMT"}),
                                       ok(PAGE2), (304, {}, b""))
    client.fetch_new(CATEGORIES)
    again = client.fetch_new(CATEGORIES)
    assert again.not_modified and again.papers == [] and again.requests == 1
    _, headers, _ = transport.requests[-1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Fri, 18 Jun 2021 04:00:00 GMT"


def test_stops_at_papers_older_than_the_last_run():
    client, transport, _ = client_with(ok(PAGE1))
    result = client.fetch_new(CATEGORIES, since="2018-01-01")
    assert [p.id for p in result.papers] == ["2106.09685", "1810.04805"]
    assert len(transport.requests) == 1 and result.complete


def test_page_cap_ends_a_run():
    client, transport, _ = client_with(ok(PAGE1), max_pages=1)
    result = client.fetch_new(CATEGORIES)
    assert len(result.papers) == 3 and len(transport.requests) == 1 and not result.complete


def test_503_waits_as_long_as_retry_after_says():
    client, transport, clock = client_with((503, {"Retry-After": "120"}, b"busy"), ok(PAGE1), max_pages=1)
    result = client.fetch_new(CATEGORIES)
    assert len(result.papers) == 3 and result.requests == 2
    assert clock.sleeps == [120]
    assert transport.requests[1][2] - transport.requests[0][2] == 120


def test_retry_after_as_a_date_is_read_against_the_servers_clock():
    busy = (503, {"Retry-After": "Wed, 21 Oct 2015 07:28:40 GMT", "Date": "Wed, 21 Oct 2015 07:28:00 GMT"}, b"")
    client, _, clock = client_with(busy, ok(PAGE1), max_pages=1)
    client.fetch_new(CATEGORIES)
    assert clock.sleeps == [40]


def test_a_retry_after_beyond_the_limit_ends_the_run_without_waiting():
    client, transport, clock = client_with((503, {"Retry-After": "3600"}, b""))
    with pytest.raises(FetchError, match="asks to wait 3600 s"):
        client.fetch_new(CATEGORIES)
    assert clock.sleeps == [] and len(transport.requests) == 1


def test_errors_back_off_exponentially_then_give_up():
    client, transport, clock = client_with(*[(500, {}, b"oops")] * 5)
    with pytest.raises(FetchError, match="gave up after 5 tries"):
        client.fetch_new(CATEGORIES)
    assert clock.sleeps == [3, 6, 12, 24] and len(transport.requests) == 5


def test_network_failures_are_retried():
    client, _, clock = client_with(ConnectionResetError("reset"), TimeoutError("timed out"), ok(PAGE1),
                                   max_pages=1)
    assert len(client.fetch_new(CATEGORIES).papers) == 3
    assert clock.sleeps == [3, 6]


def test_a_refused_request_is_not_retried_and_says_why():
    client, transport, _ = client_with((400, {}, ERROR))
    with pytest.raises(FetchError, match="400.*incorrect id format"):
        client.fetch_new(CATEGORIES)
    assert len(transport.requests) == 1


def test_an_empty_page_for_a_query_with_results_is_asked_again():
    flaky = EMPTY.replace(b"<opensearch:totalResults>0<", b"<opensearch:totalResults>5<")
    client, transport, _ = client_with(ok(flaky), ok(PAGE1), max_pages=1)
    assert len(client.fetch_new(CATEGORIES).papers) == 3 and len(transport.requests) == 2
    client, _, _ = client_with(ok(EMPTY))
    result = client.fetch_new(CATEGORIES)  # a query without results is simply empty
    assert result.papers == [] and result.complete


def test_an_interrupted_run_keeps_no_validators():
    client, _, _ = client_with(ok(PAGE1, ETag='"v1"'), (400, {}, ERROR))
    with pytest.raises(FetchError):
        client.fetch_new(CATEGORIES)
    assert client.validators == {}  # the next run asks for everything again


def test_rss_is_fetched_conditionally():
    client, transport, _ = client_with(ok(RSS, ETag='"rss1"'), (304, {}, b""))
    first = client.fetch_rss(CATEGORIES)
    assert [p.id for p in first.papers] == ["2312.00752", "2305.18290", "1706.03762"]
    second = client.fetch_rss(CATEGORIES)
    assert second.not_modified and second.papers == []
    assert transport.requests[0][0] == "https://rss.arxiv.org/rss/cs.LG+cs.CL"
    assert transport.requests[1][1]["If-None-Match"] == '"rss1"'


def test_describes_its_traffic_for_the_settings_page():
    text = describe_traffic(CATEGORIES)
    assert "cs.LG, cs.CL" in text
    assert ("GET https://export.arxiv.org/api/query?search_query=cat:cs.LG+OR+cat:cs.CL&sortBy=submittedDate"
            "&sortOrder=descending&start=0&max_results=100") in text
    assert "not your reading history" in text and "every 3 seconds" in text
    assert "https://rss.arxiv.org/rss/cs.LG+cs.CL" in describe_traffic(CATEGORIES, feed="rss")
    client, _, _ = client_with()
    assert "max_results=3" in client.describe_traffic(CATEGORIES)


@pytest.mark.parametrize("bad", [{"min_interval_s": 1.0}, {"page_size": 0}, {"page_size": 5000},
                                 {"max_pages": 0}, {"max_retries": -1}])
def test_policy_cannot_be_made_impolite(bad):
    with pytest.raises(ValidationError):
        FetchPolicy(**bad)


@pytest.fixture
def local_server():
    """A server on 127.0.0.1 playing arXiv: the page with an ETag, 304 when it is sent back, 503 on /busy."""
    class Handler(BaseHTTPRequestHandler):
        seen = []

        def do_GET(self):
            Handler.seen.append(dict(self.headers))
            if self.path.startswith("/busy"):
                self.send_response(503)
                self.send_header("Retry-After", "7")
                self.end_headers()
                self.wfile.write(b"busy")
            elif self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
            else:
                self.send_response(200)
                self.send_header("ETag", '"v1"')
                self.send_header("Content-Length", str(len(PAGE1)))
                self.end_headers()
                self.wfile.write(PAGE1)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", Handler.seen
    server.shutdown()
    server.server_close()


def test_the_urllib_transport_returns_statuses_instead_of_raising(local_server):
    base, seen = local_server
    transport = urllib_transport(timeout_s=5)
    status, headers, body = transport(base + "/api/query", {"User-Agent": "ReadNext/test"})
    assert (status, headers["ETag"], body) == (200, '"v1"', PAGE1)
    assert seen[0]["User-Agent"] == "ReadNext/test"
    assert transport(base + "/api/query", {"If-None-Match": '"v1"'})[0] == 304
    status, headers, body = transport(base + "/busy", {})
    assert (status, headers["Retry-After"], body) == (503, "7", b"busy")
    with pytest.raises(FetchError, match="larger than"):
        urllib_transport(timeout_s=5, max_bytes=100)(base + "/api/query", {})


def test_the_client_over_the_real_transport(local_server):
    base, seen = local_server
    clock = FakeClock()
    client = ArxivClient(policy=FetchPolicy(api_url=base + "/api/query", page_size=100, timeout_s=5),
                         clock=clock.clock, sleep=clock.sleep)
    first = client.fetch_new(CATEGORIES)
    assert [p.id for p in first.papers] == ["2106.09685", "1810.04805", "1706.03762"]
    assert client.fetch_new(CATEGORIES).not_modified
    assert seen[-1]["If-None-Match"] == '"v1"' and set(seen[-1]) <= SENT_HEADERS | {"Host", "Connection",
                                                                                    "Accept-Encoding"}

"""What the content scripts capture on real saved pages reaches the real backend."""
import time

import pytest

from .harness import (ABSTRACT, EXTENSION_ORIGIN, LISTING, SCHOLAR, SIDEBAR, configure, now_ms, shadow_call, stored,
                      wait_until)

pytestmark = pytest.mark.browser

SCHOLAR_OLD = "https://scholar.google.com/scholar?q=%22Learning+deep+architectures+for+AI%22&hl=en"
CAPTCHA = "https://scholar.google.com/scholar?q=bull+pass&hl=en"
PROFILE = "https://scholar.google.com/citations?user=amIMrIEAAAAJ&hl=en"
ELSEWHERE = "https://arxiv.org/help"
LINE = "readnext-profile"


def test_abstract_page_view_reaches_backend_with_visible_time(browser, backend):
    configure(browser, backend, min_seconds=1)
    start = now_ms()
    browser.get(ABSTRACT)
    time.sleep(1.6)
    browser.get(ELSEWHERE)  # leaving the page reports the time it was visible

    views = wait_until(lambda: [e for e in backend.events(start) if e["type"] == "view" and e["url"] == ABSTRACT],
                       message="the view event")
    assert len(views) == 1
    view = views[0]
    assert view["paper_id"] == "2106.09608"
    assert 1.5 <= view["seconds"] <= 30  # slept 1.6 s on the page, counted from the document being ready
    assert view["site"] == "arxiv"
    paper = backend.api("GET", "papers/2106.09608")
    assert paper["title"] == "Learning Knowledge Graph-based World Models of Textual Environments"
    assert paper["authors"] == ["Prithviraj Ammanabrolu", "Mark O. Riedl"]
    assert paper["year"] == 2021 and paper["categories"][:1] == ["cs.LG"]


def delivered_after(browser, backend, start):
    """Opens a page whose two events are sure to be delivered and waits for them: anything captured before it
    (through the same outbox and queue) has reached the backend by then, too."""
    browser.get(SCHOLAR_OLD)
    wait_until(lambda: len([e for e in backend.events(start) if e["url"] == SCHOLAR_OLD]) == 2, message="2 events")
    return [e for e in backend.events(start) if e["url"] != SCHOLAR_OLD]


def test_a_glance_shorter_than_the_minimum_is_not_a_view(browser, backend):
    configure(browser, backend, min_seconds=30)
    start = now_ms()
    browser.get(ABSTRACT)
    time.sleep(0.5)
    browser.get(ELSEWHERE)
    assert delivered_after(browser, backend, start) == []


def test_pdf_click_is_recorded(browser, backend):
    configure(browser, backend, min_seconds=600)
    start = now_ms()
    browser.get(ABSTRACT)
    browser.find_element("css selector", "a.mobile-submission-download").click()
    pdfs = wait_until(lambda: [e for e in backend.events(start) if e["type"] == "pdf"], message="the pdf event")
    assert [e["paper_id"] for e in pdfs] == ["2106.09608"]


def test_scholar_results_all_ten_hits_and_the_query_reach_backend(browser, backend):
    configure(browser, backend)
    start = now_ms()
    browser.get(SCHOLAR)
    impressions = wait_until(
        lambda: [e for e in backend.events(start) if e["type"] == "impression" and e["url"] == SCHOLAR],
        message="ten impressions")
    assert len(impressions) == 10
    ids = {e["paper_id"] for e in impressions}
    assert len(ids) == 10 and all(i.startswith("scholar:") for i in ids)
    searches = [e for e in backend.events(start) if e["type"] == "search" and e["url"] == SCHOLAR]
    assert [s["query"] for s in searches] == ["olympus range"]
    plutonic = backend.api("GET", "papers/scholar:8188755959889491825")
    assert plutonic["title"].startswith("Plutonic rocks from the Cape Roberts hinterland")
    assert plutonic["authors"] == ["PJ Forsyth", "N Mortimer", "IM Turnbull"]
    assert plutonic["venue"] == "Terra Antartica" and plutonic["year"] == 2002 and plutonic["cited_by"] == 6


def test_scholar_captcha_page_sends_nothing(browser, backend):
    configure(browser, backend)
    start = now_ms()
    browser.get(CAPTCHA)
    time.sleep(1.0)  # on a results page the sidebar is up well within this
    assert browser.execute_script(f"return document.querySelector('{SIDEBAR}') === null")
    assert delivered_after(browser, backend, start) == []


def test_listing_entries_are_impressions_with_their_abstracts(browser, backend):
    configure(browser, backend)
    start = now_ms()
    browser.get(LISTING)
    impressions = wait_until(
        lambda: [e for e in backend.events(start) if e["type"] == "impression" and e["url"] == LISTING],
        message="the listing's impressions")
    assert len(impressions) == 8
    paper = backend.api("GET", "papers/2411.07001")
    assert paper["abstract"].startswith("Agents that play text-based games")
    assert paper["authors"] == ["Ada Okafor", "Mats Lindqvist"]


def test_paused_capture_records_nothing(browser, backend):
    configure(browser, backend)
    browser.get(f"{EXTENSION_ORIGIN}/extension/popup/popup.html")
    browser.find_element("id", "paused").click()
    wait_until(lambda: (stored(browser, "settings") or {}).get("paused"), message="capture to pause")
    start = now_ms()
    browser.get(SCHOLAR)
    time.sleep(1.5)
    assert backend.events(start) == []


def test_this_is_me_on_a_scholar_profile_records_the_papers_as_mine(browser, backend):
    configure(browser, backend)
    start = now_ms()
    browser.get(PROFILE)
    offer = "function () { return this.querySelector('[data-state=\"offer\"] button[data-action=accept]')?.textContent ?? ''; }"
    assert wait_until(lambda: shadow_call(browser, LINE, offer), message="the offer") == "This is me"
    assert backend.events(start) == []  # a profile page records nothing by itself
    shadow_call(browser, LINE, "function () { this.querySelector('button[data-action=accept]').click(); }")
    own = wait_until(lambda: [e for e in backend.events(start) if e["type"] == "authored"], message="the papers")
    assert len(own) == 20 and all(e["url"] == PROFILE for e in own)
    status = backend.api("POST", "score", {"papers": [{"id": own[0]["paper_id"]}]})
    assert status["items"][0]["state"] == "own"
    done = "function () { return this.querySelector('[data-state]').dataset.state; }"
    assert wait_until(lambda: shadow_call(browser, LINE, done) == "yours", message="the result")
    for event in own:  # leave the shared backend's history as it was
        backend.api("DELETE", f"history/{event['paper_id']}")

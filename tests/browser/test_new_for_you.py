"""The New for you page in Chromium against a real backend: the followed category's papers best first with their
reasons, opened from the popup, "More" for the next page, and a later visit showing only what was not seen."""
import contextlib
from datetime import date

import pytest

from .firefox import FIREFOX_ORIGIN
from .harness import EXTENSION_ORIGIN, Backend, configure, seed_papers, wait_until
from .test_firefox import firefox, xpi  # noqa: F401 (the fixtures)

pytestmark = pytest.mark.browser

NEW = f"{EXTENSION_ORIGIN}/extension/new/new.html"
READ = 4


@contextlib.contextmanager
def backend_with_new_papers(home):
    """A backend following cs.LG, whose corpus has today's cs.LG papers and a history of READ of them."""
    papers = [{**p, "date": date.today().isoformat(), "categories": ["cs.LG"]} for p in seed_papers()]
    server = Backend(home).start()
    events = [{"id": f"impression-{p['id']}", "type": "impression", "paper": p, "site": "arxiv"} for p in papers]
    events += [{"id": f"view-{p['id']}", "type": "view", "paper_id": p["id"], "seconds": 90.0, "site": "arxiv"}
               for p in papers[:READ]]
    try:
        server.api("POST", "events", {"events": events})
        server.api("PUT", "settings", {"fetch": {"categories": ["cs.LG"]}})
        yield server, papers
    finally:
        server.stop()


@pytest.fixture(scope="module")
def new_backend(tmp_path_factory):
    with backend_with_new_papers(tmp_path_factory.mktemp("new-backend") / "home") as served:
        yield served


def cards(driver):
    return driver.execute_script("""return [...document.querySelectorAll('#new-list .new-card')].map((card) => ({
      id: card.dataset.paperId, score: parseInt(card.querySelector('.score').textContent, 10),
      reasons: [...card.querySelectorAll('.reasons li')].map((r) => r.textContent),
      authors: card.querySelector('.authors').textContent}));""")


def pages_loaded(driver, count):
    return wait_until(lambda: driver.execute_script("return Number(document.body.dataset.pages ?? 0)") >= count,
                      message=f"page {count} of New for you")


def test_best_first_with_reasons_more_and_marked_seen(browser, new_backend):
    server, papers = new_backend
    configure(browser, server)
    browser.get(f"{EXTENSION_ORIGIN}/extension/popup/popup.html")
    wait_until(lambda: browser.find_element("id", "counts").text, message="the popup")
    assert browser.find_element("id", "open-new").get_attribute("href") == NEW
    browser.get(NEW)
    pages_loaded(browser, 1)
    first = cards(browser)
    read = {p["id"] for p in papers[:READ]}
    assert len(first) == 10 and not {c["id"] for c in first} & read
    assert [c["score"] for c in first] == sorted((c["score"] for c in first), reverse=True)
    assert all(c["reasons"] and c["authors"] for c in first)
    assert "cs.LG" in browser.find_element("id", "followed").text

    browser.find_element("id", "more").click()
    pages_loaded(browser, 2)
    both = cards(browser)
    assert len(both) == len(papers) - READ and len({c["id"] for c in both}) == len(both)
    assert min(c["score"] for c in first) >= max(c["score"] for c in both[10:])
    assert not browser.find_element("id", "more").is_displayed()

    browser.refresh()  # a later visit: everything was shown, so nothing is new
    pages_loaded(browser, 1)
    assert cards(browser) == []
    assert "Nothing new" in browser.find_element("id", "summary").text


def test_reachable_from_your_readnext(browser, new_backend):
    configure(browser, new_backend[0])
    browser.get(f"{EXTENSION_ORIGIN}/extension/yours/yours.html")
    link = wait_until(lambda: browser.find_element("id", "open-new"), message="the link")
    assert link.get_attribute("href") == NEW


def test_the_options_offer_to_follow_the_suggested_categories_showing_the_requests_first(browser, own_backend):
    configure(browser, own_backend)
    browser.get(f"{EXTENSION_ORIGIN}/extension/options/options.html")
    offer = wait_until(lambda: browser.find_element("id", "follow-offer").text, message="the offer to follow")
    assert "cs.CL" in offer  # what the seeded history (BERT) reads
    assert not browser.find_element("id", "follow-on").is_displayed()  # not before the requests are shown
    browser.find_element("id", "follow-show").click()
    traffic = wait_until(lambda: browser.find_element("id", "follow-traffic").text, message="the requests")
    assert "cs.CL" in traffic and "http" in traffic
    assert own_backend.api("GET", "settings")["fetch"]["enabled"] is False  # showing is not following
    browser.find_element("id", "follow-on").click()
    wait_until(lambda: "Following cs.CL" in browser.find_element("id", "follow-result").text, message="following")
    fetch = own_backend.api("GET", "settings")["fetch"]
    assert fetch["enabled"] is True and fetch["categories"] == ["cs.CL"]


def test_the_new_for_you_page_in_firefox(firefox, tmp_path):  # noqa: F811 (the fixture)
    with backend_with_new_papers(tmp_path / "home") as (server, papers):
        configure(firefox, server, origin=FIREFOX_ORIGIN)
        firefox.get(f"{FIREFOX_ORIGIN}/extension/new/new.html")
        pages_loaded(firefox, 1)
        first = cards(firefox)
        assert len(first) == 10 and all(c["reasons"] for c in first)
        assert [c["score"] for c in first] == sorted((c["score"] for c in first), reverse=True)
        firefox.find_element("id", "more").click()
        pages_loaded(firefox, 2)
        assert len({c["id"] for c in cards(firefox)}) == len(papers) - READ

"""The options page's backfill section: categories suggested from what the user reads, and nothing sent to arXiv
until the user has seen the exact requests and clicked again."""
import pytest

from .harness import EXTENSION_ORIGIN, Backend, configure, seed_papers, wait_until

pytestmark = pytest.mark.browser
OPTIONS = f"{EXTENSION_ORIGIN}/extension/options/options.html"


@pytest.fixture
def reader_backend(tmp_path):
    """A backend whose user has read three cs.CL and cs.LG papers."""
    server = Backend(tmp_path / "home").start()
    papers = [p for p in seed_papers(60) if p["categories"][0] in ("cs.CL", "cs.LG")][:3]
    server.api("POST", "events", {"events": [
        {"id": f"read-{p['id']}", "type": "view", "paper": p, "seconds": 90.0, "site": "arxiv"} for p in papers]})
    yield server, sorted({p["categories"][0] for p in papers})
    server.kill()


def text(driver, element_id):
    return driver.find_element("id", element_id).text


def test_the_options_suggest_categories_and_show_the_requests_before_sending(browser, reader_backend):
    backend, read = reader_backend
    configure(browser, backend)
    browser.get(OPTIONS)
    suggestion = wait_until(lambda: text(browser, "backfill-suggestion"), message="a suggestion")
    assert all(category in suggestion for category in read)
    browser.find_element("css selector", "#backfill-suggestion button").click()
    assert sorted(browser.find_element("id", "backfill-categories").get_attribute("value").split()) == read
    browser.execute_script("document.getElementById('backfill-since').value = '2025-06'")
    browser.find_element("id", "backfill-start").click()
    traffic = wait_until(lambda: text(browser, "backfill-traffic"), message="the requests")
    assert all(f"set={category.replace('.', ':', 1).replace('cs:', 'cs:cs:', 1)}&from=2025-06-01" in traffic
               for category in read)
    assert "Nothing else is sent" in traffic and backend.token not in traffic
    assert "click again" in text(browser, "backfill-result")
    assert text(browser, "backfill-start") == "Send these requests to arXiv"
    assert backend.api("GET", "backfill")["job"] is None  # shown, not sent

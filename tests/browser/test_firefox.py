"""The extension in Firefox ESR, a smoke subset: it loads (Manifest V3 with background scripts, host permissions
granted), captures an arXiv abstract and a Scholar results page, shows the sidebar, keeps events while the backend
is down and delivers them when it is back, and pairs with a code. Same fake sites and real backend as in Chromium.
Skips without Firefox or geckodriver, and fails instead under READNEXT_REQUIRE_BROWSER=1 (CI)."""
import os
import time

import pytest

from .firefox import FIREFOX_ORIGIN, missing, pack_extension, start_firefox
from .harness import ABSTRACT, ARTIFACTS, SCHOLAR, SIDEBAR, configure, extension_call, now_ms, stored, wait_until
from .test_pairing import confirm_in_terminal, pair_in_options

pytestmark = pytest.mark.browser

SCHOLAR_OLD = "https://scholar.google.com/scholar?q=%22Learning+deep+architectures+for+AI%22&hl=en"
ELSEWHERE = "https://arxiv.org/help"


@pytest.fixture(scope="module")
def xpi(tmp_path_factory):
    problem = missing()
    if problem:
        if os.environ.get("READNEXT_REQUIRE_BROWSER") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    return pack_extension(tmp_path_factory.mktemp("xpi") / "readnext.xpi")


@pytest.fixture
def firefox(fake_site, xpi, tmp_path):
    driver = start_firefox(fake_site.port, xpi, tmp_path / "geckodriver.log")
    try:
        yield driver
    finally:
        driver.quit()


def sidebar_card_ids(driver) -> list[str]:
    """The paper ids of the sidebar's cards. Firefox's WebDriver reaches the closed shadow root directly."""
    hosts = driver.find_elements("css selector", SIDEBAR)
    if not hosts:
        return []
    return [card.get_attribute("data-paper-id") for card in hosts[0].shadow_root.find_elements("css selector", "article.card")]


def test_loads_captures_arxiv_and_scholar_and_shows_the_sidebar(firefox, backend):
    permissions = extension_call(firefox, "done(await browser.permissions.getAll());", origin=FIREFOX_ORIGIN)
    assert set(permissions["origins"]) >= {"https://arxiv.org/*", "https://scholar.google.com/*", "http://127.0.0.1/*"}
    configure(firefox, backend, min_seconds=1, origin=FIREFOX_ORIGIN)
    start = now_ms()
    firefox.get(ABSTRACT)
    cards = wait_until(lambda: sidebar_card_ids(firefox), timeout=40, message="sidebar cards")
    assert "2106.09608" not in cards  # recommendations beside the paper, not the paper itself
    ARTIFACTS.mkdir(exist_ok=True)
    firefox.save_screenshot(str(ARTIFACTS / "firefox-sidebar-arxiv-abstract.png"))
    time.sleep(1.2)
    firefox.get(SCHOLAR)
    views = wait_until(lambda: [e for e in backend.events(start) if e["type"] == "view" and e["url"] == ABSTRACT],
                       message="the view of the abstract")
    assert [v["paper_id"] for v in views] == ["2106.09608"] and views[0]["seconds"] >= 1
    scholar = wait_until(lambda: len([e for e in backend.events(start) if e["url"] == SCHOLAR]) == 11
                         and [e for e in backend.events(start) if e["url"] == SCHOLAR], message="11 Scholar events")
    assert sorted(e["type"] for e in scholar) == ["impression"] * 10 + ["search"]
    assert all(e["site"] == "scholar" for e in scholar)


def test_offline_queue_delivers_when_the_backend_is_back(firefox, stopped_backend):
    backend = stopped_backend
    configure(firefox, backend, origin=FIREFOX_ORIGIN)
    start = now_ms()
    firefox.get(SCHOLAR)  # 1 search + 10 impressions, while the backend is down
    queued = wait_until(lambda: len(stored(firefox, "queue", FIREFOX_ORIGIN) or []) == 11
                        and stored(firefox, "queue", FIREFOX_ORIGIN), message="eleven queued events")
    backend.start()
    firefox.get(SCHOLAR_OLD)  # the next page delivers the queue and its own 2 events
    wait_until(lambda: stored(firefox, "queue", FIREFOX_ORIGIN) == [], timeout=30, message="an empty queue")
    events = wait_until(lambda: len(backend.events(start)) >= 13 and backend.events(start), message="13 events")
    assert {e["id"] for e in queued} <= {e["id"] for e in events}
    assert len(events) == len({e["id"] for e in events}) == 13


def test_pairs_with_a_code(firefox, backend):
    code = pair_in_options(firefox, backend, f"{FIREFOX_ORIGIN}/extension/options/options.html")
    waiting = backend.api("GET", "pair/requests")["requests"]
    assert {"code": code, "origin": FIREFOX_ORIGIN} in [{k: r[k] for k in ("code", "origin")} for r in waiting]
    confirm_in_terminal(backend, code)
    wait_until(lambda: "Paired" in firefox.find_element("id", "pair-status").text, message="the page to say Paired")
    assert stored(firefox, "token", FIREFOX_ORIGIN) == backend.token


def test_withdrawn_site_access_is_shown_with_a_way_to_allow_it(firefox):
    """Firefox lets the user withdraw host permissions (and before 127 did not grant them at install)."""
    options = f"{FIREFOX_ORIGIN}/extension/options/options.html"
    firefox.get(options)
    assert not firefox.find_element("id", "access").is_displayed()
    removed = extension_call(firefox, "done(await browser.permissions.remove({origins: ['https://arxiv.org/*']}));",
                             origin=FIREFOX_ORIGIN)
    assert removed is True
    firefox.get(options)
    wait_until(lambda: firefox.find_element("id", "access").is_displayed(), message="the site access notice")
    assert firefox.find_element("id", "access-missing").text == "arxiv.org"
    assert firefox.find_element("id", "allow-access").is_displayed()

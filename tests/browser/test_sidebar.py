"""The sidebar: explained recommendations, actions that reach the backend, marks on list pages, isolation."""
import time

import pytest
from selenium.common.exceptions import NoAlertPresentException

from .harness import (ABSTRACT, ARTIFACTS, CLICK_JS, EXTENSION_ORIGIN, LISTING, SCHOLAR, SIDEBAR, configure, now_ms,
                      shadow_call, shadow_calls, sidebar_cards, sidebar_state, stored, wait_until)

pytestmark = pytest.mark.browser

XSS_ID = "2411.07003"
XSS_TITLE = "Interactive Fiction Agents <img src=x onerror=alert(1)> that Read Commonsense Knowledge Graphs"

MARK_JS = """function () {
  const entry = this.host.closest('dd')?.previousElementSibling?.querySelector('a[title="Abstract"]');
  const label = this.querySelector('span');
  return [entry.textContent.trim().replace('arXiv:', ''), label.className, label.textContent, label.title];
}"""


def cards_shown(driver):
    return wait_until(lambda: sidebar_state(driver) == "cards" and sidebar_cards(driver), message="sidebar cards")


def test_abstract_page_shows_recommendations_with_reasons(browser, backend):
    configure(browser, backend)
    browser.get(ABSTRACT)
    cards = cards_shown(browser)
    assert len(cards) >= 3
    assert all(card["title"] and card["score"].endswith("%") for card in cards)
    assert cards[0]["chips"], cards  # the best match says why; weak ones may have no reason worth showing
    chips = [chip for card in cards for chip in card["chips"]]
    assert any(chip.startswith("Because you read") for chip in chips), chips
    assert "2106.09608" not in {card["id"] for card in cards}


def test_thumbs_down_removes_the_card_and_backend_records_it(browser, backend):
    configure(browser, backend)
    browser.get(ABSTRACT)
    first = cards_shown(browser)[0]
    start = now_ms()
    shadow_call(browser, SIDEBAR, CLICK_JS, first["id"], "dismiss")
    assert first["id"] not in {card["id"] for card in sidebar_cards(browser)}  # at once, before any answer
    dismissals = wait_until(lambda: [e for e in backend.events(start) if e["type"] == "dismiss"],
                            message="the dismiss event")
    assert [e["paper_id"] for e in dismissals] == [first["id"]]
    profile = backend.api("GET", "profile")
    assert first["id"] in {paper["id"] for paper in profile["dismissed"]}
    browser.refresh()
    assert first["id"] not in {card["id"] for card in cards_shown(browser)}


def test_thumbs_up_saves(browser, backend):
    configure(browser, backend)
    browser.get(ABSTRACT)
    first = cards_shown(browser)[0]
    start = now_ms()
    shadow_call(browser, SIDEBAR, CLICK_JS, first["id"], "save")
    saves = wait_until(lambda: [e for e in backend.events(start) if e["type"] == "save"], message="the save event")
    assert [e["paper_id"] for e in saves] == [first["id"]]
    assert first["id"] in {card["id"] for card in sidebar_cards(browser)}


def test_listing_marks_the_best_papers_and_lists_them_first(browser, own_backend):
    backend = own_backend
    backend.api("POST", "events", {"events": [  # the user has read the replaced paper on this listing
        {"id": "listing-test-read", "type": "view", "paper_id": "2106.09608", "seconds": 40.0, "site": "arxiv"}]})
    configure(browser, backend)
    browser.get(LISTING)
    cards = cards_shown(browser)
    picks = [card for card in cards if card["section"] == "page"]
    assert picks and cards[: len(picks)] == picks, cards  # the page's own picks come first
    marks = wait_until(lambda: shadow_calls(browser, "readnext-mark", MARK_JS), message="marks")
    marked = {paper_id: (kind, label, hint) for paper_id, kind, label, hint in marks}
    assert {paper_id for paper_id, (kind, _, _) in marked.items() if kind == "pick"} == {c["id"] for c in picks}
    kind, label, hint = marked[picks[0]["id"]]
    assert label == f"ReadNext: for you {picks[0]['score']}" and hint  # the main reason, on hover
    assert marked["2106.09608"][:2] == ("read", "ReadNext: read")
    # the galaxy-lensing and convex-regression papers have nothing to do with what this user reads
    assert not {"2411.07004", "2411.07002"} & set(marked)


def test_a_title_with_markup_is_shown_as_text_and_runs_nothing(browser, backend):
    configure(browser, backend)
    browser.get(LISTING)  # the hand-made listing carries a paper whose title holds an <img onerror> payload
    cards_shown(browser)
    browser.get(ABSTRACT)
    cards_shown(browser)
    wait_until(lambda: XSS_ID in {c["id"] for c in sidebar_cards(browser)}, message="the paper with markup")
    card = next(c for c in sidebar_cards(browser) if c["id"] == XSS_ID)
    assert card["title"] == XSS_TITLE
    assert card["images"] == 0
    assert shadow_call(browser, SIDEBAR, "function () { return this.querySelectorAll('img').length; }") == 0
    time.sleep(0.5)
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 (touching it is the check)


def test_collapse_is_remembered(browser, backend):
    configure(browser, backend)
    browser.get(ABSTRACT)
    cards_shown(browser)
    shadow_call(browser, SIDEBAR, "function () { this.querySelector('button.collapse').click(); }")
    wait_until(lambda: (stored(browser, "settings") or {}).get("sidebarCollapsed"), message="the collapsed setting")
    browser.get(ABSTRACT)
    visible = "function () { return [!this.querySelector('.panel').hidden, !this.querySelector('.tab').hidden]; }"
    assert wait_until(lambda: shadow_call(browser, SIDEBAR, visible) == [False, True], message="a collapsed sidebar")
    shadow_call(browser, SIDEBAR, "function () { this.querySelector('button.tab').click(); }")
    assert shadow_call(browser, SIDEBAR, visible) == [True, False]


def test_page_css_cannot_reach_the_sidebar(browser, backend):
    configure(browser, backend)
    browser.get(ABSTRACT)
    cards_shown(browser)
    style = "function () { const t = this.querySelector('.card .title'); const s = getComputedStyle(t); return [s.fontSize, s.color]; }"
    before = shadow_call(browser, SIDEBAR, style)
    browser.execute_script("""const s = document.createElement('style');
      s.textContent = '* { font-size: 40px !important; color: rgb(255, 0, 0) !important; } article, .card, .title { display: none !important; }';
      document.head.append(s);""")
    assert shadow_call(browser, SIDEBAR, style) == before


def test_screenshot_of_the_sidebar_on_the_abstract_page(browser, backend):
    configure(browser, backend)
    browser.get(LISTING)  # what a reader of cs.LG has seen today: the sidebar draws on it
    cards_shown(browser)
    browser.set_window_size(1366, 1000)
    browser.get(ABSTRACT)
    cards_shown(browser)
    time.sleep(0.3)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "sidebar-arxiv-abstract.png"
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


NOTICE_JS = "function () { const n = this.querySelector('.notice'); return n && !n.hidden ? n.textContent : ''; }"


def test_the_sidebar_says_when_capture_is_paused(browser, backend):
    configure(browser, backend)
    browser.get(ABSTRACT)
    cards_shown(browser)
    assert shadow_call(browser, SIDEBAR, NOTICE_JS) == ""
    browser.get(f"{EXTENSION_ORIGIN}/extension/popup/popup.html")
    wait_until(lambda: browser.find_element("id", "paused").is_displayed(), message="the popup")
    browser.find_element("id", "paused").click()
    wait_until(lambda: (stored(browser, "settings") or {}).get("paused"), message="the paused setting")
    browser.get(ABSTRACT)
    cards_shown(browser)  # recommendations still come: only recording stops
    assert "Capture is paused" in shadow_call(browser, SIDEBAR, NOTICE_JS)


TAB_COUNT_JS = """function () {
  const tab = this.querySelector('button.tab');
  return [tab.querySelector('.count')?.textContent ?? '', tab.getAttribute('aria-label')];
}"""


def test_the_collapsed_tab_counts_the_recommendations(browser, backend):
    configure(browser, backend)
    browser.get(ABSTRACT)
    cards = cards_shown(browser)
    shadow_call(browser, SIDEBAR, "function () { this.querySelector('button.collapse').click(); }")
    count, label = shadow_call(browser, SIDEBAR, TAB_COUNT_JS)
    assert count == str(len(cards)) and f"{len(cards)} recommendations" in label
    shadow_call(browser, SIDEBAR, "function () { this.querySelector('button.tab').click(); }")
    shadow_call(browser, SIDEBAR, CLICK_JS, cards[0]["id"], "dismiss")
    assert shadow_call(browser, SIDEBAR, TAB_COUNT_JS)[0] == str(len(cards) - 1)

"""Sort for me on arXiv's /list/cs.LG/new in Chromium: the listing re-ordered in place by the reader's score, back
to arXiv's order, and the choice remembered after a reload."""
import re

import pytest

from .harness import LISTING, configure, shadow_call, wait_until

pytestmark = pytest.mark.browser

ORDER_JS = """return [...document.querySelectorAll('dl')].map((dl) => [...dl.querySelectorAll(':scope > dt')].map(
  (dt) => dt.querySelector("a[href*='/abs/']").getAttribute('href').split('/abs/')[1]))"""
SWITCH_JS = "function (click) { const box = this.querySelector('input'); if (click) box.click(); return box.checked; }"


def order(driver) -> list[list[str]]:
    return [[re.sub(r"v\d+$", "", pid) for pid in ids] for ids in driver.execute_script(ORDER_JS)]


def switch(driver, click: bool = False) -> bool:
    wait_until(lambda: driver.execute_script("return document.querySelector('readnext-sort') !== null"),
               message="the Sort for me switch")
    return shadow_call(driver, "readnext-sort", SWITCH_JS, click)


def by_score(backend, lists: list[list[str]]) -> list[list[str]]:
    papers = [backend.api("GET", f"papers/{pid}") for ids in lists for pid in ids]
    scores = {item["paper_id"]: item["score"] for item in backend.api("POST", "score", {"papers": papers})["items"]}
    return [sorted(ids, key=lambda pid: (-scores[pid], ids.index(pid))) for ids in lists]


def test_sort_for_me_reorders_in_place_and_back_and_is_remembered(browser, backend):
    configure(browser, backend)
    browser.get(LISTING)
    assert switch(browser) is False
    arxiv = order(browser)
    assert sum(map(len, arxiv)) == 8
    expected = by_score(backend, arxiv)
    assert expected != arxiv  # else the test could not tell sorted from not

    assert switch(browser, click=True) is True
    assert order(browser) == expected
    browser.refresh()
    assert switch(browser) is True
    wait_until(lambda: order(browser) == expected, message="the sorted order after a reload")

    assert switch(browser, click=True) is False
    assert order(browser) == arxiv
    browser.refresh()
    assert switch(browser) is False and order(browser) == arxiv

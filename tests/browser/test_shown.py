"""What the sidebar showed reaches the backend as a `shown` list, in order: the learned ranker's choice sets."""
import pytest

from .harness import ABSTRACT, configure, now_ms, sidebar_cards, sidebar_state, wait_until

pytestmark = pytest.mark.browser



def test_the_sidebar_list_is_recorded_in_the_order_shown(browser, backend):
    configure(browser, backend)
    start = now_ms()
    browser.get(ABSTRACT)
    cards = wait_until(lambda: sidebar_state(browser) == "cards" and sidebar_cards(browser), message="sidebar cards")
    shown = wait_until(lambda: [e for e in backend.events(start, shown=True) if e["type"] == "shown"],
                       message="the shown list")
    assert len(shown) == 1 and shown[0]["url"] == ABSTRACT and shown[0]["site"] == "arxiv"
    assert shown[0]["paper_ids"] == [card["id"] for card in cards]

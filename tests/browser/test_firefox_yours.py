"""Your ReadNext in Firefox ESR: the page loads from the extension's own origin, reaches the backend and draws
the map. Skips as tests/browser/test_firefox.py does."""
import pytest

from .firefox import FIREFOX_ORIGIN
from .harness import configure, wait_until
from .test_firefox import firefox, xpi  # noqa: F401 (the fixtures)

pytestmark = pytest.mark.browser


def test_your_readnext_in_firefox(firefox, backend):  # noqa: F811 (the fixture)
    configure(firefox, backend, origin=FIREFOX_ORIGIN)
    firefox.get(f"{FIREFOX_ORIGIN}/extension/yours/yours.html")
    wait_until(lambda: firefox.execute_script("return document.body.dataset.loaded"), timeout=40, message="the page")
    assert not firefox.find_element("id", "problem").is_displayed()
    points = backend.api("GET", "map")["points"]
    dots = firefox.execute_script("return document.querySelectorAll('#map-box circle').length")
    assert dots == len(points) > 0
    titles = firefox.execute_script("return [...document.querySelectorAll('#history-list .title')].map((t) => t.textContent)")
    assert any(title.startswith("BERT") for title in titles)

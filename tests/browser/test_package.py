"""`make package` (tools/package.py): the zips hold only the manifest and extension/, each browser's manifest leaves
out only what that browser complains about, web-ext lint passes the Firefox zip, and each zip, installed as a user
would, runs: the Chrome zip unpacked in Chromium, the Firefox zip as a temporary add-on in Firefox, each paired on
its options page and showing the sidebar's recommendations on an arXiv abstract."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.firefox.service import Service as FirefoxService

from test_manifest import MANIFEST, REPO, referenced_files  # tests/test_manifest.py
from .firefox import FIREFOX, FIREFOX_ORIGIN, geckodriver, missing, start_firefox
from .harness import ABSTRACT, CHROMEDRIVER, configure, sidebar_cards, wait_until
from .test_firefox import sidebar_card_ids
from readnext.bench.session.browsers import chromium_options

pytestmark = pytest.mark.browser

VERSION = MANIFEST["version"]
WEB_EXT = REPO / "node_modules" / ".bin" / "web-ext"


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict:
    """The zips as `make package` writes them, into a directory of the test's own."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, str(REPO / "tools" / "package.py"), "--out", str(out)], check=True,
                   capture_output=True)
    return {browser: out / f"readnext-{browser}-{VERSION}.zip" for browser in ("chrome", "firefox")}


def unpacked(package, target):
    with zipfile.ZipFile(package) as archive:
        archive.extractall(target)
    return target


def packaged_manifest(package) -> dict:
    with zipfile.ZipFile(package) as archive:
        return json.loads(archive.read("manifest.json"))


def test_the_zips_hold_only_the_manifest_and_the_extension(packages):
    expected = {"manifest.json"} | {path.relative_to(REPO).as_posix() for path in (REPO / "extension").rglob("*")
                                    if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts}
    for package in packages.values():
        names = set(zipfile.ZipFile(package).namelist())
        assert names == expected
        assert "extension/icons/make_icons.py" not in names
        assert referenced_files(packaged_manifest(package)) <= names  # every path in the manifest resolves


def test_each_manifest_leaves_out_only_what_its_browser_complains_about(packages):
    chrome, firefox = packaged_manifest(packages["chrome"]), packaged_manifest(packages["firefox"])
    assert chrome["background"] == {"service_worker": "extension/background/service-worker.js", "type": "module"}
    assert firefox["background"] == {"scripts": ["extension/background/service-worker.js"], "type": "module"}
    assert firefox["browser_specific_settings"] == MANIFEST["browser_specific_settings"]
    unchanged = set(MANIFEST) - {"key", "background", "browser_specific_settings"}
    assert {k: chrome[k] for k in unchanged} == {k: firefox[k] for k in unchanged} == {k: MANIFEST[k] for k in unchanged}
    assert set(chrome) == unchanged | {"background"}
    assert set(firefox) == unchanged | {"background", "browser_specific_settings"}


def test_web_ext_lint_passes_the_firefox_zip(packages, tmp_path):
    if not WEB_EXT.exists():
        pytest.skip(f"{WEB_EXT} is missing: make lint installs it (npm ci)")
    source = unpacked(packages["firefox"], tmp_path / "firefox")
    result = subprocess.run([str(WEB_EXT), "lint", "--source-dir", str(source), "--output", "json", "--no-config-discovery"],
                            capture_output=True, text=True, timeout=120)
    report = json.loads(result.stdout)
    assert report["errors"] == [] and report["notices"] == []
    # The one warning left: the content script's loader imports the extension's own module by its URL,
    # runtime.getURL("extension/content/main.js"), a constant the linter cannot see through; no page data reaches it.
    assert [(w["code"], w["file"]) for w in report["warnings"]] == [("UNSAFE_VAR_ASSIGNMENT", "extension/content/loader.js")]


def test_the_chrome_zip_runs_in_chromium(packages, fake_site, backend, tmp_path):
    source = unpacked(packages["chrome"], tmp_path / "chrome")
    options = chromium_options(fake_site.port, str(tmp_path / "profile"))
    options.arguments[:] = [flag for flag in options.arguments
                            if not flag.startswith(("--load-extension=", "--disable-extensions-except="))]
    options.add_argument(f"--load-extension={source}")
    options.add_argument(f"--disable-extensions-except={source}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        # Without the root manifest's key Chromium makes up the id: read it from the running service worker.
        worker = wait_until(lambda: next(
            (t["url"] for t in driver.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]
             if t["type"] == "service_worker" and t["url"].endswith("/extension/background/service-worker.js")),
            None), message="the package's service worker")
        origin = worker.removesuffix("/extension/background/service-worker.js")
        configure(driver, backend, origin=origin)
        driver.get(ABSTRACT)
        cards = wait_until(lambda: sidebar_cards(driver), timeout=40, message="sidebar cards")
        assert "2106.09608" not in {card["id"] for card in cards}
    finally:
        driver.quit()


def needs_firefox():
    problem = missing()
    if problem:
        if os.environ.get("READNEXT_REQUIRE_BROWSER") == "1":
            pytest.fail(problem)
        pytest.skip(problem)


def test_the_firefox_zip_installs_and_runs_in_firefox(packages, fake_site, backend, tmp_path):
    needs_firefox()
    driver = start_firefox(fake_site.port, packages["firefox"], tmp_path / "geckodriver.log")  # the zip itself
    try:
        driver.set_context("chrome")  # what Firefox said reading the manifest (about:debugging shows the same)
        warnings = driver.execute_script(
            'const {ExtensionParent} = ChromeUtils.importESModule("resource://gre/modules/ExtensionParent.sys.mjs");'
            "return ExtensionParent.GlobalManager.extensionMap.get(arguments[0]).warnings;",
            MANIFEST["browser_specific_settings"]["gecko"]["id"])
        driver.set_context("content")
        assert warnings == []
        configure(driver, backend, origin=FIREFOX_ORIGIN)
        driver.get(ABSTRACT)
        cards = wait_until(lambda: sidebar_card_ids(driver), timeout=40, message="sidebar cards")
        assert "2106.09608" not in cards
    finally:
        driver.quit()


ADDON_STATE_JS = """const done = arguments[arguments.length - 1];
const {AddonManager} = ChromeUtils.importESModule("resource://gre/modules/AddonManager.sys.mjs");
AddonManager.getAddonByID(arguments[0]).then((addon) => done({active: addon.isActive, temporary: addon.temporarilyInstalled}));"""


@pytest.mark.parametrize("signatures_required", [True, False])
def test_firefox_esr_installs_the_unsigned_zip_for_good_only_without_signatures_required(packages, tmp_path,
                                                                                        signatures_required):
    """docs/extension.md's persistent install: Firefox ESR refuses the unsigned zip as a regular add-on, and with
    xpinstall.signatures.required=false installs it as one, not a temporary add-on that a restart forgets."""
    needs_firefox()
    options = webdriver.FirefoxOptions()
    options.binary_location = str(FIREFOX)
    options.add_argument("-headless")
    options.add_argument("-remote-allow-system-access")
    options.set_preference("xpinstall.signatures.required", signatures_required)
    driver = webdriver.Firefox(service=FirefoxService(str(geckodriver()), log_output=str(tmp_path / "gecko.log")),
                               options=options)
    try:
        if signatures_required:
            with pytest.raises(WebDriverException, match="ERROR_SIGNEDSTATE_REQUIRED"):
                driver.install_addon(str(packages["firefox"]), temporary=False)
            return
        addon_id = driver.install_addon(str(packages["firefox"]), temporary=False)
        driver.set_context("chrome")
        assert driver.execute_async_script(ADDON_STATE_JS, addon_id) == {"active": True, "temporary": False}
    finally:
        driver.quit()

"""The extension's manifest: one file that loads in Chromium and Firefox, with the least privilege it needs, and
the same version as the backend."""
import json
import re
import tomllib
from pathlib import Path

import readnext

REPO = Path(__file__).resolve().parents[1]
MANIFEST = json.loads((REPO / "manifest.json").read_text())


def referenced_files(manifest: dict) -> set[str]:
    """Every file the manifest names (a package's manifest may name only one browser's background)."""
    background = manifest["background"]
    files = {*filter(None, [background.get("service_worker")]), *background.get("scripts", []),
             manifest["action"]["default_popup"], manifest["options_ui"]["page"],
             *manifest["icons"].values(), *manifest["action"]["default_icon"].values()}
    for script in manifest["content_scripts"]:
        files.update(script["js"])
    return files


def test_least_privilege():
    assert MANIFEST["manifest_version"] == 3
    assert MANIFEST["permissions"] == ["storage"]
    assert MANIFEST["host_permissions"] == ["https://arxiv.org/*", "https://scholar.google.com/*", "http://127.0.0.1/*"]
    text = json.dumps(MANIFEST)
    assert "<all_urls>" not in text and "*://*/*" not in text
    assert "externally_connectable" not in MANIFEST  # no web page may message the extension
    for script in MANIFEST["content_scripts"]:
        assert script["matches"] == ["https://arxiv.org/*", "https://scholar.google.com/*"]
    for entry in MANIFEST["web_accessible_resources"]:
        assert entry["matches"] == ["https://arxiv.org/*", "https://scholar.google.com/*"]
        assert not any(resource.startswith("extension/background") for resource in entry["resources"])


def test_never_in_incognito():
    assert MANIFEST["incognito"] == "not_allowed"


def test_loads_in_chromium_and_firefox():
    background = MANIFEST["background"]
    assert background["service_worker"] == "extension/background/service-worker.js"  # Chromium
    assert background["scripts"] == [background["service_worker"]]  # Firefox
    assert background["type"] == "module"
    assert re.fullmatch(r"[\w.-]+@[\w.-]+", MANIFEST["browser_specific_settings"]["gecko"]["id"])


def test_every_referenced_file_exists():
    missing = [path for path in referenced_files(MANIFEST) if not (REPO / path).is_file()]
    assert missing == []


def test_no_html_parsing_of_strings_in_the_extension():
    offenders = [f"{path.relative_to(REPO)}:{number}"
                 for path in (REPO / "extension").rglob("*.js")
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write\(", line)]
    assert offenders == []


def test_one_version_for_backend_and_extension():
    """pyproject.toml's version is the one source; the extension's manifest and readnext.__version__ follow it."""
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert (MANIFEST["version"], readnext.__version__) == (version, version)


def test_firefox_states_what_it_sends_outside_the_browser():
    """Mozilla counts data handled outside the browser, the local backend included, as transmitted: the built-in
    consent (Firefox 140+, required on addons.mozilla.org) must name it. The extension sends the backend the pages
    read (browsingActivity), the searches on arXiv and Scholar (searchTerms) and the papers' titles and abstracts
    from the page (websiteContent)."""
    gecko = MANIFEST["browser_specific_settings"]["gecko"]
    assert gecko["data_collection_permissions"] == {"required": ["browsingActivity", "searchTerms", "websiteContent"]}
    assert gecko["strict_min_version"] == "140.0"  # 127 and older refuse the key; 128-139 do not show the consent

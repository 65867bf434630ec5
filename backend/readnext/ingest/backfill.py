"""`readnext backfill`: a first corpus from arXiv's OAI-PMH interface, only when the user asks for it.

The papers of some categories over a period are stored as they arrive and embedded later, in the background
(`embed_pending`), so a harvest of tens of thousands of papers is never held up by the model. The state of a
harvest (the set, the resumption token, the counts) is saved in the data directory after every page: a killed
harvest resumes at the page it was on, and one whose token has expired asks that set again from the start
(papers already stored are merged, not duplicated).
What leaves the machine is what `describe` says: category names and dates, nothing about the user.
"""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from ..store import storage
from ..errors import ValidationError
from .follow import suggested_categories
from .sources.arxiv_api import ArxivClient, FetchPolicy, check_categories
from .sources.oai import OaiError, day, list_records_url, parse_records, resume_url

STATE_FILE = "backfill.json"
SUGGEST_AFTER = 3  # papers read before categories are suggested
MAX_CATEGORIES = 20


@dataclass
class BackfillState:
    categories: list[str]
    since: str  # YYYY-MM-DD
    until: str = ""
    category_index: int = 0  # the category being harvested
    token: str = ""  # its next page's resumption token
    pages: int = 0
    received: int = 0  # records arXiv sent
    stored: int = 0  # papers first submitted in the period, stored
    older: int = 0  # records changed in the period but first submitted before it: left out
    expected: int | None = None  # completeListSize of the current set, when arXiv says it
    done: bool = False

    def same_plan(self, other: "BackfillState") -> bool:
        return (self.categories, self.since, self.until) == (other.categories, other.since, other.until)

    def line(self) -> str:
        where = (f"{self.categories[self.category_index]} ({self.category_index + 1} of {len(self.categories)})"
                 if not self.done else ", ".join(self.categories))
        expected = f" (this set: about {self.expected:,})" if self.expected and not self.done else ""
        return (f"{'harvested' if self.done else 'harvesting'} {where}{expected}: {self.received:,} records, "
                f"{self.stored:,} papers stored, {self.older:,} older ones left out, {self.pages} pages")


def plan(categories, since: str, until: str = "") -> BackfillState:
    """A validated harvest: categories, and the period as whole dates (YYYY-MM is the month's first/last day)."""
    names = check_categories(categories)
    if len(names) > MAX_CATEGORIES:
        raise ValidationError(f"at most {MAX_CATEGORIES} categories per backfill")
    if not since:
        raise ValidationError("give --since (YYYY-MM or YYYY-MM-DD): how far back to fetch papers")
    first, last = day(since), day(until, end=True) if until else ""
    if last and last < first:
        raise ValidationError(f"--until {until} is before --since {since}")
    return BackfillState(names, first, last)


def describe(state: BackfillState, policy: FetchPolicy = FetchPolicy()) -> str:
    """What the harvest sends, in full, before it sends anything."""
    requests = "\n".join(f"  GET {list_records_url(name, state.since, state.until, policy.oai_url)}"
                         for name in state.categories)
    return (f"ReadNext will ask arXiv's OAI-PMH interface for the papers of {', '.join(state.categories)} "
            f"first submitted from {state.since}{' to ' + state.until if state.until else ''}, one request every "
            f"{policy.min_interval_s:g} seconds at most, waiting as long as arXiv asks (503 Retry-After):\n"
            f"{requests}\n"
            f"  and then GET {policy.oai_url}?verb=ListRecords&resumptionToken=<the token arXiv gave> for each "
            f"next page.\n"
            f"Headers: User-Agent: {policy.user_agent}. Nothing else is sent: not your reading history, saved "
            f"papers, searches or any identifier. arXiv sees the category names, the dates and your IP address.")


class Backfill:
    """One harvest, resumable. `on_page` is called with the state after each page is stored."""

    def __init__(self, engine, client: ArxivClient, state: BackfillState, home: Path,
                 on_page: Callable[[BackfillState], None] | None = None):
        self.engine = engine
        self.client = client
        self.path = Path(home) / STATE_FILE
        saved = load_state(home)
        self.state = saved if saved and saved.same_plan(state) and not saved.done else state
        self.on_page = on_page or (lambda _state: None)

    def run(self, stop: threading.Event | None = None) -> BackfillState:
        state, base = self.state, self.client.policy.oai_url
        while state.category_index < len(state.categories) and not (stop and stop.is_set()):
            name = state.categories[state.category_index]
            url = resume_url(state.token, base) if state.token else list_records_url(name, state.since, state.until,
                                                                                     base)
            try:
                page = parse_records(self.client.get(url))
            except OaiError as error:
                if error.code != "badResumptionToken" or not state.token:
                    raise
                state.token = ""  # expired: ask this set again from the start; stored papers merge
                continue
            kept = [p for p in page.papers if p.date and p.date >= state.since
                    and (not state.until or p.date <= state.until)]
            self.engine.store_papers(kept)
            state.pages += 1
            state.received += len(page.papers)
            state.stored += len(kept)
            state.older += len(page.papers) - len(kept)
            state.expected = page.complete_size or state.expected
            state.token = page.token
            if not page.token:
                state.category_index += 1
                state.expected = None
            state.done = state.category_index >= len(state.categories)
            storage.atomic_write_json(self.path, asdict(state))
            self.on_page(state)
        return state


def load_state(home: Path) -> BackfillState | None:
    data = storage.read_json(Path(home) / STATE_FILE)
    return BackfillState(**data) if isinstance(data, dict) else None


def suggest_categories(engine) -> dict:
    """The categories of what the user reads (follow.py's suggestion), once a few papers were read."""
    papers = len(engine.library())
    return {"papers": papers, "categories": suggested_categories(engine) if papers >= SUGGEST_AFTER else []}

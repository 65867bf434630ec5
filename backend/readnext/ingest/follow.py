"""Follow arXiv: new papers in the categories the user chose, into the corpus. Off unless the user opts in.

The only network traffic of the product. The settings (`fetch`, in the user's settings) say what is followed;
the state of past runs (`fetch_state`: arXiv's cache validators, the newest date seen per query, the last run)
is kept beside them, so a later run asks conditionally and only back to where the last one stopped.
"""
from __future__ import annotations

import copy
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Callable

from ..errors import ReadNextError, ValidationError
from ..records.papers import Paper
from .sources.arxiv_api import ArxivClient, FetchPolicy, check_categories, describe_traffic

DEFAULTS = {"enabled": False, "categories": [], "interval_hours": 6, "feed": "api"}
INTERVAL_HOURS = (1, 168)  # arXiv announces once a day; more often than hourly would only ask it again
MAX_CATEGORIES = 20
log = logging.getLogger("readnext.ingest.follow")


@dataclass
class FetchReport:
    categories: list[str]
    feed: str
    since: str = ""  # YYYY-MM-DD this run went back to ('' the first time)
    fetched: int = 0  # papers arXiv sent
    new: int = 0  # of them, not in the corpus before
    not_modified: bool = False
    complete: bool = True
    requests: int = 0
    finished_at: str = ""
    papers: list[Paper] = field(default_factory=list)  # as stored (merged with copies already there)


# --- settings ------------------------------------------------------------------------------------------------
# The API's threads and the scheduler share the settings, and a settings write replaces the whole table: every
# read and read-modify-write here holds the history's lock, so none sees the table half-replaced.
def fetch_settings(history) -> dict:
    """The `fetch` settings with their defaults (a copy: the caller may change it)."""
    with history.lock:
        return {**DEFAULTS, **copy.deepcopy(history.settings().get("fetch") or {})}


def fetch_state(history) -> dict:
    with history.lock:
        return copy.deepcopy(history.settings().get("fetch_state") or {})


def _update_state(history, **changes) -> None:
    with history.lock:
        history.update_settings({"fetch_state": {**fetch_state(history), **changes}})


def update_fetch_settings(history, changes) -> dict:
    """Validate and store a change of some `fetch` settings; the whole settings come back."""
    if not isinstance(changes, dict):
        raise ValidationError("'fetch' must be an object")
    unknown = set(changes) - set(DEFAULTS)
    if unknown:
        raise ValidationError(f"unknown fetch setting(s) {', '.join(sorted(unknown))} (known: {', '.join(DEFAULTS)})")
    with history.lock:
        merged = _validated({**fetch_settings(history), **changes})
        history.update_settings({"fetch": merged})
    return merged


def _validated(merged: dict) -> dict:
    if not isinstance(merged["enabled"], bool):
        raise ValidationError("'enabled' must be true or false")
    categories = merged["categories"]
    if not isinstance(categories, list):
        raise ValidationError("'categories' must be a list of arXiv categories, e.g. [\"cs.LG\"]")
    merged["categories"] = check_categories(categories) if categories else []
    if len(merged["categories"]) > MAX_CATEGORIES:
        raise ValidationError(f"follow at most {MAX_CATEGORIES} categories")
    if merged["enabled"] and not merged["categories"]:
        raise ValidationError("name at least one category to follow before turning fetching on")
    hours, (low, high) = merged["interval_hours"], INTERVAL_HOURS
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not low <= hours <= high:
        raise ValidationError(f"'interval_hours' must be a number from {low} to {high}")
    if merged["feed"] not in ("api", "rss"):
        raise ValidationError("'feed' must be 'api' or 'rss'")
    return merged


def traffic(settings: dict, policy: FetchPolicy = FetchPolicy()) -> str:
    """In words, what the settings send to arXiv, and when."""
    if not settings["categories"]:
        return "Nothing: no categories are followed, so ReadNext makes no network request at all."
    what = describe_traffic(settings["categories"], policy, settings["feed"])
    if not settings["enabled"]:
        return ("Nothing while fetching is off. Turned on (or with `readnext fetch`), this is what would be "
                "sent:\n" + what)
    return f"Every {settings['interval_hours']:g} hours while `readnext serve` runs: " + what


def suggested_categories(engine, top: int = 3) -> list[str]:
    """The primary categories that dominate what the user read and saved: a suggestion, never followed unasked."""
    counts = Counter(paper.categories[0] for paper in engine.library() if paper.categories)
    return [name for name, _ in counts.most_common(top)]


def settings_view(engine, policy: FetchPolicy = FetchPolicy()) -> dict:
    """The settings as the API shows them: what is set, what it sends, what happened last."""
    settings = fetch_settings(engine.history)
    state = fetch_state(engine.history)
    view = {"fetch": settings, "traffic": traffic(settings, policy),
            "last_fetch": state.get("last_report"), "last_error": state.get("last_error")}
    if not settings["categories"]:
        view["suggested_categories"] = suggested_categories(engine)
    return view


# --- fetching --------------------------------------------------------------------------------------------------
def policy_of(config) -> FetchPolicy:
    """The configuration's policy (`Config.fetch` holds FetchPolicy fields, e.g. a mirror's URL)."""
    try:
        return FetchPolicy(**config.fetch)
    except TypeError as error:
        raise ValidationError(f"bad fetch configuration: {error}") from None


def make_client(config, **kwargs) -> ArxivClient:
    return ArxivClient(policy=policy_of(config), **kwargs)


def categories_to_fetch(history, categories: list[str] | None = None) -> list[str]:
    """`categories` if given (the caller's consent for one run), else the followed ones; refuses when none."""
    names = check_categories(categories) if categories else fetch_settings(history)["categories"]
    if not names:
        raise ValidationError(
            "no arXiv categories are followed, so nothing was sent. Name some for this run "
            "(`readnext fetch --categories cs.LG cs.CL`), or opt in by choosing them in the settings "
            "(PUT /api/v1/settings, see docs/api.md)")
    return names


def fetch_once(engine, client: ArxivClient, categories: list[str] | None = None) -> FetchReport:
    """Ask arXiv once for new papers in `categories` (default: the followed ones) and store them.

    Giving `categories` is the caller's explicit consent for this run; without them only the categories the user
    chose in the settings are asked for. Raises ValidationError when there are none, FetchError when arXiv could
    not be asked (then nothing is stored or remembered).
    """
    names = categories_to_fetch(engine.history, categories)
    feed = fetch_settings(engine.history)["feed"]
    state = fetch_state(engine.history)
    query = f"{feed}:{'+'.join(sorted(names))}"
    since = state.get("since", {}).get(query, "")
    client.validators = {**state.get("validators", {}), **client.validators}
    result = client.fetch_rss(names) if feed == "rss" else client.fetch_new(names, since=since)
    report = FetchReport(categories=names, feed=feed, since=since, fetched=len(result.papers),
                         not_modified=result.not_modified, complete=result.complete, requests=result.requests)
    report.new = sum(not engine.in_corpus(paper) for paper in result.papers)
    with engine.indexer.background():  # a request's embedding goes first: vectors/gate.py
        stored = engine.add_papers(result.papers)
    report.papers = [paper for _, paper in stored]
    newest = max((p.date[:10] for p in result.papers if p.date), default="")
    report.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    summary = {f.name: getattr(report, f.name) for f in fields(report) if f.name != "papers"}
    _update_state(engine.history, since={**state.get("since", {}), query: max(newest, since)},
                  validators=client.validators, last_report=summary, last_error=None)
    return report


def due(settings: dict, state: dict, now: float) -> bool:
    """Whether the scheduler should fetch now."""
    if not settings["enabled"] or not settings["categories"]:
        return False
    return now - (state.get("last_attempt") or 0.0) >= settings["interval_hours"] * 3600


class Follower:
    """The scheduler `serve` runs: every `poll_s` it reads the settings (so turning fetching on or off needs no
    restart) and fetches when a run is due. A failed run is logged and kept for the settings page, and waits
    for the next interval like a good one."""

    def __init__(self, engine, make: Callable[[], ArxivClient], poll_s: float = 60.0,
                 clock: Callable[[], float] = time.time):
        self.engine = engine
        self.make = make
        self.poll_s = poll_s
        self.clock = clock
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="follow-arxiv")
        self.runs = 0

    def start(self) -> "Follower":
        self.thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self.stop_event.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self) -> None:
        while not self.stop_event.is_set():
            self.round()
            self.stop_event.wait(self.poll_s)

    def round(self) -> FetchReport | None:
        history = self.engine.history
        if not due(fetch_settings(history), fetch_state(history), self.clock()):
            return None
        _update_state(history, last_attempt=self.clock())
        self.runs += 1
        try:
            report = fetch_once(self.engine, self.make())
        except ReadNextError as error:
            log.warning("fetching from arXiv failed: %s", error)
            _update_state(history, last_error=str(error))
            return None
        log.info("fetched %d papers from arXiv (%d new)", report.fetched, report.new)
        return report

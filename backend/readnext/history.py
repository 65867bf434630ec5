"""The user's own data: reading events (an append-only log) and settings (TinyDB).

Events are appended and fsynced before they are acknowledged, and each carries the client's id, so a replayed
offline queue changes nothing the second time.
"""
from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from tinydb import TinyDB
from tinydb.table import Document

from . import storage
from .errors import ValidationError
from .papers import Paper, canonical_id, paper_from_dict

# How much each kind of event says about the user's interest. A view counts by the seconds it was visible
# (see view_weight); a dismissal pushes similar papers away; a hide only removes the paper.
EVENT_WEIGHTS = {
    "view": 1.0, "pdf": 1.5, "click": 0.8, "save": 3.0, "unsave": 0.0, "authored": 3.0,
    "dismiss": -2.0, "hide": 0.0, "impression": 0.0, "search": 0.0, "shown": 0.0,
    # the user taking back "this is me", "not interested" or "hide" (from the Your ReadNext page)
    "unauthored": 0.0, "undismiss": 0.0, "unhide": 0.0,
}
PAPER_EVENTS = frozenset(EVENT_WEIGHTS) - {"search", "shown"}
READ_EVENTS = frozenset({"view", "pdf", "click"})
MAX_BATCH = 1000
MAX_SHOWN = 100  # papers in one "shown" list (the sidebar shows ten per section)


def view_weight(seconds: float) -> float:
    """A glance of 3 s weighs 0.1, half a minute 0.63, two minutes 0.98: skimming does not steer the feed."""
    return 1.0 - math.exp(-max(seconds, 0.0) / 30.0)


@dataclass
class Event:
    id: str
    type: str
    ts: int  # milliseconds since the epoch
    paper_id: str | None = None
    seconds: float | None = None
    query: str | None = None
    site: str = ""
    url: str = ""
    paper_ids: list[str] | None = None  # a "shown" list, in the order shown

    def weight(self) -> float:
        base = EVENT_WEIGHTS[self.type]
        return base * view_weight(self.seconds or 0.0) if self.type == "view" else base


def parse_event(data, now_ms: int | None = None) -> tuple[Event, Paper | None]:
    """Validate one event as the API receives it; the paper it carries, if any, comes back beside it."""
    if not isinstance(data, dict):
        raise ValidationError("an event must be a JSON object")
    event_id, kind = data.get("id"), data.get("type")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= 200:
        raise ValidationError("an event needs a string 'id' (1-200 characters) made by the client")
    if kind not in EVENT_WEIGHTS:
        raise ValidationError(f"unknown event type {kind!r} (expected one of {', '.join(sorted(EVENT_WEIGHTS))})")
    ts = data.get("ts", now_ms if now_ms is not None else int(time.time() * 1000))
    if isinstance(ts, bool) or not isinstance(ts, (int, float)) or not 0 <= ts < 1e14:
        raise ValidationError("'ts' must be milliseconds since the epoch")
    seconds = data.get("seconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                or not 0 <= seconds < 1e7):
        raise ValidationError("'seconds' must be a non-negative number")
    if kind == "view" and seconds is None:
        raise ValidationError("a view event needs 'seconds', the time the page was visible")
    paper = None
    paper_id = None
    if kind in PAPER_EVENTS:
        if data.get("paper") is not None:
            paper = paper_from_dict(data["paper"])
            paper_id = paper.id
        elif isinstance(data.get("paper_id"), str):
            paper_id = canonical_id(data["paper_id"])
        else:
            raise ValidationError(f"a {kind} event needs a 'paper' or a 'paper_id'")
    query = data.get("query")
    if kind == "search":
        if not isinstance(query, str) or not query.strip():
            raise ValidationError("a search event needs a non-empty 'query'")
        query = " ".join(query.split())[:500]
    else:
        query = None
    paper_ids = _shown_ids(data.get("paper_ids")) if kind == "shown" else None
    text = {k: data.get(k) or "" for k in ("site", "url")}
    if not all(isinstance(v, str) for v in text.values()):
        raise ValidationError("'site' and 'url' must be strings")
    return Event(id=event_id, type=kind, ts=int(ts), paper_id=paper_id, seconds=seconds, query=query,
                 site=text["site"][:40], url=text["url"][:2000], paper_ids=paper_ids), paper


def _shown_ids(ids) -> list[str]:
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_SHOWN or not all(isinstance(i, str) for i in ids):
        raise ValidationError(f"a shown event needs 'paper_ids', a list of 1-{MAX_SHOWN} paper ids in the order shown")
    return [canonical_id(i) for i in ids]


class History:
    def __init__(self, home: Path):
        self.path = home / "events.jsonl"
        self.lock = threading.RLock()
        self._events = [Event(**row) for row in storage.read_json_lines(self.path)]
        self._ids = {e.id for e in self._events}
        self.version = 0  # bumped on every change, so derived state (the profile) knows when to rebuild
        self._settings = TinyDB(home / "user.json", storage=storage.AtomicJSONStorage)

    def __len__(self) -> int:
        return len(self._events)

    def events(self) -> list[Event]:
        return list(self._events)

    def record(self, events: list[Event]) -> tuple[list[Event], int]:
        """Append the events not seen before; (the new ones, the number of duplicates)."""
        with self.lock:
            fresh, seen = [], set()
            for event in events:
                if event.id in self._ids or event.id in seen:
                    continue
                seen.add(event.id)
                fresh.append(event)
            storage.append_lines(self.path, [_json(e) for e in fresh])
            self._events.extend(fresh)
            self._ids.update(seen)
            if fresh:
                self.version += 1
            return fresh, len(events) - len(fresh)

    def forget(self, paper_ids: set[str] | None) -> int:
        """Drop the events of these papers (every event when None); the ids stay known so a replay of the
        forgotten events does not bring them back."""
        with self.lock:
            kept = [] if paper_ids is None else [_without(e, paper_ids) for e in self._events
                                                 if e.paper_id not in paper_ids]
            keep = [e for e in kept if e is not None]
            removed = len(self._events) - len(keep)
            if keep != self._events:
                storage.rewrite_json_lines(self.path, [_row(e) for e in keep])
                self._events = keep
                self.version += 1
            return removed

    # --- settings ---------------------------------------------------------------------------------------------
    def settings(self) -> dict:
        with self.lock:
            found = self._settings.table("settings").get(doc_id=1)
            return dict(found) if found else {}

    def update_settings(self, changes: dict) -> dict:
        with self.lock:
            merged = {**self.settings(), **changes}
            # one document, replaced in one atomic write (truncate + insert would be two)
            self._settings.table("settings").upsert(Document(merged, doc_id=1))
            return merged

    def close(self) -> None:
        self._settings.close()


def _without(event: Event, paper_ids: set[str]) -> Event | None:
    """The event without these papers: a shown list loses them (and goes when none is left)."""
    if not event.paper_ids or not paper_ids.intersection(event.paper_ids):
        return event
    rest = [i for i in event.paper_ids if i not in paper_ids]
    return replace(event, paper_ids=rest) if rest else None


def _row(event: Event) -> dict:
    row = asdict(event)
    if row["paper_ids"] is None:  # only shown lists carry ids: other rows stay as they were
        del row["paper_ids"]
    return row


def _json(event: Event) -> str:
    return json.dumps(_row(event), ensure_ascii=False, separators=(",", ":"))

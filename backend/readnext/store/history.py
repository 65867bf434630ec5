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

from . import lines, storage
from ..errors import ValidationError
from ..records.papers import Paper, canonical_id, check_text, paper_from_dict, quoted

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
# What a profile built a moment earlier may leave out while a newer one is built (ReadNext.profile): reading adds
# weight to a history; a save, a dismissal, a hide or a forget must show in the very next list.
PASSING_EVENTS = READ_EVENTS | {"impression", "shown", "search"}
LIST_EVENTS = frozenset({"impression", "shown"})  # a list the user was shown (choices.py)
MAX_SHOWN = 100  # papers in one "shown" list (the sidebar shows ten per section)
# When an event may have happened: not before 1991 (the web and arXiv began then), not more than a day ahead of
# this computer's clock (a browser's clock a little off). A time far ahead would never decay (profile.decay).
EARLIEST_TS = 662_688_000_000  # 1991-01-01T00:00:00Z, in milliseconds
MAX_AHEAD_MS = 86_400_000


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
    check_text(event_id, "the event 'id'")
    if not isinstance(kind, str) or kind not in EVENT_WEIGHTS:
        raise ValidationError(f"unknown event type {quoted(kind)} (expected one of {', '.join(sorted(EVENT_WEIGHTS))})")
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    ts = data.get("ts", now_ms)
    if isinstance(ts, bool) or not isinstance(ts, (int, float)) or not EARLIEST_TS <= ts <= now_ms + MAX_AHEAD_MS:
        raise ValidationError("'ts' must be milliseconds since the epoch, from 1991 to a day ahead of this "
                              "computer's clock")
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
        query = " ".join(check_text(query, "'query'").split())[:500]
    else:
        query = None
    paper_ids = _shown_ids(data.get("paper_ids")) if kind == "shown" else None
    text = {k: data.get(k) or "" for k in ("site", "url")}
    if not all(isinstance(v, str) for v in text.values()):
        raise ValidationError("'site' and 'url' must be strings")
    for key, value in text.items():
        check_text(value, f"'{key}'")
    return Event(id=event_id, type=kind, ts=int(ts), paper_id=paper_id, seconds=seconds, query=query,
                 site=text["site"][:40], url=text["url"][:2000], paper_ids=paper_ids), paper


def _shown_ids(ids) -> list[str]:
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_SHOWN or not all(isinstance(i, str) for i in ids):
        raise ValidationError(f"a shown event needs 'paper_ids', a list of 1-{MAX_SHOWN} paper ids in the order shown")
    return [canonical_id(i) for i in ids]


class History:
    """The event log, events.jsonl. Next to it: events.forgotten, the ids of forgotten events (never their
    content), so a replay cannot bring them back; events.rejected, the lines set aside at open (a torn tail, a
    line that is not an event), kept for the user to inspect, never lost."""

    def __init__(self, home: Path):
        self.path = home / "events.jsonl"
        self.forgotten_path = home / "events.forgotten"
        self.rejected_path = home / "events.rejected"
        self.lock = threading.RLock()
        self._forgotten = set(storage.read_lines(self.forgotten_path))
        self._events, self.set_aside = self._open_log()
        self._ids = {e.id for e in self._events} | self._forgotten
        self.version = 0  # bumped on every change, so derived state (the profile) knows when to rebuild
        self.decisive_version = 0  # bumped on the changes outside PASSING_EVENTS
        self.lists = sum(e.type in LIST_EVENTS for e in self._events)  # what choice sets are made of
        self._settings = TinyDB(home / "user.json", storage=storage.AtomicJSONStorage)
        self.settings()  # damaged settings stop the start here, not later in a thread

    def _open_log(self) -> tuple[list[Event], int]:
        """The events of the log. Before the first append, a torn tail and lines that are not events are moved to
        events.rejected, and events forgotten by a forget that a crash interrupted are dropped."""
        events, aside, dropped = [], [], 0
        self.paper_copies = 0  # lines that carry a copy of their paper
        for raw, row in lines.json_lines(self.path):
            event = event_from_row(row)
            if event is None:
                aside.append(raw)
            elif event.id in self._forgotten:
                dropped += 1
            else:
                events.append(event)
                self.paper_copies += "paper" in row
        if aside or dropped:
            lines.set_lines_aside(self.path, aside, self.rejected_path, self._kept)
        return events, len(aside)

    def _kept(self, row) -> bool:
        return event_from_row(row) is not None and row["id"] not in self._forgotten

    def __len__(self) -> int:
        return len(self._events)

    def events(self) -> list[Event]:
        return list(self._events)

    def record(self, events: list[Event], papers: dict[str, dict] | None = None) -> tuple[list[Event], int]:
        """Append the events not seen before (nor forgotten); (the new ones, the number of duplicates).
        `papers` (by paper id) are written beside the events that name them, so the log alone can restore the
        papers of the history when papers.sqlite is lost."""
        papers = papers or {}
        with self.lock:
            fresh, seen = [], set()
            for event in events:
                if event.id in self._ids or event.id in seen:
                    continue
                seen.add(event.id)
                fresh.append(event)
            lines.append_lines(self.path, [_json(e, papers.get(e.paper_id)) for e in fresh])
            self._events.extend(fresh)
            self._ids.update(seen)
            if fresh:
                self.version += 1
            if any(e.type not in PASSING_EVENTS for e in fresh):
                self.decisive_version += 1
            self.lists += sum(e.type in LIST_EVENTS for e in fresh)
            return fresh, len(events) - len(fresh)

    def forget(self, paper_ids: set[str] | None) -> int:
        """Drop the events of these papers (every event when None). Their ids are written to events.forgotten
        first, so a crash before the log is rewritten finishes the forget at the next open, and a replay of
        the forgotten events never records them again."""
        with self.lock:
            def shown_in_forgotten(event: Event) -> bool:  # a shown list of forgotten papers only
                return bool(event.paper_ids) and set(event.paper_ids) <= paper_ids

            gone = [e for e in self._events if paper_ids is None or e.paper_id in paper_ids or shown_in_forgotten(e)]
            trimmed = paper_ids is not None and any(e.paper_ids and paper_ids.intersection(e.paper_ids)
                                                    for e in self._events)
            if not gone and not trimmed:
                return 0
            forgotten = self._forgotten | {e.id for e in gone}
            # replaced whole (not appended): a kill mid-write must not forget half of what was asked
            storage.atomic_write_bytes(self.forgotten_path, "".join(i + "\n" for i in sorted(forgotten)).encode())
            self._forgotten = forgotten

            def revised(row):  # shown lists lose the forgotten papers
                if not self._kept(row):
                    return None
                if paper_ids and row.get("paper_ids") and paper_ids.intersection(row["paper_ids"]):
                    return {**row, "paper_ids": [i for i in row["paper_ids"] if i not in paper_ids]}
                return row
            lines.rewrite_lines(self.path, revised)
            self._events = [_without(e, paper_ids) for e in self._events if e.id not in self._forgotten]
            self.version += 1
            self.decisive_version += 1
            self.lists = sum(e.type in LIST_EVENTS for e in self._events)
            return len(gone)

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


def _without(event: Event, paper_ids: set[str] | None) -> Event:
    """The event without these papers: a shown list loses them."""
    if not paper_ids or not event.paper_ids or not paper_ids.intersection(event.paper_ids):
        return event
    return replace(event, paper_ids=[i for i in event.paper_ids if i not in paper_ids])


def _json(event: Event, paper: dict | None = None) -> str:
    row = asdict(event)
    if row["paper_ids"] is None:  # only shown lists carry ids: other rows stay as they were
        del row["paper_ids"]
    if paper is not None:
        row["paper"] = paper
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def event_from_row(row) -> Event | None:
    """The event of a log line, or None when the line is not one (valid JSON such as `123` or `{"foo": 1}`)."""
    if not isinstance(row, dict) or not isinstance(row.get("id"), str) or row.get("type") not in EVENT_WEIGHTS \
            or isinstance(row.get("ts"), bool) or not isinstance(row.get("ts"), int):
        return None
    fields = {key: row.get(key) for key in ("paper_id", "seconds", "query", "paper_ids")}
    text = {key: row.get(key, "") for key in ("site", "url")}
    if not all(v is None or isinstance(v, str) for v in (fields["paper_id"], fields["query"])) or \
            not all(isinstance(v, str) for v in text.values()) or \
            (fields["seconds"] is not None and (isinstance(fields["seconds"], bool)
                                                or not isinstance(fields["seconds"], (int, float)))) or \
            (fields["paper_ids"] is not None and (not isinstance(fields["paper_ids"], list)
                                                  or not all(isinstance(i, str) for i in fields["paper_ids"]))):
        return None
    return Event(id=row["id"], type=row["type"], ts=row["ts"], **fields, **text)

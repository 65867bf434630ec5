"""What the user was shown together, and what they did with it: choice sets from the event log.

A choice set is one listing, search or Scholar results page visit (its impressions, in page order) or one list
the sidebar showed (a `shown` event). Each paper in it is chosen (opened within OUTCOME_WINDOW_MS of being
shown: a view of at least MIN_OPEN_SECONDS, a click, the PDF, a save), rejected (dismissed or hidden: a strong
negative) or passed over (a weak negative). A click on a sidebar card is a choice from the sidebar list shown on
that page (the click's address), and from no other list: neither the click nor the read of the paper it opened
counts as a choice from a listing that also held the paper. Its position is kept: the model takes it as a feature, so a top
paper opened because it was on top does not teach that its kind of paper is liked (docs/ranking.md).
"""
from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass

from ..store.history import Event

CHOSEN, PASSED, REJECTED = 1, 0, -1
MIN_OPEN_SECONDS = 10  # the extension's default minimum visible time for a view
VISIT_GAP_MS = 30 * 60_000  # impressions of one page address this close together are one visit
OUTCOME_WINDOW_MS = 2 * 3_600_000  # what the user did with a list within two hours of seeing it
OPENING = frozenset({"click", "pdf", "save"})
REJECTING = frozenset({"dismiss", "hide"})


@dataclass
class ChoiceSet:
    key: str  # the id of its first event: stable across rebuilds of the log
    ts: int
    source: str  # "page" or "sidebar"
    labels: list[int]  # papers in the order shown
    outcomes: list[int]  # CHOSEN, PASSED or REJECTED per paper

    @property
    def chosen(self) -> int:
        return sum(o == CHOSEN for o in self.outcomes)


def _opens(event: Event) -> bool:
    return event.type in OPENING or event.type == "view" and (event.seconds or 0.0) >= MIN_OPEN_SECONDS


def _shown_lists(events: list[Event], label_of) -> list[tuple[str, int, str, str | None, list[int]]]:
    """(key, ts, source, address, labels) of each page visit and sidebar list, oldest first."""
    lists = []
    open_visits: dict[str, tuple[int, list]] = {}  # page address -> (last impression ts, its list)
    for event in events:
        if event.type == "shown":
            labels = [label_of(pid) for pid in event.paper_ids or []]
            lists.append((event.id, event.ts, "sidebar", event.url, [l for l in labels if l is not None]))
        elif event.type == "impression" and event.paper_id is not None:
            page = event.url or event.site
            last = open_visits.get(page)
            if last is None or event.ts - last[0] > VISIT_GAP_MS:
                lists.append((event.id, event.ts, "page", page, []))
                last = (event.ts, lists[-1][4])
            open_visits[page] = (event.ts, last[1])
            label = label_of(event.paper_id)
            if label is not None and label not in last[1]:
                last[1].append(label)
    return [entry for entry in lists if entry[4]]


def _from_list(acts: list[Event], source: str, address: str | None) -> list[Event]:
    """What the user did that answers this list: a card's click (the page it was clicked on is its address) only
    in the sidebar list of that page; in any other list nothing from that click on (the read of the paper it
    opened included). A click without an address counts wherever the paper was shown."""
    elsewhere = min((e.ts for e in acts if e.type == "click" and e.url
                     and (source != "sidebar" or e.url != address)), default=None)
    return [e for e in acts if elsewhere is None or e.ts < elsewhere]


def choice_sets(events: list[Event], label_of) -> list[ChoiceSet]:
    """Every list the user was shown, with the outcome of each paper in it, oldest first."""
    events = sorted(events, key=lambda e: e.ts)
    label_of = functools.lru_cache(maxsize=None)(label_of)
    acts: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        if event.paper_id is not None and (_opens(event) or event.type in REJECTING):
            label = label_of(event.paper_id)
            if label is not None:
                acts[label].append(event)
    sets = []
    for key, ts, source, address, labels in _shown_lists(events, label_of):
        outcomes = []
        for label in labels:
            window = [e for e in acts.get(label, ()) if ts <= e.ts <= ts + OUTCOME_WINDOW_MS]
            after = _from_list(window, source, address)
            if any(e.type in REJECTING for e in after):
                outcomes.append(REJECTED)
            else:
                outcomes.append(CHOSEN if after else PASSED)
        sets.append(ChoiceSet(key=key, ts=ts, source=source, labels=labels, outcomes=outcomes))
    return sets

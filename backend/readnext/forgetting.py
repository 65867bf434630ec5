"""Forgetting: the events of some papers (or all of them), and with them the papers that only the user brought.

A paper the user alone brought into the corpus (a page read or scored, an event, the library, a profile: see
`Corpus.user_labels`) goes when the history that brought it is forgotten: its row, aliases, words, cached vector
and its vector in the index. Papers that an import, a backfill or following arXiv also brought stay. A forget is
written down before it begins and crossed out when it is done, so one that a kill cut short is finished at the
next open (engine) and reported by `readnext check` meanwhile.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .store import lines, storage
from .store.corpus import Corpus
from .store.corpus_schema import USER_ONLY_IDS
from .store.history import History, event_from_row
from .vectors.indexer import Indexer

PENDING = "forget_pending"  # meta: the paper ids being forgotten (JSON), or null for everything
FORGOT_ALL_THROUGH = "forgot_everything_through"  # meta: the last label given when everything was last forgotten


def forget(history: History, corpus: Corpus, indexer: Indexer, paper_ids: set[str] | None,
           finishing: bool = False) -> int:
    """Forget the events of these papers (every event when None) and the papers only they brought; the number
    of events forgotten. `finishing`: a forget cut short, begun again, whose index may still hold the papers."""
    corpus.set_meta(PENDING, json.dumps(None if paper_ids is None else sorted(paper_ids)))
    removed = history.forget(paper_ids)
    if paper_ids is None:
        gone = corpus.user_labels()
    else:
        gone = corpus.user_labels(filter(None, map(corpus.label_of, paper_ids))) - named_labels(history, corpus)
    indexer.remove(gone, save=finishing)
    if paper_ids is None:
        corpus.set_meta(FORGOT_ALL_THROUGH, str(corpus.last_label()))
    corpus.set_meta(PENDING, None)
    return removed


def unfinished(corpus: Corpus) -> tuple[bool, set[str] | None]:
    """(whether a forget was cut short, the paper ids it forgets: None for everything)."""
    pending = corpus.get_meta(PENDING)
    if pending is None:
        return False, None
    ids = json.loads(pending)
    return True, None if ids is None else set(ids)


def named_labels(history: History, corpus: Corpus) -> set[int]:
    """The papers the events of the history name (as their paper, or in a list shown)."""
    ids = {i for e in history.events() for i in ([e.paper_id] if e.paper_id else []) + (e.paper_ids or [])}
    return set(filter(None, map(corpus.label_of, ids)))


def leftovers(conn: sqlite3.Connection, home: Path) -> list[str]:
    """The ids of papers only the user brought that a forgotten history left in papers.sqlite (read through
    `conn`, read-only): those given before everything was last forgotten that no event of the log names, or,
    where no forget of everything was written down (an earlier version's), any such paper once the whole log
    is forgotten."""
    named, events = set(), 0
    forgotten = set(storage.read_lines(home / "events.forgotten"))
    for _, row in lines.json_lines(home / "events.jsonl"):
        event = event_from_row(row)
        if event is not None and event.id not in forgotten:
            events += 1
            named.update(([event.paper_id] if event.paper_id else []) + (event.paper_ids or []))
    through = conn.execute("SELECT value FROM meta WHERE key = ?", (FORGOT_ALL_THROUGH,)).fetchone()
    if through is None and (events or not forgotten):
        return []
    bound = int(through[0]) if through else 2 ** 62
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'user_papers'").fetchone():
        rows = conn.execute("SELECT p.label, p.id FROM papers p JOIN user_papers u ON u.label = p.label "
                            "WHERE p.label <= ?", (bound,)).fetchall()
    else:  # not opened since user_papers was kept: the ids only the user's pages and files make
        rows = conn.execute("SELECT label, id FROM papers WHERE label <= ? AND ("
                            + " OR ".join("id LIKE ?" for _ in USER_ONLY_IDS) + ")",
                            (bound, *(f"{p}%" for p in USER_ONLY_IDS))).fetchall()
    aliases: dict[int, set[str]] = {}
    for alias, label in conn.execute("SELECT alias, label FROM aliases"):
        aliases.setdefault(label, set()).add(alias)
    return [pid for label, pid in rows if not named & ({pid} | aliases.get(label, set()))]

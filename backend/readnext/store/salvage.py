"""Reading back what SQLite can still read of a damaged papers.sqlite (`readnext check --repair`).

Rows are read by ranges of rowids. A range SQLite cannot read (it crosses a damaged page) is halved, and halved
again, down to single rowids, so only the rows of the damaged pages are lost: reading by whole 1,000-row ranges
lost the 999 good rows beside a damaged page (220 of 1,217 readable papers came back).
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import storage
from .corpus import Corpus
from .corpus_schema import USER_ONLY_IDS
from ..errors import ReadNextError
from ..records.papers import paper_from_dict

STEP = 1000  # rowids a query reads
EMPTY_RANGES_AT_THE_END = 10  # where the table's last rowid cannot be read: the scan ends after this many empty ranges


@dataclass
class Salvaged:
    papers: int = 0
    vectors: int = 0
    unreadable: int = 0  # rowids that could not be read, and rows that were not papers


def salvage(damaged: Path, corpus: Corpus) -> Salvaged:
    """Copy the papers and cached vectors SQLite can still read from a damaged database into `corpus`."""
    found = Salvaged()
    if not Path(damaged).exists():
        return found
    conn = storage.open_sqlite_readonly(damaged)  # with its WAL, when it lies beside it as NAME-wal
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError:  # not a database any more: nothing in it can be found
        conn.close()
        return found
    try:
        users = _user_labels(conn)
        for rows, unreadable in _rows(conn, "papers", "label, data"):
            found.unreadable += unreadable
            papers: dict[bool, list] = {False: [], True: []}
            for label, data in rows:
                try:
                    paper = paper_from_dict(json.loads(data))
                except (ValueError, TypeError, ReadNextError):
                    found.unreadable += 1
                    continue
                papers[label in users if users is not None else paper.id.startswith(USER_ONLY_IDS)].append(paper)
            for by_user, some in papers.items():
                corpus.upsert(some, by_user=by_user)
                found.papers += len(some)
        for rows, unreadable in _rows(conn, "vectors", "model, hash, vec"):
            found.unreadable += unreadable
            by_model: dict[str, dict[str, np.ndarray]] = {}
            for model, key, blob in rows:
                if isinstance(blob, bytes) and len(blob) % 4 == 0:
                    by_model.setdefault(model, {})[key] = np.frombuffer(blob, dtype=np.float32)
                else:
                    found.unreadable += 1
            for model, vectors in by_model.items():
                corpus.store_vectors(model, vectors)
                found.vectors += len(vectors)
    finally:
        conn.close()
    return found


def _user_labels(conn: sqlite3.Connection) -> set[int] | None:
    """The labels of the papers only the user brought (user_papers); None where the table is missing (a database
    from before it) or cannot be read, and the ids say whose a paper is, as the migration does."""
    try:
        return {label for (label,) in conn.execute("SELECT label FROM user_papers")}
    except sqlite3.DatabaseError:  # OperationalError (no such table) is one
        return None


def _rows(conn: sqlite3.Connection, table: str, columns: str):
    """(the readable rows, the number of rowids that could not be read) of a table, a range of rowids at a time."""
    query = f"SELECT {columns} FROM {table} WHERE rowid >= ? AND rowid < ?"
    one = f"SELECT {columns} FROM {table} WHERE rowid = ?"
    last = _last_rowid(conn, table)
    start = empty = 0
    while start <= last if last is not None else empty < EMPTY_RANGES_AT_THE_END:
        parts = list(_readable(conn, query, one, start, start + STEP))
        rows = [row for part in parts if part for row in part]
        empty = 0 if rows else empty + 1
        yield rows, parts.count(None)
        start += STEP


def _readable(conn: sqlite3.Connection, query: str, one: str, start: int, stop: int):
    """The rows of rowids [start, stop), in parts; None for each single rowid SQLite cannot read. A single rowid
    is sought, not scanned: a scan that reads the last row of a page steps onto the next, which may be damaged."""
    try:
        yield conn.execute(one, (start,)).fetchall() if stop - start == 1 else \
            conn.execute(query, (start, stop)).fetchall()
    except sqlite3.DatabaseError:
        if stop - start == 1:
            yield None
            return
        middle = (start + stop) // 2
        yield from _readable(conn, query, one, start, middle)
        yield from _readable(conn, query, one, middle, stop)


def _last_rowid(conn: sqlite3.Connection, table: str) -> int | None:
    """The table's largest rowid; for papers, else the largest label ever given (AUTOINCREMENT); None when
    neither can be read (the table's end is damaged)."""
    queries = [f"SELECT max(rowid) FROM {table}"]
    if table == "papers":
        queries.append("SELECT seq FROM sqlite_sequence WHERE name = 'papers'")
    for query in queries:
        try:
            row = conn.execute(query).fetchone()
            return (row[0] if row else 0) or 0
        except sqlite3.DatabaseError:
            continue
    return None

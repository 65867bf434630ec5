"""The paper store's database: its tables, how a stored row reads back as a Paper, SQLite's refused writes and
the marker of a repair under way. The store itself is corpus.py.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ..errors import WriteFailed
from ..records.papers import Paper, display_name


# SQLite's primary result codes of a write the disk refused: full (or a quota), or an I/O error
WRITE_ERRORS = {sqlite3.SQLITE_FULL: "the disk is full", sqlite3.SQLITE_IOERR: "the disk failed to write"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (
    label INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    data TEXT NOT NULL,
    hash TEXT NOT NULL,
    indexed TEXT
);
CREATE TABLE IF NOT EXISTS aliases (alias TEXT PRIMARY KEY, label INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS aliases_label ON aliases(label);
CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, hash TEXT NOT NULL, vec BLOB NOT NULL,
                                    PRIMARY KEY (model, hash));
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS paper_terms (label INTEGER PRIMARY KEY, counts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# The papers that entered the corpus only through the user (pages read or scored, events, the library, a profile)
# and that no corpus source (an import, a backfill, following arXiv) also brought: they go when the history that
# brought them is forgotten (forgetting.py).
USER_PAPERS = "CREATE TABLE user_papers (label INTEGER PRIMARY KEY)"
# Ids only the user's pages and files make: a database from before user_papers was kept counts these as the user's.
USER_ONLY_IDS = ("bib:", "scholar:", "csl:")


def migrate(conn: sqlite3.Connection) -> None:
    """Add what a database from an earlier version lacks; run in the open's transaction, after SCHEMA."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'user_papers'").fetchone() is None:
        conn.execute(USER_PAPERS)
        conn.execute("INSERT INTO user_papers (label) SELECT label FROM papers WHERE "
                     + " OR ".join("id LIKE ?" for _ in USER_ONLY_IDS), [f"{p}%" for p in USER_ONLY_IDS])


def repair_marker(path: Path) -> Path:
    """The file that says a repair is replacing the database at `path` (`readnext check --repair`): while it
    exists the database is not to be opened, since what it holds is still being read back into a new one."""
    return Path(f"{path}.repairing")


def _refused_write(error: BaseException, path: Path) -> WriteFailed | None:
    """The WriteFailed to raise for a SQLite error of a write the disk refused; None for any other error."""
    code = getattr(error, "sqlite_errorcode", None)
    refused = WRITE_ERRORS.get(code & 0xFF) if isinstance(code, int) else None
    if refused is None:
        return None
    return WriteFailed(f"could not write {path.name}: {refused}; nothing was recorded (free some disk space in "
                       f"{path.parent})")


def _decode(data: str) -> Paper:
    paper = Paper(**json.loads(data))
    # Names stored in TeX by versions that did not decode them at ingest are shown decoded all the same.
    if any("\\" in name or "{" in name for name in paper.authors):
        paper.authors = [display_name(name) for name in paper.authors]
    return paper

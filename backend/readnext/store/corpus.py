"""The paper store: metadata for millions of papers in SQLite, the embedding cache, term statistics.

Each paper has an integer `label`, its row id, which is also its label in the vector index. The `indexed`
column holds the content hash whose vector the saved index holds; it is written only after the index file is
saved, so after a crash any paper whose `indexed` differs from its `hash` is re-added from the cache.
"""
from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from . import storage
from .corpus_schema import SCHEMA, _decode, _refused_write, migrate, repair_marker
from .read_cache import ReadCache
from ..errors import DamagedData
from ..records.papers import Paper, canonical_id, merge
from ..records.text import term_set, tokens

CACHED_PAPERS = 10_000  # papers kept in memory after a read (a few KB each)
QUICK_CHECK_BYTES = 256 << 20  # papers.sqlite files up to this size are checked page by page at every open


@dataclass
class Upserted:
    """What an upsert changed: every paper as now stored, those whose text changed, labels merged away."""
    papers: list[tuple[int, Paper]] = field(default_factory=list)
    changed: list[tuple[int, Paper]] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    added: int = 0  # papers new to the corpus


class Corpus:
    def __init__(self, path: Path):
        self.path = Path(path)
        if repair_marker(self.path).exists():
            raise DamagedData(path, "is being replaced by a repair that was cut short")
        try:
            self.conn = storage.open_sqlite(path)
            self.conn.executescript(SCHEMA)
            # quick_check reads every page, so garbage written over a page or a cut file is found before a request
            # trips over it; it costs 8-18 s for the 1.6 GB of a million papers on a busy 2-core machine, so a
            # larger file is left to `readnext check`, which always runs SQLite's full integrity check
            small = Path(path).exists() and Path(path).stat().st_size <= QUICK_CHECK_BYTES
            problems = [row[0] for row in self.conn.execute("PRAGMA quick_check")] if small else ["ok"]
        except sqlite3.DatabaseError as error:
            raise _refused_write(error, self.path) or DamagedData(path, f"is not a readable database ({error})") \
                from None
        if problems != ["ok"]:
            self.conn.close()
            raise DamagedData(path, f"fails its integrity check ({problems[0][:120]})")
        self.lock = threading.RLock()
        with self._transaction():
            migrate(self.conn)
        self._count: int | None = None
        # Writes of papers since the file was opened (one process writes a data directory at a time): what
        # was read from a paper before its last write is stale (the term cache, sparse.TermSimilarity)
        self.writes = 0
        self._written: dict[int, int] = {}
        self._papers = ReadCache(self, CACHED_PAPERS)

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write, whole or not at all. A write the disk refuses (full, an I/O error) is rolled back and raised
        as WriteFailed, the API's 507, so the caller answers that nothing changed."""
        with self.lock:
            self.conn.execute("BEGIN")
            try:
                yield
                self.conn.execute("COMMIT")
            except BaseException as error:
                self._count = None
                if self.conn.in_transaction:  # SQLite rolls back by itself when a COMMIT finds the disk full
                    self.conn.execute("ROLLBACK")
                refused = _refused_write(error, self.path)
                if refused:
                    raise refused from error
                raise

    # --- papers -------------------------------------------------------------------------------------------
    def count(self) -> int:
        # count(*) scans the table (~10 ms at a million rows) and ranking asks for it on every request
        with self.lock:  # not in the middle of a writer's transaction, which this connection would see
            if self._count is None:
                self._count = self.conn.execute("SELECT count(*) FROM papers").fetchone()[0]
            return self._count

    def last_write(self, label: int) -> int:
        """The value of `writes` when this paper was last written or removed; 0 when not since the open."""
        return self._written.get(label, 0)

    def _wrote(self, label: int) -> None:
        self.writes += 1
        self._written[label] = self.writes

    def _counted(self, change: int) -> None:
        if self._count is not None:
            self._count += change

    def label_of(self, paper_id: str) -> int | None:
        key = canonical_id(paper_id)
        row = self.conn.execute("SELECT label FROM papers WHERE id = ?", (key,)).fetchone() or \
            self.conn.execute("SELECT label FROM aliases WHERE alias = ?", (key,)).fetchone()
        return row[0] if row else None

    def get(self, paper_id: str) -> Paper | None:
        label = self.label_of(paper_id)
        return self.by_labels([label]).get(label) if label is not None else None

    def by_labels(self, labels: Iterable[int]) -> dict[int, Paper]:
        """The stored papers (those that exist) of these labels. Papers read lately come from memory: a user's
        history and neighbourhood are read on every request. The same objects are handed out again: callers
        must not change them."""
        labels = [int(x) for x in labels]
        read_at = self.writes
        found, missing = self._papers.get(labels)
        fetched = {}
        for start in range(0, len(missing), 900):  # SQLite's limit on bound variables
            chunk = missing[start:start + 900]
            marks = ",".join("?" * len(chunk))
            for label, data in self.conn.execute(f"SELECT label, data FROM papers WHERE label IN ({marks})", chunk):
                fetched[label] = _decode(data)
        self._papers.put(fetched, read_at)
        return dict(sorted((found | fetched).items()))  # in label order, as SQLite gives them

    def iter_papers(self, batch: int = 1000) -> Iterator[tuple[int, Paper]]:
        last = 0
        while True:
            rows = self.conn.execute("SELECT label, data FROM papers WHERE label > ? ORDER BY label LIMIT ?",
                                     (last, batch)).fetchall()
            if not rows:
                return
            for label, data in rows:
                yield label, _decode(data)
            last = rows[-1][0]

    def upsert(self, papers: Iterable[Paper], by_user: bool = False) -> Upserted:
        """Store papers, merging each with every stored copy it shares an id or alias with. `by_user`: they come
        from the user (a page, an event, the library), not from a corpus source; a paper is the user's only while
        no corpus source brought it or any copy it merged with (user_papers)."""
        result = Upserted()
        papers = list(papers)
        if not papers:
            return result
        with self._transaction():
            for paper in papers:
                self._upsert_one(paper, result, by_user)
        self._counted(result.added - len(result.removed))
        return result

    def _upsert_one(self, paper: Paper, result: Upserted, by_user: bool) -> None:
        ids = [paper.id, *paper.aliases]
        marks = ",".join("?" * len(ids))
        labels = sorted({row[0] for row in self.conn.execute(
            f"SELECT label FROM papers WHERE id IN ({marks}) UNION SELECT label FROM aliases WHERE alias IN ({marks})",
            ids + ids)})
        if not labels:
            label = self.conn.execute("INSERT INTO papers (id, data, hash) VALUES (?, ?, ?)",
                                      (paper.id, "{}", paper.content_hash())).lastrowid
            if by_user:
                self.conn.execute("INSERT INTO user_papers (label) VALUES (?)", (label,))
            self._write(label, paper, old=None)
            result.added += 1
            result.papers.append((label, paper))
            result.changed.append((label, paper))
            return
        stored = self.by_labels(labels)
        keep = labels[0]
        if not by_user or len(self.user_labels(labels)) < len(labels):  # a corpus source brought one of them
            self._drop_user_labels(labels)
        else:
            self._drop_user_labels(labels[1:])
        merged = stored[keep]
        for other in labels[1:]:  # two records turned out to be one paper (a Scholar hit and its arXiv page)
            merged = merge(merged, stored[other])
            self._forget_terms(stored[other])
            self.conn.execute("DELETE FROM papers WHERE label = ?", (other,))
            self._wrote(other)
            self.conn.execute("DELETE FROM paper_terms WHERE label = ?", (other,))
            self.conn.execute("UPDATE aliases SET label = ? WHERE label = ?", (keep, other))
            result.removed.append(other)
        merged = merge(merged, paper)
        old = stored[keep]
        self._write(keep, merged, old=old)
        result.papers.append((keep, merged))
        if merged.content_hash() != old.content_hash() or len(labels) > 1:
            result.changed.append((keep, merged))

    def add_new(self, papers: list[Paper], model: str, vectors: np.ndarray) -> list[int]:
        """Store papers known to be new, with their vectors, in one transaction: the fast path for building a
        large corpus (no merge look-ups; a duplicate id fails the whole batch)."""
        counts = [Counter(tokens(paper.text())) for paper in papers]
        terms: Counter = Counter()
        for paper_counts in counts:
            terms.update(paper_counts.keys())
        hashes = [paper.content_hash() for paper in papers]
        with self._transaction():
            first = self.last_label() + 1
            self.conn.executemany("INSERT INTO papers (label, id, data, hash) VALUES (?, ?, ?, ?)", [
                (first + i, p.id, json.dumps(p.to_dict(), ensure_ascii=False), h)
                for i, (p, h) in enumerate(zip(papers, hashes))])
            self.conn.executemany("INSERT OR REPLACE INTO vectors (model, hash, vec) VALUES (?, ?, ?)",
                                  [(model, h, np.asarray(v, np.float32).tobytes()) for h, v in zip(hashes, vectors)])
            self.conn.executemany("INSERT INTO terms (term, df) VALUES (?, ?) "
                                  "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df", terms.items())
            self.conn.executemany("INSERT OR REPLACE INTO paper_terms (label, counts) VALUES (?, ?)",
                                  [(first + i, json.dumps(c)) for i, c in enumerate(counts)])
        self._counted(len(papers))
        return list(range(first, first + len(papers)))

    def _write(self, label: int, paper: Paper, old: Paper | None) -> None:
        self._wrote(label)
        new_hash = paper.content_hash()
        self.conn.execute("UPDATE papers SET id = ?, data = ?, hash = ? WHERE label = ?",
                          (paper.id, json.dumps(paper.to_dict(), ensure_ascii=False), new_hash, label))
        self.conn.executemany("INSERT OR REPLACE INTO aliases (alias, label) VALUES (?, ?)",
                              [(alias, label) for alias in paper.aliases])
        if old is None or old.content_hash() != new_hash:
            if old is not None:
                self._forget_terms(old)
            counts = Counter(tokens(paper.text()))
            self.conn.executemany("INSERT INTO terms (term, df) VALUES (?, 1) "
                                  "ON CONFLICT(term) DO UPDATE SET df = df + 1", [(t,) for t in counts])
            self.conn.execute("INSERT OR REPLACE INTO paper_terms (label, counts) VALUES (?, ?)",
                              (label, json.dumps(counts)))

    def _forget_terms(self, paper: Paper) -> None:
        self.conn.executemany("UPDATE terms SET df = df - 1 WHERE term = ?", [(t,) for t in term_set(paper.text())])

    def delete(self, paper_id: str) -> int | None:
        label = self.label_of(paper_id)
        if label is None:
            return None
        self.remove_labels([label])
        return label

    def remove_labels(self, labels: Iterable[int]) -> list[int]:
        """Delete these papers, their aliases and words, and the cached vectors no other paper's text has: nothing
        of them is left in the file's tables. The labels that were there."""
        papers = self.by_labels(labels)
        with self._transaction():
            for label, paper in papers.items():
                self._forget_terms(paper)
                for table in ("aliases", "papers", "paper_terms", "user_papers"):
                    self.conn.execute(f"DELETE FROM {table} WHERE label = ?", (label,))
                self._wrote(label)
                self.conn.execute("DELETE FROM vectors WHERE hash = ?1 AND NOT EXISTS "
                                  "(SELECT 1 FROM papers WHERE hash = ?1)", (paper.content_hash(),))
        self._counted(-len(papers))
        return list(papers)

    # --- where papers came from: the user's alone, or a corpus source's too -------------------------------------
    def user_labels(self, labels: Iterable[int] | None = None) -> set[int]:
        """The papers (of these labels, or all) that entered only through the user (see upsert)."""
        if labels is None:
            return {row[0] for row in self.conn.execute("SELECT label FROM user_papers")}
        return {row[0] for row in self._rows_in("SELECT label FROM user_papers WHERE label IN ({})", labels)}

    def _rows_in(self, sql: str, values: Iterable, *before) -> Iterator[tuple]:
        """The rows of `sql` whose `IN ({})` takes these values, read in chunks under SQLite's bound limit."""
        values = list(values)
        for start in range(0, len(values), 900):
            chunk = values[start:start + 900]
            yield from self.conn.execute(sql.format(",".join("?" * len(chunk))), [*before, *chunk])

    def _drop_user_labels(self, labels: list[int]) -> None:
        self.conn.executemany("DELETE FROM user_papers WHERE label = ?", [(label,) for label in labels])

    def last_label(self) -> int:
        """The highest label ever given (labels are never given twice)."""
        return (self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'papers'").fetchone() or (0,))[0]

    # --- term statistics -------------------------------------------------------------------------------------
    def term_counts(self, labels: Iterable[int]) -> dict[int, dict[str, int]]:
        """Each paper's words and their counts, as counted when its text was stored."""
        labels = [int(x) for x in labels]
        found = {label: json.loads(counts) for label, counts in self._rows_in(
            "SELECT label, counts FROM paper_terms WHERE label IN ({})", labels)}
        missing = [label for label in labels if label not in found]  # stored before counts were kept
        for label, paper in self.by_labels(missing).items():
            found[label] = dict(Counter(tokens(paper.text())))
        return found

    def document_frequencies(self, terms: Iterable[str]) -> Counter:
        return Counter(dict(self._rows_in("SELECT term, df FROM terms WHERE term IN ({})", set(terms))))

    # --- embedding cache and index bookkeeping ----------------------------------------------------------------
    def cached_vectors(self, model: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        hashes = list(set(hashes))
        found = {}
        for start in range(0, len(hashes), 900):
            chunk = hashes[start:start + 900]
            marks = ",".join("?" * len(chunk))
            for key, blob in self.conn.execute(
                    f"SELECT hash, vec FROM vectors WHERE model = ? AND hash IN ({marks})", [model, *chunk]):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def store_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self._transaction():
            self.conn.executemany("INSERT OR REPLACE INTO vectors (model, hash, vec) VALUES (?, ?, ?)",
                                  [(model, key, np.asarray(v, np.float32).tobytes()) for key, v in vectors.items()])

    def unindexed(self, model: str) -> Iterator[tuple[int, str]]:
        """(label, hash) of papers whose current text has a cached vector the saved index lacks."""
        yield from self.conn.execute(
            "SELECT p.label, p.hash FROM papers p JOIN vectors v ON v.model = ? AND v.hash = p.hash "
            "WHERE p.indexed IS NOT p.hash", (model,))

    def unembedded(self, model: str, limit: int = 10_000) -> list[tuple[int, Paper]]:
        rows = self.conn.execute(
            "SELECT p.label, p.data FROM papers p LEFT JOIN vectors v ON v.model = ? AND v.hash = p.hash "
            "WHERE v.hash IS NULL LIMIT ?", (model, limit)).fetchall()
        return [(label, _decode(data)) for label, data in rows]

    def indexed_labels(self) -> set[int]:
        return {row[0] for row in self.conn.execute("SELECT label FROM papers WHERE indexed IS NOT NULL")}

    def mark_indexed(self, entries: Iterable[tuple[int, str]]) -> None:
        with self._transaction():
            self.conn.executemany("UPDATE papers SET indexed = ? WHERE label = ?",
                                  [(key, label) for label, key in entries])

    def clear_indexed(self) -> None:
        with self._transaction():
            self.conn.execute("UPDATE papers SET indexed = NULL")

    def hash_of(self, labels: Iterable[int]) -> dict[int, str]:
        return dict(self._rows_in("SELECT label, hash FROM papers WHERE label IN ({})", labels))

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str | None) -> None:
        """Keep `value` under `key`; None removes the key."""
        with self._transaction():
            self.conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            if value is not None:
                self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))

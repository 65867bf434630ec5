"""What is new to the reader: the corpus's papers of some arXiv categories dated since a day, and the marks of
those already shown (seen.json: paper id -> when it was first shown, in ms)."""
from __future__ import annotations

import threading
from pathlib import Path

from ..errors import DamagedData
from . import storage

KEEP_MARKS_MS = 60 * 86_400_000  # longer than any window of new papers: an older mark can exclude nothing


def labels_in_categories(corpus, categories: list[str], since_day: str) -> list[int]:
    """The labels of the papers listed in any of these categories and dated on or after `since_day`
    (YYYY-MM-DD), newest arrivals first."""
    if not categories:
        return []
    marks = ",".join("?" * len(categories))
    query = ("SELECT label FROM papers WHERE substr(json_extract(data, '$.date'), 1, 10) >= ? AND EXISTS "
             f"(SELECT 1 FROM json_each(data, '$.categories') WHERE value IN ({marks})) ORDER BY label DESC")
    with corpus.lock:  # not in the middle of a writer's transaction, which this connection would see
        return [row[0] for row in corpus.conn.execute(query, (since_day, *categories))]


class SeenMarks:
    """The papers the New for you page has shown, kept in the data directory so that a later visit shows only
    what came since."""

    def __init__(self, home: Path):
        self.path = Path(home) / "seen.json"
        self.lock = threading.Lock()
        try:
            stored = storage.read_json(self.path, {})
        except ValueError:
            raise DamagedData(self.path, "is not JSON") \
                from None
        if not isinstance(stored, dict):
            raise DamagedData(self.path, "is not an object of paper ids")
        self._marks: dict[str, int] = stored

    def seen(self) -> set[str]:
        with self.lock:
            return set(self._marks)

    def mark(self, paper_ids: list[str], now_ms: int) -> None:
        """Mark these papers seen now, and forget marks too old to matter."""
        if not paper_ids:
            return
        with self.lock:
            kept = {pid: ts for pid, ts in self._marks.items() if now_ms - ts < KEEP_MARKS_MS}
            marks = {**kept, **{pid: kept.get(pid, now_ms) for pid in paper_ids}}
            storage.atomic_write_json(self.path, marks)
            self._marks = marks

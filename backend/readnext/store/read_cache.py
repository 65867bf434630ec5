"""A cache of what was read of papers, by label, that drops a value once its paper is written again."""
from __future__ import annotations

import threading
from collections import OrderedDict


class ReadCache:
    """What was read of papers (their records, their words), by label, kept while the paper has not been written
    since (`Corpus.last_write`); the least recently used go first."""

    def __init__(self, corpus: "Corpus", size: int):
        self.corpus, self.size = corpus, size
        self._kept: OrderedDict[int, tuple[int, object]] = OrderedDict()  # label -> (`writes` at the read, value)
        self._lock = threading.Lock()

    def get(self, labels: list[int]) -> tuple[dict[int, object], list[int]]:
        """(the values kept and fresh, by label; the labels to read). Read them after taking `corpus.writes`."""
        found, missing = {}, []
        with self._lock:
            for label in labels:
                kept = self._kept.get(label)
                if kept is not None and kept[0] >= self.corpus.last_write(label):
                    found[label] = kept[1]
                    self._kept.move_to_end(label)
                else:
                    missing.append(label)
        return found, missing

    def put(self, values: dict[int, object], read_at: int) -> None:
        with self._lock:
            for label, value in values.items():
                self._kept[label] = (read_at, value)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

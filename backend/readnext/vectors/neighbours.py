"""The papers near the profile's queries, kept from one profile to the next.

Every view changes the profile a little: its heaviest papers stay the same papers and an interest's centroid
moves by a fraction of a degree. Searching the index again for each query of each new profile cost 20-30 ms at
a million papers (docs/benchmarks.md). A query within SAME_QUERY cosine of one searched before, asking for no
more papers, takes that search's papers instead, as long as the index has not changed since. Nothing is lost
in the scores: these papers are only gathered to be scored, and every one of them is then scored exactly.
"""
from __future__ import annotations

import threading

import numpy as np

SAME_QUERY = 0.995
KEPT = 64


class Neighbourhoods:
    def __init__(self, index):
        self.index = index
        self._lock = threading.Lock()
        self._queries = np.zeros((0, index.dim), np.float32)
        self._found: list[tuple[int, np.ndarray]] = []  # (fetch, labels nearest first) of each kept query
        self._generation = index.generation

    def near(self, queries: list[np.ndarray], fetch: int) -> np.ndarray:
        """The labels of the `fetch` papers nearest to each query, all together."""
        if not queries:
            return np.zeros(0, np.int64)
        found, missing = [], []
        with self._lock:
            if self._generation != self.index.generation:  # papers came or went: search afresh
                self._queries, self._found, self._generation = self._queries[:0], [], self.index.generation
            for query in queries:
                kept = self._kept(query, fetch)
                if kept is None:
                    missing.append(query)
                else:
                    found.append(kept)
            generation = self._generation
        if missing:
            labels = self.index.search(np.stack(missing), fetch)[0]
            found.extend(labels)
            with self._lock:
                if generation == self._generation:
                    self._queries = np.concatenate([self._queries, np.stack(missing)])[-KEPT:]
                    self._found = (self._found + [(fetch, row) for row in labels])[-KEPT:]
        return np.concatenate(found)

    def _kept(self, query: np.ndarray, fetch: int) -> np.ndarray | None:
        if not len(self._found):
            return None
        similarity = self._queries @ query
        for row in np.argsort(-similarity)[:4]:
            if similarity[row] < SAME_QUERY:
                return None
            kept_fetch, labels = self._found[row]
            if kept_fetch >= fetch:
                return labels[:fetch]
        return None

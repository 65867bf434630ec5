"""Approximate nearest neighbours over unit vectors: hnswlib, inner product, labels = paper labels.

hnswlib keeps its own copy of every vector, so vectors are read back from the index (`vectors`) rather than
kept in a second matrix in RAM. The index is saved atomically beside a small JSON header naming the model.
"""
from __future__ import annotations

import threading
from pathlib import Path

import hnswlib
import numpy as np

from . import storage

M = 16
EF_CONSTRUCTION = 200
EF_SEARCH = 128


class VectorIndex:
    def __init__(self, dim: int, model: str, capacity: int = 1024, _loaded: "hnswlib.Index | None" = None):
        self.dim = dim
        self.model = model
        self.lock = threading.RLock()
        self._index = _loaded or hnswlib.Index(space="ip", dim=dim)
        if _loaded is None:
            self._index.init_index(max_elements=capacity, ef_construction=EF_CONSTRUCTION, M=M)
        self._index.set_ef(EF_SEARCH)
        self._deleted: set[int] = set()

    # --- persistence ------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path, dim: int, model: str) -> "VectorIndex | None":
        """The saved index, or None when it is missing, unreadable or made by another model."""
        header = storage.read_json(Path(str(path) + ".json"))
        if not header or header.get("model") != model or header.get("dim") != dim or not Path(path).exists():
            return None
        loaded = hnswlib.Index(space="ip", dim=dim)
        try:
            loaded.load_index(str(path), max_elements=max(header.get("capacity", 0), 1024))
        except RuntimeError:
            return None
        index = cls(dim, model, _loaded=loaded)
        index._deleted = set(header.get("deleted", []))
        if index._index.get_current_count() != header.get("stored"):
            return None  # the header belongs to another save of the index
        return index

    def save(self, path: Path) -> None:
        with self.lock:
            with storage.atomic_path(path) as tmp:
                self._index.save_index(str(tmp))
            storage.atomic_write_json(Path(str(path) + ".json"), {
                "model": self.model, "dim": self.dim, "capacity": self._index.get_max_elements(),
                "stored": self._index.get_current_count(), "deleted": sorted(self._deleted)})

    # --- contents -------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._index.get_current_count() - len(self._deleted)

    def labels(self) -> set[int]:
        """Labels of live (not deleted) vectors."""
        with self.lock:
            return set(self._index.get_ids_list()) - self._deleted

    def add(self, labels, vectors: np.ndarray) -> None:
        """Add vectors, or replace the vectors of labels already present."""
        labels = np.asarray(labels, dtype=np.int64)
        if not len(labels):
            return
        with self.lock:
            needed = self._index.get_current_count() + len(labels)
            if needed > self._index.get_max_elements():
                self._index.resize_index(max(needed, int(self._index.get_max_elements() * 1.5)))
            for label in self._deleted.intersection(labels.tolist()):
                self._index.unmark_deleted(label)
                self._deleted.discard(label)
            self._index.add_items(np.asarray(vectors, dtype=np.float32), labels)

    def remove(self, labels) -> None:
        with self.lock:
            for label in {int(x) for x in labels} - self._deleted:
                try:
                    self._index.mark_deleted(label)
                except RuntimeError:  # "Label not found": never indexed, so never returned either
                    continue
                self._deleted.add(label)

    def vectors(self, labels) -> np.ndarray:
        labels = list(labels)
        if not labels:
            return np.zeros((0, self.dim), np.float32)
        with self.lock:
            return np.asarray(self._index.get_items(labels), dtype=np.float32).reshape(len(labels), self.dim)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(labels, cosine similarities) of the k nearest live vectors of each query row."""
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        k = min(k, len(self))
        if k <= 0:
            return np.zeros((len(queries), 0), np.int64), np.zeros((len(queries), 0), np.float32)
        with self.lock:
            self._index.set_ef(max(EF_SEARCH, 2 * k))
            labels, distances = self._index.knn_query(queries, k=k, num_threads=1)
        return labels.astype(np.int64), (1.0 - distances).astype(np.float32)

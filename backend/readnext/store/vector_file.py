"""Vectors by integer label in a file mapped into memory: the index's copy of its rows."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .storage import FILE_MODE


class VectorFile:
    """float32 rows addressed by integer label, in a file mapped into memory (in memory alone without a path).

    Reading a few hundred rows costs microseconds, where hnswlib's get_items costs ~50 µs a row; the pages
    are the kernel's page cache, which it can drop under memory pressure, not a second matrix in the heap.
    """

    def __init__(self, path: Path | None, dim: int):
        self.path = Path(path) if path else None
        self.dim = dim
        self.row_bytes = dim * 4
        self._rows = 0
        self._map = np.zeros((0, dim), np.float32)
        if self.path is not None:
            if not self.path.exists():
                self.path.touch(mode=FILE_MODE)
            self._remap(self.path.stat().st_size // self.row_bytes)

    def __len__(self) -> int:
        return self._rows

    def _remap(self, rows: int) -> None:
        if self.path is None:
            grown = np.zeros((rows, self.dim), np.float32)
            grown[: self._rows] = self._map[: self._rows]
            self._map = grown
        else:
            if isinstance(self._map, np.memmap):
                self._map.flush()
            if rows > self.path.stat().st_size // self.row_bytes:
                os.truncate(self.path, rows * self.row_bytes)
            self._map = np.memmap(self.path, dtype=np.float32, mode="r+", shape=(rows, self.dim)) if rows else \
                np.zeros((0, self.dim), np.float32)
        self._rows = rows

    def write(self, labels, vectors: np.ndarray) -> None:
        labels = np.asarray(labels, dtype=np.int64)
        needed = int(labels.max()) + 1
        if needed > self._rows:
            self._remap(max(needed, int(self._rows * 1.5), 1024))
        self._map[labels] = vectors

    def read(self, labels) -> np.ndarray:
        labels = np.asarray(labels, dtype=np.int64)
        if self.path is None or not len(labels):
            return np.array(self._map[labels], dtype=np.float32)
        # pread rather than the mapping: a page faulted in through the mapping stays in this process's
        # resident set (with its neighbours, read around it), though only a few rows of it are ever used
        with open(self.path, "rb", buffering=0) as handle:
            data = b"".join(os.pread(handle.fileno(), self.row_bytes, int(label) * self.row_bytes) for label in labels)
        return np.frombuffer(data, dtype=np.float32).reshape(len(labels), self.dim).copy()

    def flush(self) -> None:
        if isinstance(self._map, np.memmap):
            self._map.flush()

"""Approximate nearest neighbours over unit vectors: hnswlib, inner product, labels = paper labels.

hnswlib keeps its own copy of every vector, and reading it back is slow (get_items: ~50 µs a vector), so the
vectors are also written to a file mapped into memory, row = label, that `vectors` reads: the kernel's page
cache, not a second matrix in the heap. The index is saved atomically beside a small JSON header naming the
model; the vector file is flushed before it. What the index holds (its elements, those marked deleted) is read
from the index file itself, never from the header, so a kill between the file's rename and the header's write
leaves a pair the next start loads.
"""
from __future__ import annotations

import ctypes
import gc
import os
import signal
import sys
import threading
import traceback
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import hnswlib
import numpy as np

from ..store import storage
from ..store.vector_file import VectorFile
from ..errors import ReadNextError

M = 16
EF_CONSTRUCTION = 200
EF_SEARCH = 128
RECENT_ROWS = 20_000  # 30 MB of 384-dimensional rows


PR_SET_PDEATHSIG = 1  # Linux's prctl option: a signal the kernel sends this process when its parent dies


def _forked(work) -> int:
    """Run `work(parent_alive)` in a forked child (a copy-on-write snapshot of this process); returns its pid.

    The child must not outlive its parent: a killed server's save would otherwise go on holding the data
    directory's lock and the listening socket (inherited descriptors), and rename an old snapshot over what the
    next server saved. So it closes every inherited descriptor but the standard three, is killed by the kernel
    when the parent dies (Linux), and `parent_alive` tells it, on every system, whether the parent still waits."""
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: only this thread exists here; it must leave without running the parent's cleanup
        code = 1
        try:
            _die_with_parent()
            if os.getppid() == parent:  # else it died before the line above could ask for the signal
                gc.disable()  # a collected parent object would close a descriptor number the child reuses
                os.closerange(3, os.sysconf("SC_OPEN_MAX"))
                work(lambda: os.getppid() == parent)
                code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    return pid


def _die_with_parent() -> None:
    """Ask the kernel for SIGKILL when the parent (the thread that forked, which waits for this child) dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _wait(pid: int) -> None:
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if code != 0:
        raise ReadNextError(f"saving the index failed (exit status {code})")


_HEADER = np.dtype([("offset_level0", "<u8"), ("max_elements", "<u8"), ("count", "<u8"), ("element_size", "<u8"),
                    ("label_offset", "<u8"), ("data_offset", "<u8"), ("max_level", "<i4"), ("entry", "<u4"),
                    ("max_m", "<u8"), ("max_m0", "<u8"), ("m", "<u8"), ("mult", "<f8"), ("ef_construction", "<u8")])
MAX_LABEL = 1 << 40


DELETE_MARK = 0x01  # hnswlib marks a deleted element in the third byte of its bottom-layer link list


@dataclass
class SavedGraph:
    """What an index file holds, read from the file."""
    count: int  # elements, those marked deleted included
    capacity: int
    deleted: set[int]  # labels marked deleted


def read_graph(path: Path, dim: int) -> SavedGraph | None:
    """What hnswlib's file holds, or None when its bottom layer is not plausible: its header must agree with the
    file's size and with `dim`, and every element must have a small label and link only to elements that exist.
    Garbage written over the body fails this."""
    data = storage.map_bytes(path)
    if len(data) < _HEADER.itemsize:
        return None
    head = data[:_HEADER.itemsize].view(_HEADER)[0]
    count, size, max_m0 = int(head["count"]), int(head["element_size"]), int(head["max_m0"])
    links_end = 4 + 4 * max_m0
    if (head["offset_level0"] != 0 or count > head["max_elements"] or max_m0 > 4096
            or links_end > head["data_offset"] or head["label_offset"] - head["data_offset"] != 4 * dim
            or head["label_offset"] + 8 > size
            or len(data) < _HEADER.itemsize + count * size or (count and head["entry"] >= count)):
        return None
    level0 = data[_HEADER.itemsize:_HEADER.itemsize + count * size].reshape(count, size)
    label_at = int(head["label_offset"])
    deleted: set[int] = set()
    for start in range(0, count, 50_000):
        rows = level0[start:start + 50_000]
        links = np.ascontiguousarray(rows[:, :links_end]).view("<u4")
        sizes = links[:, 0] & 0xFFFF
        used = np.arange(max_m0) < sizes[:, None]
        labels = np.ascontiguousarray(rows[:, label_at:label_at + 8]).view("<u8")[:, 0]
        if (sizes > max_m0).any() or (links[:, 1:][used] >= count).any() or (labels >= MAX_LABEL).any():
            return None
        deleted.update(labels[(rows[:, 2] & DELETE_MARK) != 0].tolist())
    return SavedGraph(count, int(head["max_elements"]), deleted)


def _rows_path(path: Path | None) -> Path | None:
    return Path(str(path) + ".vectors") if path else None


class VectorIndex:
    def __init__(self, dim: int, model: str, capacity: int = 1024, path: Path | None = None,
                 _loaded: "hnswlib.Index | None" = None):
        self.dim = dim
        self.model = model
        self.lock = threading.RLock()  # additions, removals, saves and the row cache, one at a time
        # hnswlib answers queries side by side (releasing the GIL) but not beside an addition, and its ef is one
        # setting for all: queries run together while they agree on ef; additions and removals wait for them
        self._gate = threading.Condition()
        self._searching = 0
        self._changing = 0
        self._ef = EF_SEARCH
        self._rows = VectorFile(_rows_path(path), dim)
        # rows read lately: a user's neighbourhood (history, interests, their nearby papers) is read on every
        # request, while each read from the file is a system call
        self._recent: OrderedDict[int, np.ndarray] = OrderedDict()
        self._index = _loaded or hnswlib.Index(space="ip", dim=dim)
        if _loaded is None:
            self._index.init_index(max_elements=capacity, ef_construction=EF_CONSTRUCTION, M=M)
        self._index.set_ef(EF_SEARCH)
        self._deleted: set[int] = set()
        self.generation = 0  # bumped by every addition and removal
        self._live = np.zeros(0, dtype=bool)  # by label: has a live vector (hnswlib cannot say so cheaply)
        if _loaded is not None:
            self._mark_live(_loaded.get_ids_list(), True)

    def _mark_live(self, labels, value: bool) -> None:
        labels = np.asarray(list(labels), dtype=np.int64)
        if not len(labels):
            return
        if labels.max() >= len(self._live):
            grown = np.zeros(max(int(labels.max()) + 1, 2 * len(self._live)), dtype=bool)
            grown[: len(self._live)] = self._live
            self._live = grown
        self._live[labels] = value

    # --- persistence ------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path, dim: int, model: str) -> "VectorIndex | None":
        """The saved index, or None when it is missing, unreadable or made by another model."""
        try:
            header = storage.read_json(Path(str(path) + ".json"))
        except ValueError:
            return None
        if not isinstance(header, dict) or header.get("model") != model or header.get("dim") != dim or not Path(path).exists():
            return None
        graph = read_graph(path, dim)
        if graph is None:
            return None  # hnswlib would load garbage (labels past 2**63, links to nowhere) and fail later
        loaded = hnswlib.Index(space="ip", dim=dim)
        try:
            loaded.load_index(str(path), max_elements=max(graph.capacity, 1024))
        except RuntimeError:
            return None
        if loaded.get_current_count() != graph.count:
            return None
        index = cls(dim, model, path=path, _loaded=loaded)
        index._deleted = graph.deleted
        index._mark_live(index._deleted, False)
        if header.get("rows") != len(index._rows):  # the vector file is not the one saved with this index
            index._copy_rows_from_hnswlib()
        return index

    def _copy_rows_from_hnswlib(self) -> None:
        labels = sorted(self.labels())
        for start in range(0, len(labels), 10_000):
            chunk = labels[start:start + 10_000]
            self._rows.write(chunk, np.asarray(self._index.get_items(chunk), dtype=np.float32))

    def save(self, path: Path) -> None:
        """Save atomically. hnswlib holds the GIL while it writes (seconds at a million vectors), which would
        stop every thread of a server; where the OS can fork, a child writes a copy-on-write snapshot taken
        under the lock instead, and this thread (and only this thread) waits for it."""
        with self.lock:
            self._rows.flush()
            # the header names the model; what the index holds is read from the index file (read_graph)
            header = {"model": self.model, "dim": self.dim, "rows": len(self._rows)}
            if hasattr(os, "fork"):
                child = _forked(lambda parent_alive: self._write_index(path, parent_alive))
            else:
                self._write_index(path)
                child = None
        if child is not None:
            _wait(child)  # outside the lock: searches and additions go on meanwhile
        storage.atomic_write_json(Path(str(path) + ".json"), header)

    def _write_index(self, path: Path, proceed=lambda: True) -> None:
        with storage.atomic_path(path, proceed) as tmp:
            self._index.save_index(str(tmp))

    # --- contents -------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._index.get_current_count() - len(self._deleted)

    def labels(self) -> set[int]:
        """Labels of live (not deleted) vectors."""
        return set(np.flatnonzero(self._live).tolist())

    def present(self, labels) -> list[int]:
        """The labels among these that have a live vector, in their order."""
        live = self._live
        return [int(l) for l in labels if 0 <= int(l) < len(live) and live[int(l)]]

    @contextmanager
    def _alone(self):
        """Hold the index for a change: no query runs meanwhile."""
        with self.lock:
            with self._gate:
                self._changing += 1
                while self._searching:
                    self._gate.wait()
            try:
                yield
            finally:
                with self._gate:
                    self._changing -= 1
                    self._gate.notify_all()

    def add(self, labels, vectors: np.ndarray) -> None:
        """Add vectors, or replace the vectors of labels already present."""
        labels = np.asarray(labels, dtype=np.int64)
        if not len(labels):
            return
        with self._alone():
            needed = self._index.get_current_count() + len(labels)
            if needed > self._index.get_max_elements():
                self._index.resize_index(max(needed, int(self._index.get_max_elements() * 1.5)))
            for label in self._deleted.intersection(labels.tolist()):
                self._index.unmark_deleted(label)
                self._deleted.discard(label)
            vectors = np.asarray(vectors, dtype=np.float32)
            self._rows.write(labels, vectors)
            for label in labels.tolist():
                self._recent.pop(label, None)
            self._index.add_items(vectors, labels)
            self._mark_live(labels, True)
            self.generation += 1

    def remove(self, labels) -> None:
        with self._alone():
            for label in set(self.present(labels)):
                self._index.mark_deleted(label)
                self._deleted.add(label)
                self._mark_live([label], False)
                self.generation += 1

    def vectors(self, labels) -> np.ndarray:
        labels = [int(l) for l in labels]
        if not labels:
            return np.zeros((0, self.dim), np.float32)
        with self.lock:
            cache = self._recent
            missing = [l for l in dict.fromkeys(labels) if l not in cache]
            if missing:
                cache.update(zip(missing, self._rows.read(missing)))
            for label in labels:
                cache.move_to_end(label)
            found = np.stack([cache[l] for l in labels])
            while len(cache) > RECENT_ROWS:
                cache.popitem(last=False)
            return found

    def all_vectors(self, labels) -> np.ndarray:
        """The rows of many labels (a whole corpus), read past the cache of recent rows, which they would empty."""
        labels = [int(l) for l in labels]
        chunks = [labels[start:start + 50_000] for start in range(0, len(labels), 50_000)]
        with self.lock:
            return np.concatenate([self._rows.read(chunk) for chunk in chunks] or [np.zeros((0, self.dim), np.float32)])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(labels, cosine similarities) of the k nearest live vectors of each query row."""
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        k = min(k, len(self))
        if k <= 0:
            return np.zeros((len(queries), 0), np.int64), np.zeros((len(queries), 0), np.float32)
        ef = max(EF_SEARCH, k)
        with self._gate:
            while self._changing or (self._searching and self._ef != ef):
                self._gate.wait()
            if self._ef != ef:
                self._index.set_ef(ef)
                self._ef = ef
            self._searching += 1
        try:
            labels, distances = self._index.knn_query(queries, k=k, num_threads=1)
        finally:
            with self._gate:
                self._searching -= 1
                self._gate.notify_all()
        return labels.astype(np.int64), (1.0 - distances).astype(np.float32)

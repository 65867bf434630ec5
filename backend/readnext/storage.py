"""All file I/O of ReadNext. Every write either lands whole or not at all.

Whole-file writes go to a temporary file in the same directory, are fsynced and renamed over the target (the
rename is atomic on POSIX), then the directory is fsynced. The event log is append-only: a batch is written and
fsynced before the API acknowledges it, and a line torn by a crash is an unacknowledged one, skipped on reading.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import sqlite3
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np
from tinydb import Storage

from .errors import Conflict

HOME_MODE = 0o700
FILE_MODE = 0o600


def ensure_home(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True, mode=HOME_MODE)
    os.chmod(home, HOME_MODE)
    return home


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `path` atomically (for libraries that save by
    file name, such as hnswlib)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_json(path: Path, value) -> None:
    atomic_write_bytes(path, json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8"))


def read_json(path: Path, default=None):
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        return default


def append_lines(path: Path, lines: list[str]) -> None:
    """Append whole lines and fsync before returning: after this, they survive a kill -9 or power cut."""
    if not lines:
        return
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_json_lines(path: Path) -> Iterator[dict]:
    """The objects of a JSONL file; a torn last line (a crash mid-append) is skipped."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return
    with handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break  # torn by a crash before its fsync: it was never acknowledged
            try:
                yield json.loads(raw)
            except json.JSONDecodeError:
                continue


def rewrite_json_lines(path: Path, objects) -> None:
    atomic_write_bytes(path, "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode("utf-8"))


def file_size(path: Path) -> int:
    return Path(path).stat().st_size


def open_binary(path: Path):
    """A file to stream by bytes, so a reader can count byte offsets and seek back to one (resumable imports);
    `-` is standard input, which cannot seek."""
    import sys
    if str(path) == "-":
        return sys.stdin.buffer
    return open(path, "rb")


def read_text(path: Path) -> str:
    """A whole text file of modest size (a .bib or CSL-JSON export); `-` is standard input."""
    import sys
    if str(path) == "-":
        return sys.stdin.read()
    return Path(path).read_text("utf-8", errors="replace")


def open_sqlite(path: Path) -> sqlite3.Connection:
    """SQLite in WAL mode: a commit survives kill -9, readers do not block the writer."""
    new = not Path(path).exists()
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    if new:
        os.chmod(path, FILE_MODE)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def load_or_create_token(path: Path) -> str:
    """The per-install pairing token, made on first run, readable by the user alone."""
    try:
        token = Path(path).read_text("utf-8").strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    token = secrets.token_urlsafe(32)
    atomic_write_bytes(path, token.encode("ascii"))
    return token


def remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class AtomicJSONStorage(Storage):
    """TinyDB storage that never leaves a half-written file: each write replaces the file atomically.

    TinyDB reads the whole database before every operation; this process is the file's only writer, so the
    last state written is kept in memory and served back instead of parsing the file each time.
    """

    def __init__(self, path, **_kwargs):
        self.path = Path(path)
        self._cache = None

    def read(self):
        if self._cache is None:
            self._cache = read_json(self.path)
        return self._cache

    def write(self, data) -> None:
        try:
            atomic_write_json(self.path, data)
            self._cache = data
        except BaseException:
            self._cache = None  # memory may hold what the disk does not: read the disk again
            raise

    def close(self) -> None:
        self._cache = None


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Held by the one process that writes a data directory (serve, import); a second one is refused."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(path) from None
        yield
    finally:
        os.close(fd)


class LockedError(Conflict):
    def __init__(self, path: Path):
        super().__init__(f"another ReadNext process (serve or import) is using {Path(path).parent}; stop it first")


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


def is_locked(path: Path) -> bool:
    """Whether a process holds `exclusive_lock(path)` now."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)

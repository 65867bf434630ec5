"""All whole-file I/O of ReadNext, the data directory and its lock. Every write either lands whole or not at all.

Whole-file writes go to a temporary file in the same directory, are fsynced and renamed over the target (the
rename is atomic on POSIX), then the directory is fsynced. JSON-lines files (the event log) are lines.py's.
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

from ..errors import Conflict, DamagedData


HOME_MODE = 0o700
FILE_MODE = 0o600
TEMPORARY_SUFFIX = ".readnext.tmp"  # atomic_path's temporaries: only files named so are ever removed as ours


def ensure_home(home: Path) -> Path:
    """The data directory, made readable by the user alone when it is new. A directory that exists already is
    left as it is (the user may have pointed --home at one of theirs): `readnext check` reports one open to
    other users, and `--repair` closes it."""
    try:
        home.mkdir(parents=True, mode=HOME_MODE)
    except FileExistsError:
        if not home.is_dir():
            raise
        return home
    os.chmod(home, HOME_MODE)  # mkdir's mode passes through the umask
    return home


def is_open_to_others(path: Path) -> bool:
    return bool(Path(path).stat().st_mode & 0o077)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: Path, proceed=lambda: True) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `path` atomically (for libraries that save by
    file name, such as hnswlib). `proceed()` is asked right before the rename: False leaves `path` as it was
    (a writer whose result is no longer wanted)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        if not proceed():
            return
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def remove_temporaries(directory: Path) -> list[str]:
    """Delete the temporary files of writes a kill cut short (`atomic_path`'s, by their suffix: never another
    program's); call it holding the data directory's lock, as the one writer of that directory."""
    names = []
    for path in sorted(Path(directory).glob(f".*{TEMPORARY_SUFFIX}")):
        path.unlink(missing_ok=True)
        names.append(path.name)
    return names


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


def read_lines(path: Path) -> list[str]:
    """The lines of a small text file (one id a line), without their ends; none when it is missing."""
    try:
        return [line for line in Path(path).read_text("utf-8").splitlines() if line]
    except FileNotFoundError:
        return []


def file_size(path: Path) -> int:
    return Path(path).stat().st_size


def disk_usage(directory: Path) -> int:
    """Bytes of every file under `directory`."""
    return sum(path.stat().st_size for path in Path(directory).rglob("*") if path.is_file())


def open_binary(path: Path):
    """A file to stream by bytes, so a reader can count byte offsets and seek back to one (resumable imports);
    `-` is standard input, which cannot seek."""
    import sys
    if str(path) == "-":
        return sys.stdin.buffer
    return open(path, "rb")


def map_bytes(path: Path) -> np.ndarray:
    """A file's bytes, mapped read-only (for checking a large binary file without reading it into the heap)."""
    if Path(path).stat().st_size == 0:
        return np.zeros(0, np.uint8)
    return np.memmap(path, dtype=np.uint8, mode="r")


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


def open_sqlite_readonly(path: Path) -> sqlite3.Connection:
    """A SQLite database opened to read only (`readnext check`): nothing is written, not even a journal."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def move(path: Path, to: Path) -> None:
    """Rename a file over another, durably (the directory is fsynced)."""
    os.replace(path, to)
    _fsync_dir(Path(to).parent)


def move_aside(path: Path, suffix: str) -> Path:
    """Rename a file to NAME.SUFFIX beside it (a copy kept of what a repair replaces)."""
    kept = Path(path).with_name(f"{Path(path).name}.{suffix}")
    os.replace(path, kept)
    _fsync_dir(kept.parent)
    return kept


def make_private(path: Path) -> None:
    os.chmod(path, HOME_MODE if Path(path).is_dir() else FILE_MODE)


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
            try:
                self._cache = read_json(self.path)
            except ValueError:
                raise DamagedData(self.path, "is not valid JSON (damaged settings)") from None
            if self._cache is not None and not isinstance(self._cache, dict):
                raise DamagedData(self.path, "does not hold settings")
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

"""JSON-lines files (the event log and its kin): durable appends, streamed reads, atomic rewrites.

The event log is append-only: a batch is written and fsynced before the API acknowledges it; a line torn by a
crash is an unacknowledged one, set aside (by history.py) before the next append.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
from pathlib import Path
from typing import Iterator

from ..errors import WriteFailed
from .storage import FILE_MODE, atomic_path


def append_lines(path: Path, lines: list[str]) -> None:
    """Append whole lines and fsync before returning: after this, they survive a kill -9 or power cut.

    A write that does not complete (disk full, an I/O error) is undone: the file is cut back to its old length
    and WriteFailed is raised, so no acknowledged line is lost and no fragment is left for the next append.
    """
    if not lines:
        return
    append_bytes(path, "".join(line + "\n" for line in lines).encode("utf-8"))


def append_bytes(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        old_size = os.fstat(fd).st_size
        try:
            written = 0
            while written < len(data):  # os.write may write less than asked (a full disk, a signal)
                done = os.write(fd, data[written:])
                if done <= 0:
                    raise OSError(errno.ENOSPC, "no byte written")
                written += done
            os.fsync(fd)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, old_size)
                os.fsync(fd)
            raise WriteFailed(f"could not write {Path(path).name}: {error.strerror or error}; nothing was "
                              f"recorded (free some disk space in {Path(path).parent})") from error
    finally:
        os.close(fd)


UNREADABLE = object()  # the value of a line that is not JSON
TORN = object()  # the value of an unfinished last line: a crash mid-append, never acknowledged


def json_lines(path: Path) -> Iterator[tuple[bytes, object]]:
    """(raw line, its value) of each line of a JSONL file, streamed; the value is UNREADABLE for a line that is
    not JSON and TORN for an unfinished last line."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return
    with handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                yield raw, TORN
                return
            try:
                yield raw, json.loads(raw)
            except (ValueError, RecursionError):
                yield raw, UNREADABLE


def rewrite_lines(path: Path, revise) -> None:
    """Replace a JSONL file atomically, streamed, by its whole lines passed through `revise(value)`: a false
    answer drops the line, True or the value itself keeps it as it was, another value is written instead."""
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        for raw, value in json_lines(path):
            if value is TORN or value is UNREADABLE:
                continue
            revised = revise(value)
            if revised is True or revised is value:
                out.write(raw)
            elif revised:
                out.write(json.dumps(revised, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")


def set_lines_aside(path: Path, aside: list[bytes], aside_path: Path, keep) -> None:
    """Move lines out of a JSONL file into `aside_path` (appended, never lost) and keep those `keep(value)`
    accepts. The copy is made before the file is rewritten, so a crash between the two loses nothing."""
    if aside:
        append_bytes(aside_path, b"".join(line if line.endswith(b"\n") else line + b"\n" for line in aside))
    rewrite_lines(path, keep)


def count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as handle:
            return sum(1 for _ in handle)
    except FileNotFoundError:
        return 0


def read_json_lines(path: Path) -> Iterator[dict]:
    """The objects of a JSONL file; a torn last line (a crash mid-append) and unreadable lines are skipped."""
    for _, value in json_lines(path):
        if value is not UNREADABLE and value is not TORN:
            yield value

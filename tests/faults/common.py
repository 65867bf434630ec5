"""Helpers of the fault suite: the CLI with the fake model, a small snapshot file, events."""
from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from conftest import topic_papers

FAKE = Path(__file__).with_name("fake_readnext.py")


def fake_cli(*args, home: Path, check: bool = False, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(FAKE), *args, "--home", str(home)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=check, timeout=600, **kwargs)


def snapshot(path: Path, per_topic: int = 30) -> Path:
    """A small arXiv-snapshot-like JSONL file of three clearly separate topics."""
    rows = []
    for n, paper in enumerate(topic_papers(per_topic)):
        rows.append({"id": f"2301.{n:05d}", "title": paper["title"], "abstract": paper["abstract"],
                     "authors": "A. Author and B. Author", "categories": paper["categories"][0],
                     "versions": [{"version": "v1", "created": "Mon, 2 Jan 2023 10:00:00 GMT"}]})
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def events(prefix: str, count: int, paper: dict | None = None) -> list[dict]:
    return [{"id": f"{prefix}-{n}", "type": "view", "seconds": 30, "ts": 1_700_000_000_000 + n,
             **({"paper": paper} if paper else {"paper_id": f"2301.{n:05d}"})} for n in range(count)]


def fill_disk(folder: Path) -> None:
    """Write `folder`/filler until the file system holding it has not one byte left."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (1 << 16, 4096, 1):
            try:
                while True:
                    os.write(fd, b"x" * chunk)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str = "4m") -> Iterator[Path]:
    """A real tmpfs of `size` mounted at `folder` (needs root, as CI runs); a skip where it cannot be mounted."""
    import pytest
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)  # mapped files close late

"""`readnext check --repair` of a damaged papers.sqlite reads back every paper SQLite can still read, not only
those outside the damaged 1,000-row range, and a repair cut short by a SIGKILL is reported by `check` and
finished by the next repair, whatever the moment of the kill."""
from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import topic_papers
from readnext.engine import ReadNext
from readnext.records.papers import paper_from_dict
from readnext.store import storage
from readnext.vectors.embed import HashingEmbedder

from .common import fake_cli

MODEL = "all-MiniLM-L6-v2"  # the fake CLI's embedder takes the configured model's name
PAPERS = 1200
HISTORY = 40


def many_papers() -> list[dict]:
    words = [paper["abstract"] for paper in topic_papers(8)]
    return [{"id": f"2301.{n:05d}", "title": f"Paper {n}", "abstract": f"{words[n % len(words)]} number {n}",
             "authors": [f"Author {n % 17}"]} for n in range(PAPERS)]


def damaged_home(config) -> tuple[set[str], set[str]]:
    """A home of 1,200 papers, 40 of them read, whose papers table has one leaf page in its middle overwritten;
    (ids SQLite can still read one by one, ids of the history)."""
    engine = ReadNext(config.with_(model=MODEL), embedder=HashingEmbedder(64, name=MODEL))
    papers = many_papers()
    engine.add_papers([paper_from_dict(p) for p in papers])
    engine.record([{"id": f"v{n}", "type": "view", "seconds": 60, "paper": papers[n * 29]} for n in range(HISTORY)])
    engine.close()
    path = config.home / "papers.sqlite"
    conn = sqlite3.connect(path)
    leaves = [row[0] for row in conn.execute("SELECT pageno FROM dbstat WHERE name = 'papers' AND pagetype = 'leaf' "
                                             "ORDER BY pageno")]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as handle:
        handle.seek((leaves[len(leaves) // 3] - 1) * page_size)
        handle.write(b"\xa5" * page_size)
    readable = set()
    conn = storage.open_sqlite_readonly(path)
    for label in range(1, PAPERS + 1):
        try:
            row = conn.execute("SELECT data FROM papers WHERE rowid = ?", (label,)).fetchone()
            readable.add(json.loads(row[0])["id"])
        except (sqlite3.DatabaseError, ValueError, TypeError):
            pass
    conn.close()
    assert PAPERS - 40 < len(readable) < PAPERS  # one page of papers lost, no more
    return readable, {papers[n * 29]["id"] for n in range(HISTORY)}


def stored_ids(config) -> set[str]:
    conn = storage.open_sqlite_readonly(config.home / "papers.sqlite")
    try:
        return {json.loads(data)["id"] for (data,) in conn.execute("SELECT data FROM papers")}
    finally:
        conn.close()


def test_repair_reads_back_every_readable_paper(config):
    readable, history = damaged_home(config)
    result = fake_cli("check", home=config.home)
    assert result.returncode == 1 and "papers.sqlite: is damaged" in result.stdout
    repaired = fake_cli("check", "--repair", home=config.home)
    assert repaired.returncode == 0 and "no problems found" in repaired.stdout, repaired.stdout + repaired.stderr
    assert stored_ids(config) == readable | history


# A repair as `readnext check --repair` runs it, killed by SIGKILL where it calls a function of check.py (the
# salvage of the damaged copy, the restore of the history's papers, the engine that rebuilds the index: argv[2])
# or after a delay
REPAIRER = textwrap.dedent("""
    import os, signal, sys, time
    from readnext import check
    from readnext.config import Config
    from readnext.store import storage
    from readnext.vectors.embed import HashingEmbedder
    config = Config.load(home=sys.argv[1], model="all-MiniLM-L6-v2")
    if sys.argv[2]:
        setattr(check, sys.argv[2], lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL))
    print("repairing", flush=True)
    with storage.exclusive_lock(config.home / "lock"):
        check.repair(config, embedder=HashingEmbedder(64, name=config.model))
    print("repaired", flush=True)
    """)


@pytest.mark.slow
@pytest.mark.parametrize("step, delay", [("salvage", 0), ("_restore_history", 0), ("ReadNext", 0),
                                         ("", 0.03), ("", 0.08), ("", 0.15), ("", 0.22)])  # a repair takes ~0.25 s
def test_a_repair_killed_at_any_moment_is_reported_and_finished_by_the_next(config, step, delay):
    readable, history = damaged_home(config)
    process = subprocess.Popen([sys.executable, "-c", REPAIRER, str(config.home), step], stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline().strip() == "repairing"
    if delay:
        time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    finished = process.stdout.read().strip() == "repaired"
    process.wait()

    if not finished:
        cut = fake_cli("check", home=config.home)
        if cut.returncode == 0:  # killed after its last write, before it said so: then it lost nothing
            assert stored_ids(config) == readable | history, cut.stdout
        else:  # a repair cut short is never taken for a sound directory
            assert cut.returncode == 1, cut.stdout
        if "being replaced by a repair" in cut.stdout:  # serve would start on a corpus not yet read back
            served = fake_cli("serve", "--port", "1", home=config.home)
            assert served.returncode == 1 and "readnext check --repair" in served.stderr
    repaired = fake_cli("check", "--repair", home=config.home)
    assert repaired.returncode == 0 and "no problems found" in repaired.stdout, repaired.stdout + repaired.stderr
    assert stored_ids(config) == readable | history
    assert not [p.name for p in config.home.iterdir() if "salvage" in p.name or "repairing" in p.name]

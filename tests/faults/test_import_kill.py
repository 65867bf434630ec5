"""4. An import killed part-way and run again ends with every stored paper embedded and indexed."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import shared_path
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from readnext.ingest.importer import BATCH, import_jsonl
from readnext.ingest.sources.snapshot import SnapshotReader

from .common import FAKE, fake_cli, snapshot


def test_a_batch_stored_but_not_embedded_before_a_kill_is_embedded_by_the_resumed_import(config, tmp_path):
    file = snapshot(tmp_path / "sample.jsonl")
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    # what a kill between storing a batch and embedding it leaves: papers in the corpus, no vector, no resume
    # point past them
    first_batch = [paper for _, paper in SnapshotReader(file)][:BATCH]
    engine.corpus.upsert(first_batch)
    engine.close()

    engine = ReadNext(config, embedder=HashingEmbedder(64))
    report = import_jsonl(engine, file, show_progress=False)
    assert report.caught_up == BATCH
    assert engine.corpus.count() == len(engine.index) == 90
    engine.close()


@pytest.mark.slow
def test_sigkill_during_readnext_import_then_again_indexes_every_paper(tmp_path):
    sample = shared_path("data", "arxiv-sample.jsonl")
    home = tmp_path / "home"
    slow = {"READNEXT_FAKE_EMBED_SECONDS": "0.3"}  # the kill lands while a batch is being embedded
    process = subprocess.Popen([sys.executable, str(FAKE), "import", str(sample), "--quiet", "--home", str(home)],
                               env={**os.environ, **slow})
    deadline = time.monotonic() + 120
    while stored(home) < 3 * BATCH and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 0 < stored(home) < 1219

    again = fake_cli("import", str(sample), "--quiet", home=home)
    assert again.returncode == 0, again.stderr
    assert "resumed at byte" in again.stdout
    status = {key.strip(): value for key, value in
              (line.split(": ", 1) for line in fake_cli("status", home=home).stdout.splitlines())}
    assert int(status["corpus"]) == int(status["index"]) == 1219


def stored(home) -> int:
    try:
        with sqlite3.connect(f"file:{home / 'papers.sqlite'}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    except sqlite3.OperationalError:
        return 0

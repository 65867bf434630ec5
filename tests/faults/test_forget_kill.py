"""Forget everything killed part-way: the next open finishes it, and no paper only the user brought is left
(readnext/forgetting.py)."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import make_paper
from readnext.check import check
from readnext.config import Config
from readnext.engine import ReadNext
from readnext.ingest.importer import import_jsonl
from readnext.vectors.embed import HashingEmbedder

from .common import snapshot

MODEL = "hashing-test"
PAGES = 1500  # papers only the user brought: a forget long enough for a kill to land inside it

FORGETTER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from readnext.config import Config
    from readnext.engine import ReadNext
    from readnext.vectors.embed import HashingEmbedder
    engine = ReadNext(Config.load(home=Path(sys.argv[1]), model="hashing-test"), embedder=HashingEmbedder(64),
                      learn_in_background=False)
    print("forgetting", flush=True)
    engine.forget(None)
    print("forgotten", flush=True)
    """)


def user_papers(home) -> int:
    conn = sqlite3.connect(f"file:{home / 'papers.sqlite'}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM papers WHERE id LIKE '2399.%'").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A data directory with a corpus of 90 imported papers and PAGES pages read that only the user brought."""
    home = tmp_path_factory.mktemp("prepared") / "home"
    engine = ReadNext(Config.load(home=home, model=MODEL), embedder=HashingEmbedder(64), learn_in_background=False)
    import_jsonl(engine, snapshot(home.parent / "sample.jsonl"), show_progress=False)
    for start in range(0, PAGES, 500):
        engine.record([{"id": f"v{n}", "type": "view", "seconds": 60, "ts": 1_700_000_000_000 + n,
                        "paper": make_paper(f"2399.{n:05d}", f"Page {n}", f"words {n} of page {n % 17}")}
                       for n in range(start, start + 500)])
    engine.close()
    return home


@pytest.mark.slow
@pytest.mark.parametrize("delay_ms", [0, 20, 60, 120, 200, 400])
def test_sigkill_during_forget_everything_then_a_restart_leaves_no_paper_only_the_user_brought(
        prepared, tmp_path, delay_ms):
    home = tmp_path / "home"
    subprocess.run(["cp", "-a", str(prepared), str(home)], check=True)
    process = subprocess.Popen([sys.executable, "-c", FORGETTER, str(home)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "forgetting"
    time.sleep(delay_ms / 1000)
    process.send_signal(signal.SIGKILL)
    acknowledged = process.stdout.read().strip() == "forgotten"
    process.wait()
    config = Config.load(home=home, model=MODEL)
    cut_short = [p.what for p in check(config).problems]

    engine = ReadNext(config, embedder=HashingEmbedder(64), learn_in_background=False)  # the restart
    events, left, corpus, indexed = len(engine.history), user_papers(home), engine.corpus.count(), len(engine.index)
    engine.close()
    if events:  # killed before the forget began: nothing was forgotten, nothing is missing
        assert not acknowledged and events == left == PAGES and cut_short == []
    else:
        assert left == 0 and corpus == indexed == 90
    assert check(config).problems == []
    if acknowledged:
        assert cut_short == []

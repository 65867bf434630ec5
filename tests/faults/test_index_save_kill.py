"""A SIGKILL of the process whose forked child is writing the index: the child dies with it (it holds neither the
data directory's lock nor the listening socket meanwhile), and whatever the moment of the kill, the next start
loads an index file instead of rebuilding it from the vector cache."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from readnext.config import Config
from readnext.engine import ReadNext
from readnext.store import storage
from readnext.vectors.embed import HashingEmbedder
from readnext.vectors.index import VectorIndex

TESTS = str(Path(__file__).resolve().parent.parent)

# Holds the lock and a listening socket as `readnext serve` does, saves a first index, then adds papers and saves
# again, with a fault at one moment of that second save (argv[2]).
SAVER = textwrap.dedent("""
    import os, signal, socket, sys, time
    from pathlib import Path
    from readnext.config import Config
    from readnext.engine import ReadNext
    from readnext.records.papers import paper_from_dict
    from readnext.store import storage
    from readnext.vectors import index as index_module
    from readnext.vectors.embed import HashingEmbedder
    sys.path.insert(0, sys.argv[3])
    from conftest import topic_papers
    home, moment = Path(sys.argv[1]), sys.argv[2]
    storage.ensure_home(home)
    with storage.exclusive_lock(home / "lock"):
        listener = socket.create_server(("127.0.0.1", 0))
        engine = ReadNext(Config.load(home=home), embedder=HashingEmbedder(64))
        engine.add_papers([paper_from_dict(p) for p in topic_papers(40)])
        engine.save_index()
        print(listener.getsockname()[1], flush=True)
        if moment == "child writing":  # the child announces itself, then writes slowly
            write = index_module.VectorIndex._write_index
            def slow(self, *args):
                print(f"child {os.getpid()}", flush=True)
                time.sleep(3)
                write(self, *args)
            index_module.VectorIndex._write_index = slow
        else:  # "file renamed": the child has replaced index.hnsw; the parent dies before anything else
            wait = index_module._wait
            def killed_after(pid):
                wait(pid)
                os.kill(os.getpid(), signal.SIGKILL)
            index_module._wait = killed_after
        engine.add_papers([paper_from_dict(p) for p in topic_papers(60)])  # 60 new papers besides the 120
        engine.save_index()
    """)


def start(home: Path, moment: str) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, "-c", SAVER, str(home), moment, TESTS], stdout=subprocess.PIPE,
                               text=True)
    port = int(process.stdout.readline())
    return process, port


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for a parent that no longer reaps it counts as dead)."""
    try:
        return not Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return False


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def loads_without_a_rebuild(home: Path) -> bool:
    return VectorIndex.load(home / "index.hnsw", 64, HashingEmbedder(64).name) is not None


def reopened_agrees(home: Path) -> None:
    engine = ReadNext(Config.load(home=home), embedder=HashingEmbedder(64))
    try:
        labels = sorted(engine.index.labels())
        assert len(engine.index) == engine.corpus.count() == 180 and set(labels) == engine.corpus.indexed_labels()
        hashes = engine.corpus.hash_of(labels)
        cached = engine.corpus.cached_vectors(engine.model, hashes.values())
        assert np.array_equal(engine.index.vectors(labels), np.stack([cached[hashes[l]] for l in labels]))
    finally:
        engine.close()


@pytest.mark.slow
def test_the_save_child_dies_with_its_parent_and_frees_the_lock_and_the_socket(tmp_path):
    home = tmp_path / "home"
    process, port = start(home, "child writing")
    child = int(process.stdout.readline().split()[1])
    before = (home / "index.hnsw").read_bytes()
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 2
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(child):
        os.kill(child, signal.SIGKILL)  # not left behind by a failing run
        pytest.fail("the save child outlived its parent")
    assert not storage.is_locked(home / "lock") and not listening(port)
    time.sleep(3.5)  # past the moment the child would have renamed its file
    assert (home / "index.hnsw").read_bytes() == before
    assert loads_without_a_rebuild(home)
    reopened_agrees(home)


@pytest.mark.slow
def test_a_kill_after_the_child_replaced_the_index_file_leaves_one_the_next_start_loads(tmp_path):
    home = tmp_path / "home"
    process, _ = start(home, "file renamed")
    assert process.wait(120) == -signal.SIGKILL
    assert loads_without_a_rebuild(home)  # the new file, though its parent died before writing anything else
    reopened_agrees(home)

"""Damaged files: an index is rebuilt, a damaged papers.sqlite or user.json stops the start with one line that
names the file and the command, and a kill in the middle of an index save leaves nothing that cannot be used."""
from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import topic_papers
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from readnext.errors import DamagedData
from readnext.records.papers import paper_from_dict

from .common import fake_cli


def filled(config, per_topic: int = 8) -> ReadNext:
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    papers = topic_papers(per_topic)
    engine.record([{"id": f"v{n}", "type": "view", "seconds": 60, "paper": paper}
                   for n, paper in enumerate(papers[:3])])
    engine.add_papers([paper_from_dict(p) for p in papers])
    engine.save_index()
    return engine


def reopen(config) -> ReadNext:
    return ReadNext(config, embedder=HashingEmbedder(64))


# --- 6. a damaged index -------------------------------------------------------------------------------------------
def test_an_index_with_a_valid_header_and_a_garbage_body_is_rebuilt(config):
    engine = filled(config)
    corpus = engine.corpus.count()
    engine.close()
    index = config.home / "index.hnsw"
    data = bytearray(index.read_bytes())
    count, size = struct.unpack_from("<QQ", data, 16)  # hnswlib's header: elements, bytes per element
    data[96:96 + count * size] = b"\xff" * (count * size)  # its 96-byte header kept, the bottom layer garbage
    index.write_bytes(bytes(data))

    engine = reopen(config)
    assert len(engine.index) == corpus
    result = engine.recommend({"query": "graph neural networks"}, k=5)
    assert result.items and all(item.paper.id.startswith("topic:") for item in result.items)
    engine.close()


# --- 7. a damaged papers.sqlite or user.json ----------------------------------------------------------------------
def big_corpus(config) -> None:
    """A papers.sqlite of a few hundred KiB, so that damage lands in its pages and not in empty space."""
    engine = filled(config, per_topic=60)
    engine.close()


@pytest.mark.parametrize("damage", ["cut", "garbage in the middle"])
def test_a_damaged_papers_sqlite_is_refused_with_one_clear_line(config, damage):
    big_corpus(config)
    path = config.home / "papers.sqlite"
    size = path.stat().st_size
    assert size > 64 * 1024
    if damage == "cut":
        os.truncate(path, size // 2)
    else:
        with open(path, "r+b") as handle:
            handle.seek(size // 2)
            handle.write(os.urandom(8192))
    with pytest.raises(DamagedData) as raised:
        reopen(config)
    message = str(raised.value)
    assert str(path) in message and "readnext check --repair" in message


def test_an_empty_papers_sqlite_beside_a_history_is_refused(config):
    filled(config).close()
    path = config.home / "papers.sqlite"
    for suffix in ("-wal", "-shm"):
        if os.path.exists(str(path) + suffix):
            os.unlink(str(path) + suffix)
    path.write_bytes(b"")
    with pytest.raises(DamagedData, match="holds no papers but events.jsonl holds copies of 3 papers"):
        reopen(config)


def test_garbage_in_user_json_is_refused_with_one_clear_line(config):
    filled(config).close()
    (config.home / "user.json").write_text('{"_default": {"1": {"fetch": ')
    with pytest.raises(DamagedData, match=r"user\.json is not valid JSON.*readnext check --repair"):
        engine = reopen(config)
        engine.history.settings()


def test_serve_on_damaged_files_says_one_line_and_no_traceback(config):
    big_corpus(config)
    (config.home / "user.json").write_text("garbage")
    served = fake_cli("serve", "--port", "1", home=config.home)
    assert served.returncode == 1
    assert "Traceback" not in served.stderr and served.stderr.count("\n") == 1
    assert "user.json" in served.stderr and "readnext check --repair" in served.stderr
    (config.home / "user.json").unlink()
    os.truncate(config.home / "papers.sqlite", 4096)
    served = fake_cli("serve", "--port", "1", home=config.home)
    assert served.returncode == 1 and "Traceback" not in served.stderr and served.stderr.count("\n") == 1
    assert "papers.sqlite" in served.stderr and "readnext check --repair" in served.stderr


# --- a kill in the middle of an index save ------------------------------------------------------------------------
SAVER = textwrap.dedent("""
    import sys
    from readnext.config import Config
    from readnext.vectors.embed import HashingEmbedder
    from readnext.engine import ReadNext
    from readnext.records.papers import paper_from_dict
    sys.path.insert(0, sys.argv[2])
    from conftest import topic_papers
    engine = ReadNext(Config.load(home=sys.argv[1]), embedder=HashingEmbedder(64))
    print("saving", flush=True)
    revision = 0
    while True:  # new texts for every paper, embedded, indexed and saved, over and over until killed
        revision += 1
        engine.add_papers([paper_from_dict({**p, "abstract": p["abstract"] + f" revision{revision}"})
                           for p in topic_papers(60)])
        engine.save_index()
    """)


@pytest.mark.slow
@pytest.mark.parametrize("delay_ms", [5, 30, 80, 150, 300])
def test_sigkill_during_an_index_save_leaves_an_index_that_agrees_with_the_corpus(config, delay_ms):
    filled(config, per_topic=60).close()
    tests = str(Path(__file__).resolve().parent.parent)
    process = subprocess.Popen([sys.executable, "-c", SAVER, str(config.home), tests], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "saving"
    time.sleep(delay_ms / 1000)
    process.send_signal(signal.SIGKILL)
    process.wait()

    engine = reopen(config)
    try:
        assert not [p.name for p in config.home.iterdir() if p.name.endswith(".tmp")]  # a killed save's, cleared
        corpus = engine.corpus.count()
        assert len(engine.index) == corpus and engine.index.labels() == set(engine.corpus.indexed_labels())
        # a kill after a revision's texts were stored but before their vectors were leaves those papers with
        # their last indexed vector and waiting to be embedded, which serve and import do first
        engine.embed_all_pending()
        labels = sorted(engine.index.labels())
        hashes = engine.corpus.hash_of(labels)
        cached = engine.corpus.cached_vectors(engine.model, hashes.values())
        assert np.array_equal(engine.index.vectors(labels), np.stack([cached[hashes[l]] for l in labels]))
        _, similarity = engine.index.search(engine.index.vectors(labels), 1)
        assert (similarity[:, 0] > 0.999).all()  # each paper's own vector is in the graph
    finally:
        engine.close()

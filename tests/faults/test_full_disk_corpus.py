"""A full disk under papers.sqlite: every write of the corpus fails as WriteFailed (the API's 507), never as a raw
sqlite3 error (a 500), and leaves the corpus as it was. On a real 4 MiB tmpfs filled to its last byte."""
from __future__ import annotations

import numpy as np
import pytest

from readnext.errors import WriteFailed
from readnext.records.papers import paper_from_dict
from readnext.store.corpus import Corpus

from .common import fill_disk, small_tmpfs

DIM = 384


def paper(n: int):
    return paper_from_dict({"id": f"2301.{n:05d}", "title": f"Paper {n}", "abstract": f"words of paper {n}"})


def vectors(keys, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {key: rng.normal(size=DIM).astype(np.float32) for key in keys}


def state(corpus: Corpus) -> tuple:
    """What a write could change: papers, their hashes and index marks, the vector cache, terms, meta."""
    conn = corpus.conn
    return (corpus.count(), conn.execute("SELECT label, id, hash, indexed FROM papers ORDER BY label").fetchall(),
            conn.execute("SELECT model, hash, vec FROM vectors ORDER BY model, hash").fetchall(),
            conn.execute("SELECT term, df FROM terms ORDER BY term").fetchall(),
            conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall())


WRITES = {
    "upsert": lambda c, labels: c.upsert([paper(n) for n in range(100, 160)]),
    "upsert of a known paper": lambda c, labels: c.upsert([paper_from_dict(
        {"id": "2301.00003", "title": "Paper 3", "abstract": "a new text " * 200})]),
    "add_new": lambda c, labels: c.add_new([paper(n) for n in range(200, 260)], "m",
                                           np.ones((60, DIM), np.float32)),
    "delete": lambda c, labels: c.delete("2301.00001"),
    "store_vectors": lambda c, labels: c.store_vectors("m", vectors(f"h{n}" for n in range(800))),
    "mark_indexed": lambda c, labels: c.mark_indexed((label, "x" * 40) for label in labels),
    "clear_indexed": lambda c, labels: c.clear_indexed(),
    "set_meta": lambda c, labels: c.set_meta("key", "v" * 20_000),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_on_a_full_disk_is_a_write_failed_and_changes_nothing(tmp_path, write):
    with small_tmpfs(tmp_path / "disk") as disk:
        path = disk / "papers.sqlite"
        corpus = Corpus(path)
        stored = corpus.upsert([paper(n) for n in range(20)]).papers
        labels = [label for label, _ in stored]
        corpus.store_vectors("m", vectors(p.content_hash() for _, p in stored))
        corpus.mark_indexed((label, p.content_hash()) for label, p in stored)
        corpus.close()  # the last connection checkpoints: the write below must grow the file system's use

        corpus = Corpus(path)
        before = state(corpus)
        fill_disk(disk)
        with pytest.raises(WriteFailed, match="disk is full") as raised:
            WRITES[write](corpus, labels)
        assert raised.value.status == 507 and "papers.sqlite" in str(raised.value)
        assert state(corpus) == before
        (disk / "filler").unlink()
        WRITES[write](corpus, labels)  # the same write, once there is room, goes through on the same connection
        assert state(corpus) != before
        corpus.close()

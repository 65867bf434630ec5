"""The figures of docs/reliability.md for the data directory's own faults (repair, pairing, --home, a full disk
under papers.sqlite, a kill during an index save), measured as words, for `python -m faults.figures`.

Each case does what its test in tests/faults does, counting instead of asserting, so it runs against older code
too (PYTHONPATH pointing at an older backend)."""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from readnext import check as check_module
from readnext.config import Config
from readnext.engine import ReadNext
from readnext.errors import WriteFailed
from readnext.server.app import create_app
from readnext.store import storage
from readnext.store.corpus import Corpus
from readnext.vectors.embed import HashingEmbedder
from readnext.vectors.index import VectorIndex

from .common import fake_cli, fill_disk
from .test_full_disk_corpus import WRITES, paper, state, vectors
from .test_index_save_kill import alive, listening, start
from .test_repair import REPAIRER, damaged_home, stored_ids

HOST = {"Host": "127.0.0.1:8765"}
REAL = "chrome-extension://" + "a" * 32


def forged(n: int) -> str:
    return "chrome-extension://" + "".join("abcdefghijklmnop"[(n >> (4 * i)) & 15] for i in range(32))


def repair_of_one_damaged_page(root: Path) -> str:
    config = Config.load(home=root / "repair", port=8765)
    readable, history = damaged_home(config)
    fake_cli("check", "--repair", home=config.home)
    wanted = readable | history
    return f"{len(stored_ids(config) & wanted):,} of {len(wanted):,} readable papers back"


def kill_during_repair(root: Path) -> str:
    salvage = "salvage" if hasattr(check_module, "salvage") else "_salvage"  # its name before the fix
    moments = [(salvage, 0), ("_restore_history", 0), ("ReadNext", 0), ("", 0.03), ("", 0.08), ("", 0.15),
               ("", 0.22)]
    back = wanted_in_all = kills = reported = 0
    for n, (step, delay) in enumerate(moments):
        config = Config.load(home=root / f"kill-repair-{n}", port=8765)
        readable, history = damaged_home(config)
        process = subprocess.Popen([sys.executable, "-c", REPAIRER, str(config.home), step],
                                   stdout=subprocess.PIPE, text=True)
        process.stdout.readline()
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        finished = process.stdout.read().strip() == "repaired"
        process.wait()
        if not finished:
            kills += 1
            reported += fake_cli("check", home=config.home).returncode == 1
        fake_cli("check", "--repair", home=config.home)
        wanted = readable | history
        back += len(stored_ids(config) & wanted)
        wanted_in_all += len(wanted)
    return (f"{back:,} of {wanted_in_all:,} readable papers back after a second repair; {kills} repairs cut "
            f"short, {reported} reported by check")


def forged_pairing_starts(root: Path) -> str:
    config = Config.load(home=root / "pairing", port=8765)
    engine = ReadNext(config, embedder=HashingEmbedder(64))

    def start_from(client, origin: str) -> int:
        return client.post("/api/v1/pair/start", json={"secret": "s" * 43},
                           headers={**HOST, "Origin": origin}).status_code

    try:
        client = create_app(config, engine).test_client()
        forged_other = [start_from(client, forged(n)) for n in (1, 2, 3)]
        real_beside_others = start_from(client, REAL)
        client = create_app(config, engine).test_client()
        forged_same = [start_from(client, REAL) for _ in range(3)]
        real_beside_same = start_from(client, REAL)
        os.environ["READNEXT_EXTENSION_IDS"] = "a" * 32
        try:
            client = create_app(Config.load(home=config.home, port=8765), engine).test_client()
        finally:
            del os.environ["READNEXT_EXTENSION_IDS"]
        pinned = [start_from(client, forged(n)) for n in range(1, 10)]
        real_pinned = start_from(client, REAL)
    finally:
        engine.close()
    return (f"real start {real_beside_others} after 3 forged from other origins ({forged_other.count(200)} "
            f"accepted); {real_beside_same} after 3 forged with its own ({forged_same.count(200)} accepted); "
            f"READNEXT_EXTENSION_IDS set: {pinned.count(403)} of 9 forged refused 403, real {real_pinned}")


def full_disk_under_each_corpus_write(root: Path) -> str:
    mount = root / "corpus-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    typed = raw = unchanged = 0
    try:
        for n, write in enumerate(WRITES.values()):
            path = mount / f"{n}" / "papers.sqlite"
            path.parent.mkdir()
            corpus = Corpus(path)
            stored = corpus.upsert([paper(i) for i in range(20)]).papers
            corpus.store_vectors("m", vectors(p.content_hash() for _, p in stored))
            corpus.mark_indexed((label, p.content_hash()) for label, p in stored)
            corpus.close()
            corpus = Corpus(path)
            before = state(corpus)
            fill_disk(mount)
            try:
                write(corpus, [label for label, _ in stored])
            except WriteFailed:
                typed += 1
            except Exception:  # noqa: BLE001 - the raw sqlite3 error older code let through (a 500)
                raw += 1
                if corpus.conn.in_transaction:
                    corpus.conn.execute("ROLLBACK")
            unchanged += state(corpus) == before
            (mount / "filler").unlink()
            corpus.close()
            storage.remove(path)
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)
    return (f"{typed} of {len(WRITES)} writes refused as 507, {raw} raw sqlite3 errors (500); {unchanged} left the "
            "corpus as it was")


def status_on_an_existing_directory(root: Path) -> str:
    home = root / "existing"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    (home / ".draft.tmp").write_text("another program's")
    fake_cli("status", home=home)
    mode = stat.S_IMODE(home.stat().st_mode)
    kept = "kept" if (home / ".draft.tmp").exists() else "deleted"
    return f"mode 0755 -> {mode:04o}; another program's .draft.tmp {kept}"


def kill_during_an_index_save(root: Path) -> str:
    home = root / "save-kill"
    process, port = start(home, "child writing")
    child = int(process.stdout.readline().split()[1])
    process.send_signal(signal.SIGKILL)
    process.wait()
    time.sleep(1)
    left = alive(child), storage.is_locked(home / "lock"), listening(port)
    if left[0]:
        os.kill(child, signal.SIGKILL)
    renamed = root / "save-kill-renamed"
    process, _ = start(renamed, "file renamed")
    process.wait(120)
    loads = VectorIndex.load(renamed / "index.hnsw", 64, HashingEmbedder(64).name) is not None
    words = ("yes", "no")
    return (f"1 s after the kill: child alive {words[not left[0]]}, lock held {words[not left[1]]}, socket open "
            f"{words[not left[2]]}; killed past the rename, the next start {'loads' if loads else 'rebuilds'} it")


BULK = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    from readnext.config import Config
    from readnext.engine import ReadNext
    from readnext.records.papers import paper_from_dict
    from readnext.vectors import index as index_module
    from readnext.vectors.embed import HashingEmbedder
    home, count = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(0)
    def papers(first, n):
        vectors = rng.normal(size=(n, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return [paper_from_dict({"id": f"bulk:{first + i}", "title": f"Paper {first + i}"}) for i in range(n)], vectors
    engine = ReadNext(Config.load(home=home), embedder=HashingEmbedder(384))
    engine.add_new_papers(*papers(0, count))
    engine.save_index()
    wait = index_module._wait
    def killed_after(pid):
        wait(pid)
        os.kill(os.getpid(), signal.SIGKILL)
    index_module._wait = killed_after
    engine.add_new_papers(*papers(count, 200))
    engine.save_index()
    """)


def next_start_after_a_kill_past_the_rename(root: Path, count: int = 20_000) -> str:
    home = root / "save-kill-bulk"
    subprocess.run([sys.executable, "-c", BULK, str(home), str(count)], timeout=1800)
    loads = VectorIndex.load(home / "index.hnsw", 384, HashingEmbedder(384).name) is not None
    began = time.perf_counter()
    engine = ReadNext(Config.load(home=home), embedder=HashingEmbedder(384))
    seconds = time.perf_counter() - began
    indexed = len(engine.index)
    engine.close()
    return (f"{count + 200:,} papers: next start {seconds:.1f} s, index {'loaded' if loads else 'rebuilt'} "
            f"({indexed:,} indexed)")


MEASURES = {
    "check --repair, 1 damaged page of 1,200 papers": repair_of_one_damaged_page,
    "SIGKILL at 7 moments of that repair, repair again": kill_during_repair,
    "forged pairing starts (Origin headers)": forged_pairing_starts,
    "full disk under each papers.sqlite write (x8)": full_disk_under_each_corpus_write,
    "readnext status --home on an existing 0755 dir": status_on_an_existing_directory,
    "SIGKILL of a server while its child saves": kill_during_an_index_save,
    "SIGKILL past the save's rename, next start": next_start_after_a_kill_past_the_rename,
}

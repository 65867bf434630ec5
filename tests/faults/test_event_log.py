"""The event log: no acknowledged event lost (torn tail, full disk), no forgotten one back (tombstones), no bad
line that stops the server or passes silently."""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from readnext.store import lines, storage
from readnext.server.app import create_app
from readnext.config import Config
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from readnext.errors import WriteFailed
from readnext.store.history import History, parse_event

from .common import events, fill_disk


def record(history: History, prefix: str, count: int) -> tuple[int, int]:
    fresh, duplicates = history.record([parse_event(e)[0] for e in events(prefix, count)])
    return len(fresh), duplicates


def ids(home) -> list[str]:
    history = History(home)
    try:
        return [e.id for e in history.events()]
    finally:
        history.close()


# --- 1. a torn last line ------------------------------------------------------------------------------------------
def test_a_torn_last_line_does_not_swallow_the_next_acknowledged_event(tmp_path):
    history = History(tmp_path)
    assert record(history, "before", 10) == (10, 0)
    history.close()
    log = tmp_path / "events.jsonl"
    os.truncate(log, log.stat().st_size - 20)  # the last event, torn by a crash before it was acknowledged

    history = History(tmp_path)
    assert history.set_aside == 1 and len(history) == 9
    assert record(history, "after", 3) == (3, 0)
    history.close()

    assert ids(tmp_path) == [f"before-{n}" for n in range(9)] + ["after-0", "after-1", "after-2"]
    history = History(tmp_path)
    assert record(history, "after", 3) == (0, 3)  # a replay is a duplicate, not a new event
    history.close()
    assert lines.count_lines(tmp_path / "events.rejected") == 1  # the fragment is kept aside, not lost


# --- 2. a full disk -----------------------------------------------------------------------------------------------
def short_writes_then_enospc(monkeypatch, allowed: int):
    """os.write in lines.py writes at most `allowed` bytes in all, in short writes, then fails with ENOSPC."""
    real_write = os.write
    left = [allowed]

    def write(fd, data):
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        done = real_write(fd, bytes(data[:min(len(data), left[0], 100)]))
        left[0] -= done
        return done

    monkeypatch.setattr(lines.os, "write", write)


def test_an_append_that_does_not_complete_fails_and_leaves_the_log_as_it_was(tmp_path, monkeypatch):
    history = History(tmp_path)
    record(history, "kept", 5)
    before = (tmp_path / "events.jsonl").read_bytes()
    short_writes_then_enospc(monkeypatch, allowed=1000)  # room for a few events of the twenty
    with pytest.raises(WriteFailed, match="disk space"):
        record(history, "full", 20)
    assert (tmp_path / "events.jsonl").read_bytes() == before
    monkeypatch.undo()
    assert record(history, "full", 20) == (20, 0)  # not taken for duplicates: none was recorded
    history.close()
    assert ids(tmp_path) == [f"kept-{n}" for n in range(5)] + [f"full-{n}" for n in range(20)]


def test_a_full_disk_is_a_507_with_a_clear_message(tmp_path, monkeypatch, config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    app = create_app(config, engine)
    client = app.test_client()
    auth = {"Host": "127.0.0.1:8765", "Authorization": f"Bearer {engine.token}"}
    short_writes_then_enospc(monkeypatch, allowed=300)
    response = client.post("/api/v1/events", json={"events": events("e", 20)}, headers=auth)
    assert response.status_code == 507
    assert response.json["error"]["code"] == "insufficient_storage"
    assert "nothing was recorded" in response.json["error"]["message"]
    monkeypatch.undo()
    assert client.post("/api/v1/events", json={"events": events("e", 20)}, headers=auth).json["accepted"] == 20
    engine.close()


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real 4 MiB tmpfs (needs root, as CI runs); the injected fault above runs everywhere."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "--lazy", str(mount)], check=True)  # mapped vector files close late


def test_a_really_full_disk_loses_no_acknowledged_event(small_tmpfs):
    config = Config.load(home=small_tmpfs / "home", port=8765)
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    client = create_app(config, engine).test_client()
    auth = {"Host": "127.0.0.1:8765", "Authorization": f"Bearer {engine.token}"}
    paper = {"id": "2301.00001", "title": "Graph networks"}
    assert client.post("/api/v1/events", json={"events": events("kept", 10, paper)}, headers=auth).status_code == 200
    fill_disk(small_tmpfs)
    for batch in (events("full", 60, paper), events("full", 60)):  # through papers.sqlite, straight to the log
        response = client.post("/api/v1/events", json={"events": batch}, headers=auth)
        assert response.status_code == 507 and "disk" in response.json["error"]["message"]
    assert ids(config.home) == [f"kept-{n}" for n in range(10)]
    (small_tmpfs / "filler").unlink()
    assert client.post("/api/v1/events", json={"events": events("full", 60)}, headers=auth).json["accepted"] == 60
    engine.close()
    assert ids(config.home) == [f"kept-{n}" for n in range(10)] + [f"full-{n}" for n in range(60)]


# --- 3. forgotten events stay forgotten ---------------------------------------------------------------------------
def test_forgotten_events_do_not_come_back_from_a_replay_after_a_restart(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    paper = {"id": "2301.00001", "title": "Graph networks", "abstract": "message passing"}
    assert engine.record(events("e", 5, paper))["accepted"] == 5
    assert engine.forget(None) == 5
    engine.close()

    engine = ReadNext(config, embedder=HashingEmbedder(64))
    answer = engine.record(events("e", 5, paper))  # the extension's queue replays them
    assert answer["accepted"] == 0 and answer["duplicates"] == 5
    assert len(engine.history) == 0
    engine.close()
    forgotten = (config.home / "events.forgotten").read_text()
    assert sorted(forgotten.split()) == [f"e-{n}" for n in range(5)] and "Graph" not in forgotten  # ids, no content


def test_forgetting_one_paper_survives_a_restart(config):
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    one = {"id": "2301.00001", "title": "Graph networks"}
    other = {"id": "2301.00002", "title": "Protein folding"}
    engine.record(events("one", 2, one) + events("other", 2, other))
    assert engine.forget("2301.00001") == 2
    engine.close()
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    assert engine.record(events("one", 2, one))["accepted"] == 0
    assert [e.id for e in engine.history.events()] == ["other-0", "other-1"]
    engine.close()


def test_a_forget_cut_between_its_tombstones_and_the_log_rewrite_finishes_at_the_next_open(tmp_path, monkeypatch):
    history = History(tmp_path)
    record(history, "e", 5)
    def killed_at_the_log_rewrite(*_):
        raise SystemExit("killed")

    monkeypatch.setattr(lines, "rewrite_lines", killed_at_the_log_rewrite)
    with pytest.raises(SystemExit):
        history.forget(None)
    monkeypatch.undo()
    assert len(list(lines.read_json_lines(tmp_path / "events.jsonl"))) == 5  # the rewrite never happened
    assert ids(tmp_path) == []
    history = History(tmp_path)
    assert record(history, "e", 5) == (0, 5)
    history.close()


FORGETTER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from readnext.store.history import History
    history = History(Path(sys.argv[1]))
    print("forgetting", flush=True)
    history.forget(None)
    print("forgotten", flush=True)
    """)


@pytest.mark.slow
@pytest.mark.parametrize("delay_ms", [0, 2, 5, 10, 20, 40])
def test_sigkill_during_forget_never_brings_events_back(tmp_path, delay_ms):
    history = History(tmp_path)
    record(history, "e", 20_000)  # a rewrite long enough for the kill to land inside it
    history.close()
    process = subprocess.Popen([sys.executable, "-c", FORGETTER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "forgetting"
    if delay_ms:
        subprocess.run(["sleep", str(delay_ms / 1000)])
    process.send_signal(signal.SIGKILL)
    acknowledged = process.stdout.read().strip() == "forgotten"
    process.wait()

    history = History(tmp_path)
    left = len(history)
    replayed, _ = record(history, "e", 20_000)
    history.close()
    tombstones = set(storage.read_lines(tmp_path / "events.forgotten"))
    assert left in (0, 20_000) and not (acknowledged and left)  # all or nothing; nothing when acknowledged
    assert left == 0 or not tombstones
    assert replayed == 0  # what a kill left behind, a replay does not add to


# --- 5. lines that are not events ---------------------------------------------------------------------------------
def test_lines_that_are_not_events_are_set_aside_and_counted(tmp_path):
    history = History(tmp_path)
    record(history, "good", 2)
    history.close()
    with open(tmp_path / "events.jsonl", "ab") as handle:
        handle.write(b'123\n{"foo": 1}\nnot json\n{"id": "x", "type": "view", "ts": "soon"}\n')
    history = History(tmp_path)
    record(history, "later", 1)
    assert history.set_aside == 4 and [e.id for e in history.events()] == ["good-0", "good-1", "later-0"]
    history.close()
    assert (tmp_path / "events.rejected").read_text().splitlines() == [
        "123", '{"foo": 1}', "not json", '{"id": "x", "type": "view", "ts": "soon"}']
    assert History(tmp_path).set_aside == 0  # set aside once, not again at every start

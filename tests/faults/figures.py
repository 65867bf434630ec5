"""The figures of docs/reliability.md: events acknowledged, lost and brought back under each fault.

    PYTHONPATH=backend:tests python -m faults.figures        (as root: the full-disk case mounts a tmpfs)

Each case does what the fault suite does, counting instead of asserting, so it runs against older code too.
The hostile-input cases (hostile_figures.py) follow in a table of their own.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from readnext.config import Config
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext

from .common import fill_disk
from .hostile_figures import print_table as print_hostile_table
from .figures_storage import MEASURES
from .figures_serving import MEASURES as SERVING_MEASURES

PAPER = {"id": "2301.00001", "title": "Graph networks", "abstract": "message passing on graphs"}


def batch(prefix: str, count: int, by_id: bool = False) -> list[dict]:
    """Views of PAPER, carrying it (stored in papers.sqlite first) or naming it by id (straight to the log)."""
    paper = {"paper_id": PAPER["id"]} if by_id else {"paper": PAPER}
    return [{"id": f"{prefix}-{n}", "type": "view", "seconds": 30, **paper} for n in range(count)]


def open_engine(home: Path) -> ReadNext:
    return ReadNext(Config.load(home=home), embedder=HashingEmbedder(64))


def stored_ids(home: Path) -> set[str]:
    engine = open_engine(home)
    try:
        return {e.id for e in engine.history.events()}
    finally:
        engine.close()


def post(engine: ReadNext, events: list[dict]) -> set[str]:
    """The ids the API would acknowledge: all new ones of a batch answered 200, none of a failed one."""
    if len(events) > 1000:  # the API's batch limit
        return set().union(*(post(engine, events[i:i + 1000]) for i in range(0, len(events), 1000)))
    try:
        answer = engine.record(events)
    except Exception:  # noqa: BLE001 - any failure is a 500 or 507: nothing acknowledged
        return set()
    rejected = {r["id"] for r in answer["rejected"]}
    return {e["id"] for e in events if e["id"] not in rejected} if answer["accepted"] else set()


def torn_tail(root: Path) -> tuple[int, int, int]:
    home = root / "torn"
    engine = open_engine(home)
    acknowledged = post(engine, batch("before", 10))
    engine.close()
    log = home / "events.jsonl"
    os.truncate(log, log.stat().st_size - 20)  # the crash cut the last append: that event was never answered
    acknowledged.discard("before-9")
    engine = open_engine(home)
    acknowledged |= post(engine, batch("after", 3))
    engine.close()
    return len(acknowledged), len(acknowledged - stored_ids(home)), 0


def full_disk(root: Path) -> tuple[int, int, int]:
    mount = root / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    try:
        home = mount / "home"
        engine = open_engine(home)
        acknowledged = post(engine, batch("kept", 10))
        fill_disk(mount)
        acknowledged |= post(engine, batch("full", 60))
        acknowledged |= post(engine, batch("full-by-id", 60, by_id=True))
        (mount / "filler").unlink()
        engine.close()
        return len(acknowledged), len(acknowledged - stored_ids(home)), 0
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)  # mapped vector files close late


def forget_then_replay(root: Path) -> tuple[int, int, int]:
    home = root / "forget"
    engine = open_engine(home)
    acknowledged = post(engine, batch("e", 20))
    engine.forget(None)
    engine.close()
    engine = open_engine(home)
    post(engine, batch("e", 20))  # the extension's queue replays what it sent
    engine.close()
    return len(acknowledged), 0, len(stored_ids(home))


FORGETTER = """
import sys
from pathlib import Path
from readnext.config import Config
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
engine = ReadNext(Config.load(home=sys.argv[1]), embedder=HashingEmbedder(64))
print("forgetting", flush=True)
engine.forget(None)
print("forgotten", flush=True)
"""


def kill_during_forget(root: Path, runs: int = 20) -> tuple[int, int, int]:
    """SIGKILL at a random moment of a forget of 20,000 events, then the queue's replay: forgotten events back."""
    resurrected = acknowledged = 0
    rng = random.Random(9)
    for run in range(runs):
        home = root / f"kill-forget-{run}"
        engine = open_engine(home)
        acknowledged += len(post(engine, batch("e", 20_000)))
        engine.close()
        process = subprocess.Popen([sys.executable, "-c", FORGETTER, str(home)], stdout=subprocess.PIPE, text=True)
        process.stdout.readline()
        time.sleep(rng.uniform(0, 0.05))
        process.send_signal(signal.SIGKILL)
        forgotten = process.stdout.read().strip() == "forgotten"
        process.wait()
        engine = open_engine(home)
        post(engine, batch("e", 20_000))
        engine.close()
        left = len(stored_ids(home))
        if forgotten or left < 20_000:  # a forget that was answered, or that began to take effect
            resurrected += left
    return acknowledged, 0, resurrected


def surrogate_beside_a_good_event(root: Path) -> tuple[int, int, int]:
    home = root / "surrogate"
    engine = open_engine(home)
    bad = {"id": "bad", "type": "view", "seconds": 30, "paper": {**PAPER, "title": "broken \ud800"}}
    good = {"id": "good", "type": "view", "seconds": 30, "paper": {**PAPER, "id": "2301.00002"}}
    acknowledged = post(engine, [bad, good])
    engine.close()
    stored = stored_ids(home)
    return len(acknowledged), 0 if "good" in stored else 1, 0  # lost: the valid event, refused with the bad one


def wrong_type_beside_valid_events(root: Path) -> tuple[int, int, int]:
    """An event whose `type` is a list, in a batch with 199 valid ones (the extension resends a failed batch)."""
    home = root / "wrong-type"
    engine = open_engine(home)
    good = [{"id": f"good-{n}", "type": "view", "seconds": 30, "paper_id": PAPER["id"]} for n in range(199)]
    acknowledged = post(engine, [{"id": "bad", "type": ["view"], "paper_id": PAPER["id"]}, *good])
    engine.close()
    return len(acknowledged), 199 - len({e["id"] for e in good} & stored_ids(home)), 0


CASES = {
    "torn last line, then 3 events": torn_tail,
    "full disk (real 4 MiB tmpfs), 2 batches of 60": full_disk,
    "DELETE /history, restart, queue replays": forget_then_replay,
    "SIGKILL during forget x20, then replay": kill_during_forget,
    "lone surrogate beside a good event": surrogate_beside_a_good_event,
    "wrong-type `type` beside 199 valid events": wrong_type_beside_valid_events,
}


def main() -> int:
    print(f"{'fault':45} {'acknowledged':>12} {'lost':>6} {'back':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, case in CASES.items():
            try:
                acknowledged, lost, back = case(Path(tmp))
                print(f"{name:45} {acknowledged:>12,} {lost:>6,} {back:>6,}", flush=True)
            except Exception as error:  # noqa: BLE001 - older code may crash where newer code does not
                print(f"{name:45} crashed: {type(error).__name__}: {str(error)[:60]}", flush=True)
        print(f"\n{'fault':50} measured")
        for name, measure in {**MEASURES, **SERVING_MEASURES}.items():  # the data directory's, the server's
            try:
                print(f"{name:50} {measure(Path(tmp))}", flush=True)
            except Exception as error:  # noqa: BLE001 - as above
                print(f"{name:50} crashed: {type(error).__name__}: {str(error)[:60]}", flush=True)
    print_hostile_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())

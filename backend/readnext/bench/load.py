"""The load phase of `readnext bench speed`: concurrent clients against a real `readnext serve` on 127.0.0.1,
a mix of event posts and recommendations, and afterwards a check that every acknowledged event is in the log."""
from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from ..store import storage
from ..store.history import History


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Client:
    """One client with a kept-alive connection, as the extension's service worker has."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            self.connection.request("POST", f"/api/v1/{path}", json.dumps(body),
                                    {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
            response = self.connection.getresponse()
            return response.status, json.loads(response.read())
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            raise


def _serve(home: Path, port: int, model: str | None, log_path: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "readnext.cli", "serve", "--home", str(home), "--port", str(port),
               *(["--model", model] if model else [])]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 600  # opening a million-paper index takes a while
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"readnext serve exited; see {log_path}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/v1/status")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("readnext serve did not answer within 600 s")


def run_load(home: Path, papers: int, first_synthetic: int, history: list[dict], clients: int = 8,
             seconds: float = 60.0, event_share: float = 0.6, model: str | None = None, seed: int = 2) -> dict:
    """For the user with this `history` (events): `clients` threads, each sending its next request as soon as
    the last is answered, for `seconds`: an event post (a view of a corpus paper) with probability
    `event_share`, else a recommendation (k = 10, a corpus paper as the context)."""
    port = _free_port()
    process = _serve(home, port, model, home.parent / f"{home.name}-serve.log")
    token = storage.load_or_create_token(home / "token")
    try:
        status, answer = _Client(port, token).post("events", {"events": history})
        if status != 200 or answer.get("accepted") != len(history):
            raise SystemExit(f"the user's history was not recorded: HTTP {status} {answer}")
        began = time.monotonic()
        results = [{"recommend_ms": [], "event_ms": [], "acknowledged": [], "errors": []} for _ in range(clients)]
        threads = [threading.Thread(target=_client, args=(port, token, results[n], seconds, event_share,
                                                          (first_synthetic, papers), seed + n))
                   for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
    except BaseException:
        process.kill()
        raise
    tick = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(300)
    stop_seconds = time.monotonic() - tick

    merged = {key: [x for r in results for x in r[key]] for key in results[0]}
    log = History(home)  # the log as the next start reads it
    try:
        logged = {event.id for event in log.events()}
        missing = [i for i in merged["acknowledged"] if i not in logged]
        log.forget(None)  # leave the corpus's user as the measurement found it: no history
    finally:
        log.close()
    requests = len(merged["recommend_ms"]) + len(merged["event_ms"]) + len(merged["errors"])
    return {
        "clients": clients, "seconds": elapsed, "requests": requests, "requests_per_s": requests / elapsed,
        "errors": len(merged["errors"]), "first_errors": merged["errors"][:5],
        "recommend_ms": _percentiles(merged["recommend_ms"]), "event_ms": _percentiles(merged["event_ms"]),
        "acknowledged_events": len(merged["acknowledged"]), "acknowledged_missing_from_log": len(missing),
        "server_exit_code": code, "server_stop_seconds": stop_seconds,
    }


def _client(port: int, token: str, mine: dict, seconds: float, event_share: float, paper_range: tuple[int, int],
            seed: int) -> None:
    """One client's requests until `seconds` have passed, each timed, into `mine`."""
    rng = np.random.default_rng(seed)
    connection = _Client(port, token)
    deadline = time.monotonic() + seconds
    run, sent = time.time_ns(), 0
    while time.monotonic() < deadline:
        paper_id = f"bench:{int(rng.integers(*paper_range))}"
        is_event = rng.random() < event_share
        event_id = f"load-{run}-{seed}-{sent}"
        sent += 1
        tick = time.perf_counter()
        try:
            if is_event:
                status, answer = connection.post("events", {"events": [
                    {"id": event_id, "type": "view", "paper_id": paper_id, "seconds": 60}]})
            else:
                status, answer = connection.post("recommend", {"context": {"paper_id": paper_id}, "k": 10})
        except (OSError, http.client.HTTPException) as error:
            mine["errors"].append(f"{type(error).__name__}: {error}")
            continue
        elapsed = (time.perf_counter() - tick) * 1000
        if status != 200:
            mine["errors"].append(f"HTTP {status}: {answer}")
        elif is_event:
            mine["event_ms"].append(elapsed)
            if answer.get("accepted") == 1:
                mine["acknowledged"].append(event_id)
        else:
            mine["recommend_ms"].append(elapsed)
            if len(answer.get("items", [])) != 10:
                mine["errors"].append(f"recommendation with {len(answer.get('items', []))} items")


def _percentiles(ms: list[float]) -> dict:
    if not ms:
        return {"p50": float("nan"), "p99": float("nan"), "n": 0}
    return {"p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99)), "n": len(ms)}

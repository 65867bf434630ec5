"""The figures of docs/reliability.md for hostile local input to the server and the CLI (idle and slow connections,
unauthenticated uploads, a stranger on the announced port, a full disk at the stop, escape sequences in titles),
measured as words, for `python -m faults.figures`.

Each runs a real `readnext serve` (the test embedder) as its test in tests/faults does, counting instead of
asserting, so it runs against older code too (PYTHONPATH pointing at an older backend)."""
from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

from readnext.config import Config

from .common import FAKE, fake_cli, fill_disk
from .test_connections import MiB, Crowd, buffered_bytes, request_head, timed_call
from .test_stranger_listener import killed_servers_home, stranger
from .test_terminal_escapes import OSC52, acted_on, hostile_home
from servers import free_port


@contextlib.contextmanager
def serving(home: Path, stderr=subprocess.DEVNULL) -> Iterator[tuple[int, str, subprocess.Popen]]:
    port = free_port()
    process = subprocess.Popen([sys.executable, str(FAKE), "serve", "--home", str(home), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=stderr, text=True)
    process.stdout.readline()
    try:
        yield port, (home / "token").read_text(), process
    finally:
        process.kill()
        process.wait(30)


def answered(port: int, token: str, calls: int = 10) -> str:
    answers = [timed_call(port, token) for _ in range(calls)]
    times = [seconds for status, seconds in answers if status == 200]
    slowest = f", slowest {max(times):.2f} s" if times else ""
    return f"{len(times)} of {calls} authenticated requests answered within 5 s{slowest}"


def idle_connections(root: Path) -> str:
    with serving(root / "idle") as (port, token, _), Crowd(port, 300):
        time.sleep(1.0)
        return answered(port, token)


def slow_uploads(root: Path) -> str:
    with serving(root / "slow") as (port, token, process):
        declared = request_head(port, "/api/v1/events", 2 * MiB) + b"{"
        with Crowd(port, 100, greeting=declared), Crowd(port, 100, greeting=b"POST /api/v1/ev"):
            time.sleep(1.0)
            return f"{answered(port, token)}; {buffered_bytes(process.pid):,} bytes held"


def unauthenticated_uploads(root: Path) -> str:
    with serving(root / "uploads") as (port, _, process):
        uploads, sent = [], 0
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(request_head(port, "/api/v1/events", 1023 * MiB))
            uploads.append(sock)
        for _ in range(16):
            for sock in uploads:
                with contextlib.suppress(OSError):
                    sock.sendall(b" " * MiB)
                    sent += MiB
        time.sleep(0.5)
        held = buffered_bytes(process.pid)
        for sock in uploads:
            sock.close()
        return f"{held:,} bytes held in temporary files of {sent:,} sent"


def trickled_request(root: Path, cap: float = 30.0) -> str:
    with serving(root / "trickle") as (port, token, _):
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            sock.sendall(request_head(port, "/api/v1/events", 1000, token))
            began = time.monotonic()
            while time.monotonic() - began < cap:
                try:
                    sock.sendall(b" ")
                    if sock.recv(1) == b"":
                        return f"closed after {time.monotonic() - began:.1f} s"
                except socket.timeout:
                    continue
                except OSError:
                    return f"closed after {time.monotonic() - began:.1f} s"
        return f"still open after {cap:.0f} s"


def stranger_on_the_port(root: Path, runs: int = 2) -> str:
    config = Config.load(home=root / "stranger", port=8765)
    port = free_port()
    killed_servers_home(config, port)
    from readnext.store import storage
    sent_token = believed = 0
    with stranger(port) as listener, storage.exclusive_lock(config.home / "lock"):  # a new serve, loading
        for _ in range(runs):
            before = len(listener.seen)
            done = fake_cli("pair", "--confirm", "123456", home=config.home)
            sent_token += any(authorization for _, authorization in listener.seen[before:])
            believed += done.returncode == 0
    return f"token sent {sent_token} of {runs} times, forged answer believed {believed} of {runs}"


def stop_on_a_full_disk(root: Path) -> str:
    from conftest import topic_papers
    mount = root / "stop-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], check=True)
    try:
        home = mount / "home"
        with serving(home, stderr=subprocess.PIPE) as (port, token, process):
            events = [{"id": f"v{n}", "type": "view", "seconds": 30, "paper": paper}
                      for n, paper in enumerate(topic_papers(per_topic=10))]
            timed_call(port, token, "POST", "events", {"events": events})
            fill_disk(mount)
            process.terminate()
            code = process.wait(60)
            err = process.stderr.read()
        left = (home / "server.json").exists()
        return (f"exit {code}, {len(err.strip().splitlines())} line(s) on stderr"
                f"{' (a traceback)' if 'Traceback' in err else ''}, server.json {'left' if left else 'removed'}")
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)


def escapes_in_titles(root: Path) -> str:
    (root / "escapes").mkdir()
    home, imported = hostile_home(root / "escapes")
    listed = fake_cli("recommend", "--context", "graph networks message passing", "-k", "9", home=home)
    raw = acted_on(imported.stdout + listed.stdout)
    return (f"{len(raw)} control characters reached the terminal, {listed.stdout.count(OSC52)} OSC 52 "
            "clipboard writes")


MEASURES = {
    "300 idle connections (reopened when closed)": idle_connections,
    "100 slow uploads + 100 half headers, no token": slow_uploads,
    "4 uploads, no token, 1023 MiB declared, 16 sent": unauthenticated_uploads,
    "a request with the token trickled 1 byte/s": trickled_request,
    "readnext pair x2, a stranger on server.json's port": stranger_on_the_port,
    "SIGTERM to serve on a full disk (8 MiB tmpfs)": stop_on_a_full_disk,
    "recommend/import of titles with escape sequences": escapes_in_titles,
}

"""Another program on the port server.json names: a server killed by SIGKILL leaves server.json behind, another
local user listens on its port, and a new `readnext serve` holds the lock while its model loads. The CLI must not
send the token there nor believe the answer: it sends the token only on a connection whose listener has proved,
for a nonce of the CLI's, that it holds this data directory's token (cli/client.py, routes/proof.py)."""
from __future__ import annotations

import contextlib
import http.client
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

from readnext.cli import client
from readnext.cli.client import NotThisServer, RemoteBackend
from readnext.errors import ReadNextError
from readnext.server.run import server_file
from readnext.store import storage
from servers import free_port

from .common import FAKE, fake_cli

FORGED = {"requests": [{"origin": "chrome-extension://" + "p" * 32, "code": "123456", "expires_in": 60}],
          "origin": "chrome-extension://" + "p" * 32, "corpus": 1, "history": 0, "model": "forged"}


class Stranger(ThreadingHTTPServer):
    """A listener that is not ReadNext: it records what reaches it and answers every path with forged JSON, or
    passes every request on to `relay_to` (a real server on another port) and its answers back."""

    daemon_threads = True

    def __init__(self, port: int, relay_to: int | None = None, proof="0" * 64):
        self.seen: list[tuple[str, str | None]] = []  # (path, Authorization header)
        self.relay_to, self.proof = relay_to, proof
        super().__init__(("127.0.0.1", port), StrangerHandler)


class StrangerHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.answer()

    def answer(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        status, data = self.relayed(body) if self.server.relay_to else (200, json.dumps(
            {"proof": self.server.proof} if self.path.startswith("/api/v1/proof") else FORGED).encode())
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def relayed(self, body: bytes) -> tuple[int, bytes]:
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.relay_to, timeout=30)
        headers = {key: value for key, value in self.headers.items() if key.lower() != "host"}
        upstream.request(self.command, self.path, body=body or None,
                         headers={**headers, "Host": f"127.0.0.1:{self.server.relay_to}"})
        response = upstream.getresponse()
        return response.status, response.read()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def stranger(port: int, relay_to: int | None = None, proof="0" * 64) -> Iterator[Stranger]:
    server = Stranger(port, relay_to, proof)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def killed_servers_home(config, port: int) -> None:
    """What a `readnext serve` on `port` killed by SIGKILL leaves: the token and its server.json."""
    storage.ensure_home(config.home)
    storage.load_or_create_token(config.home / "token")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    storage.atomic_write_json(server_file(config), {"port": port, "pid": int(dead.stdout)})


@pytest.mark.parametrize("command", [["pair", "--confirm", "123456"], ["pair"], ["status"], ["recommend"]])
def test_the_cli_sends_no_token_to_a_stranger_on_the_announced_port(config, command):
    port = free_port()
    killed_servers_home(config, port)
    token = (config.home / "token").read_text()
    with stranger(port) as listener, storage.exclusive_lock(config.home / "lock"):  # a new serve, loading
        done = fake_cli(*command, home=config.home, input="y\n")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stdout == "" and done.stderr.startswith("readnext: ") and done.stderr.count("\n") == 1
    assert "did not prove" in done.stderr and "nothing was sent" in done.stderr
    assert listener.seen and all(authorization is None for _, authorization in listener.seen)
    assert all(path.startswith("/api/v1/proof?nonce=") for path, _ in listener.seen)  # and nothing else
    assert token not in "".join(path for path, _ in listener.seen)


@pytest.mark.parametrize("proof", ["é" * 64, 12345, None, ["0" * 64]])
def test_a_stranger_s_malformed_proof_is_refused_in_one_line(config, proof):
    port = free_port()
    killed_servers_home(config, port)
    with stranger(port, proof=proof) as listener, storage.exclusive_lock(config.home / "lock"):
        done = fake_cli("status", home=config.home)
    assert done.returncode == 1 and "did not prove" in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert all(authorization is None for _, authorization in listener.seen)


@contextlib.contextmanager
def served(home, port: int):
    """`readnext serve` (with the test embedder) on this home and port, stopped at the end."""
    process = subprocess.Popen([sys.executable, str(FAKE), "serve", "--home", str(home), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "serving on" in process.stdout.readline(), process.stderr.read()
        yield process
    finally:
        process.terminate()
        process.wait(60)


def test_a_relay_of_the_real_servers_proof_from_another_port_is_not_believed(config):
    """A listener that passes the nonce on to the real server (on another port) and its proof back: the proof
    names the port it was given on, so it fails on the relay's."""
    real_port, relay_port = free_port(), free_port()
    with served(config.home, real_port):
        pid = json.loads(server_file(config).read_text())["pid"]
        token = (config.home / "token").read_text()
        assert RemoteBackend(real_port, token, pid).status()["history"] == 0  # the real one proves itself
        with stranger(relay_port, relay_to=real_port) as relay:
            with pytest.raises(NotThisServer):
                RemoteBackend(relay_port, token, pid).status()
        assert relay.seen and all(authorization is None for _, authorization in relay.seen)
        with pytest.raises(NotThisServer):  # nor does the real server pass for another process of the same home
            RemoteBackend(real_port, token, pid + 1).status()


def test_beside_the_real_server_the_cli_proves_it_and_asks_it(config):
    port = free_port()
    with served(config.home, port):
        done = fake_cli("status", home=config.home)
        assert done.returncode == 0 and "history: 0" in done.stdout, done.stderr
        backend = client.running_server(config)
        for _ in range(3):  # a proof a call, each on its own connection
            assert backend.status()["corpus"] == 0


def test_the_proof_endpoint_is_open_and_checks_its_nonce(config):
    port = free_port()
    with served(config.home, port):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for nonce, status in (("ab" * 16, 200), ("AB" * 16, 400), ("ab", 400), ("", 400), ("ab" * 65, 400)):
            connection.request("GET", f"/api/v1/proof?nonce={nonce}")
            response = connection.getresponse()
            answer = json.loads(response.read())
            assert response.status == status, (nonce, answer)
        web = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        web.request("GET", f"/api/v1/proof?nonce={'ab' * 16}", headers={"Origin": "https://evil.example"})
        assert web.getresponse().status == 403  # the guard's rules hold for it as for every path


def test_a_server_loading_its_model_is_announced_at_once_and_refused_in_one_line(config, tmp_path):
    """server.json is rewritten the moment the lock is taken, before the model loads: the stale one of a killed
    server is gone, and the CLI says the server is starting instead of trusting the old port."""
    stale_port, port = free_port(), free_port()
    killed_servers_home(config, stale_port)
    slow = tmp_path / "slow_serve.py"
    slow.write_text(SLOW_SERVE)
    with stranger(stale_port) as listener:
        serving = subprocess.Popen([sys.executable, str(slow), str(config.home), str(port)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while (json.loads(server_file(config).read_text()).get("pid") != serving.pid
                   and time.monotonic() < deadline):
                time.sleep(0.05)
            assert json.loads(server_file(config).read_text()) == {"port": port, "pid": serving.pid,
                                                                     "starting": True}
            with pytest.raises(ReadNextError, match=rf"the server \(pid {serving.pid}\) is starting"):
                client.running_server(config)
            done = fake_cli("pair", "--confirm", "123456", home=config.home)
            assert done.returncode == 1 and "is starting" in done.stderr and done.stderr.count("\n") == 1
            assert "serving on" in serving.stdout.readline()
            assert json.loads(server_file(config).read_text()) == {"port": port, "pid": serving.pid}
        finally:
            serving.terminate()
            serving.wait(60)
        assert listener.seen == []


SLOW_SERVE = """
import sys, time
from readnext.config import Config
from readnext.engine import ReadNext
from readnext.server.run import serve
from readnext.vectors.embed import HashingEmbedder

def slow_engine(config):
    time.sleep(3)  # as the real model loads
    return ReadNext(config, embedder=HashingEmbedder(64))

serve(Config.load(home=sys.argv[1], port=int(sys.argv[2])), make_engine=slow_engine)
"""

"""A real `readnext serve` in a subprocess, for tests that need the whole server (and for the browser tests)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, home: Path, port: int | None = None):
        self.home = Path(home)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.log = self.home.parent / f"serve-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def start(self, timeout: float = 120.0) -> "Server":
        self.home.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "readnext.cli", "serve", "--home", str(self.home), "--port", str(self.port)],
            stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"readnext serve exited: {self.log.read_text()[-2000:]}")
            try:
                self.call("GET", "status")
                return self
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"readnext serve did not answer in {timeout} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(30)

    @property
    def token(self) -> str:
        return (self.home / "token").read_text().strip()

    def call(self, method: str, path: str, body=None, token: bool = True, headers: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}/{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token and (self.home / "token").exists():
            request.add_header("Authorization", f"Bearer {self.token}")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

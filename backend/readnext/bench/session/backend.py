"""The backend of a session: a real `readnext serve` in a subprocess on a home of its own, as a user runs it, and
the night between the session's two days."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from ...store import lines

DAY_MS = 86_400_000


class BenchError(RuntimeError):
    """The session could not go on: the backend or a page did not do what a session needs."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServedBackend:
    def __init__(self, home: Path, log: Path, model: str | None = None):
        self.home, self.log, self.model = Path(home), Path(log), model
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        """What the user types into the extension's options."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        return (self.home / "token").read_text().strip()

    def start(self, timeout: float = 180.0) -> "ServedBackend":
        command = [sys.executable, "-m", "readnext.cli", "serve", "--home", str(self.home), "--port", str(self.port),
                   *(["--model", self.model] if self.model else [])]
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"readnext serve exited: see {self.log}")
            try:
                self.call("GET", "status")
                return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise BenchError(f"readnext serve did not answer in {timeout:.0f} s: see {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(60)

    def call(self, method: str, path: str, body=None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.address}/api/v1/{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if (self.home / "token").exists():
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def api(self, method: str, path: str, body=None) -> dict:
        status, answer = self.call(method, path, body)
        if not 200 <= status < 300:
            raise BenchError(f"{method} {path}: HTTP {status} {answer}")
        return answer


def move_log_back(home: Path, ms: int = DAY_MS) -> None:
    """The night: every event of the home's log happened `ms` earlier, so what comes next is a day later for
    the profile's decay and the learned ranker's lists alike. With the backend that owns the home stopped."""
    lines.rewrite_lines(home / "events.jsonl", lambda row: {**row, "ts": row["ts"] - ms})

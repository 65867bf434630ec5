"""What CLI commands talk to: the running server, which owns the data directory while it runs, or else the
library itself (under the data directory's lock, which the CLI takes). Both answer in the API's JSON shapes.

The token goes only to a server that has proved it is this data directory's: each call opens a connection, sends a
fresh nonce to the open GET /proof and checks the answer (server/announcement.py's server_proof, under the token the
CLI reads from the directory) before it sends anything else on that connection. Another program listening on the
port server.json names (a stopped server's, taken by another local user) learns nothing and is not believed."""
from __future__ import annotations

import hmac
import http.client
import json
import secrets

from ..store import storage
from ..config import Config
from ..errors import NotFound, ReadNextError
from ..server.announcement import server_file, server_proof

PROOF_TIMEOUT_S = 10  # the proof is an HMAC: a server that does not answer it at once is not one to wait for
CALL_TIMEOUT_S = 120


class NotThisServer(ReadNextError):
    """What answers on the announced port did not prove it holds this data directory's token."""


class RemoteBackend:
    """The API of a `readnext serve` on this machine: the one that announced `port` and `pid` in server.json."""

    def __init__(self, port: int, token: str, pid: int):
        self.port, self.token, self.pid = port, token, pid
        self.base = f"http://127.0.0.1:{port}/api/v1"

    def _call(self, method: str, path: str, body=None, raw: bool = False):
        connection = self._proven_connection()
        try:
            connection.request(method, f"/api/v1/{path}", body=json.dumps(body).encode() if body is not None else None,
                               headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise ReadNextError(f"the running server did not answer: {error}") from None
        finally:
            connection.close()
        if response.status >= 400:
            message = _error_message(data) or f"HTTP {response.status}"
            raise (NotFound if response.status == 404 else ReadNextError)(message)
        return data.decode("utf-8") if raw else json.loads(data)

    def _proven_connection(self) -> http.client.HTTPConnection:
        """A connection to the port whose listener has just proved it is this directory's server; the calls go on
        this connection, so no other listener can step in between the proof and the token."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=PROOF_TIMEOUT_S)
        nonce = secrets.token_hex(16)
        try:
            connection.request("GET", f"/api/v1/proof?nonce={nonce}")
            response = connection.getresponse()
            answer = _json_object(response.read()) if response.status == 200 else {}
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise ReadNextError(f"the running server did not answer: {error}") from None
        proof = answer.get("proof")
        proved = isinstance(proof, str) and hmac.compare_digest(
            proof.encode(), server_proof(self.token, self.port, self.pid, nonce).encode())  # bytes: any text
        if not proved or connection.sock is None:  # no socket: closed after the proof, a new one is unproven
            connection.close()
            raise NotThisServer(f"what answers on 127.0.0.1:{self.port} did not prove it is the ReadNext server "
                                f"(pid {self.pid}) of this data directory; nothing was sent to it. Stop that "
                                "program, or the server, and start `readnext serve` again")
        connection.sock.settimeout(CALL_TIMEOUT_S)
        return connection

    def recommend(self, context: dict | None, k: int) -> dict:
        return self._call("POST", "recommend", {"context": context, "k": k})

    def status(self) -> dict:
        return self._call("GET", "status")

    def export(self) -> dict:
        return self._call("GET", "export")

    def export_bibtex(self) -> str:
        return self._call("GET", "export.bib", raw=True)

    def progress(self) -> dict:
        return self._call("GET", "jobs")

    def start_import(self, spec: dict) -> dict:
        return self._call("POST", "import", spec)

    def start_backfill(self, spec: dict) -> dict:
        return self._call("POST", "backfill", {**spec, "confirm": True})

    def job(self, job_id: str) -> dict:
        return self._call("GET", f"jobs/{job_id}")

    def pairing_requests(self) -> list[dict]:
        return self._call("GET", "pair/requests")["requests"]

    def confirm_pairing(self, code: str) -> dict:
        return self._call("POST", "pair/confirm", {"code": code})


class LocalBackend:
    """The library in this process."""

    def __init__(self, engine):
        self.engine = engine

    def recommend(self, context: dict | None, k: int) -> dict:
        from .. import views
        return views.recommendations(self.engine.recommend(context, k))

    def status(self) -> dict:
        from .. import views
        return views.status(self.engine)

    def export(self) -> dict:
        from .. import views
        return views.export(self.engine)

    def export_bibtex(self) -> str:
        from ..ingest.sources.bibtex_writer import papers_to_bibtex
        return papers_to_bibtex(self.engine.library())

    def progress(self) -> dict:
        from ..server.jobs import Embedding
        return {"jobs": [], "embedding": Embedding(self.engine).to_dict()}


def _json_object(data: bytes) -> dict:
    try:
        value = json.loads(data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _error_message(data: bytes) -> str:
    error = _json_object(data).get("error")
    return str(error.get("message", "")) if isinstance(error, dict) else ""


def running_server(config: Config) -> RemoteBackend | None:
    """The server that holds this data directory now, if one does (a server still loading its model is refused
    with one line: it answers nothing yet)."""
    if not storage.is_locked(config.home / "lock"):
        return None
    try:
        info = storage.read_json(server_file(config))
    except ValueError:  # a torn write: the lock holder is no server that finished announcing itself
        info = None
    if not isinstance(info, dict) or not isinstance(info.get("port"), int) or not isinstance(info.get("pid"), int):
        return None  # another command holds the directory: opening it here says so
    if info.get("starting"):
        raise ReadNextError(f"the server (pid {info['pid']}) is starting: try again once it says it is serving")
    return RemoteBackend(info["port"], storage.load_or_create_token(config.home / "token"), info["pid"])

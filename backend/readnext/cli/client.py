"""What CLI commands talk to: the running server, which owns the data directory while it runs, or else the
library itself (under the data directory's lock, which the CLI takes). Both answer in the API's JSON shapes."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from ..store import storage
from ..config import Config
from ..errors import NotFound, ReadNextError
from ..server.run import server_file


class RemoteBackend:
    """The API of a `readnext serve` on this machine."""

    def __init__(self, port: int, token: str):
        self.base = f"http://127.0.0.1:{port}/api/v1"
        self.token = token

    def _call(self, method: str, path: str, body=None, raw: bool = False):
        request = urllib.request.Request(f"{self.base}/{path}", method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": f"Bearer {self.token}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                data = response.read()
        except urllib.error.HTTPError as error:
            message = json.loads(error.read() or b"{}").get("error", {}).get("message", str(error))
            raise (NotFound if error.code == 404 else ReadNextError)(message) from None
        except OSError as error:
            raise ReadNextError(f"the running server did not answer: {error}") from None
        return data.decode("utf-8") if raw else json.loads(data)

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


def running_server(config: Config) -> RemoteBackend | None:
    """The server that holds this data directory now, if one does."""
    info = storage.read_json(server_file(config))
    if info and storage.is_locked(config.home / "lock"):
        return RemoteBackend(info["port"], storage.load_or_create_token(config.home / "token"))
    return None

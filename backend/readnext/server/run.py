"""`readnext serve` in this process: under the data directory's lock, the engine, the app with its background jobs
and the arXiv follower, announced in server.json to the CLI commands run beside it, until SIGTERM or Ctrl-C.

server.json (announcement.py) is rewritten the moment the lock is taken (`starting` while the model loads, then
the port once it listens) and removed at the stop, so what it says is never a stopped server's. The CLI still
sends the token only to a listener that proves it holds this directory's token: the port may be another
program's by then."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable, NoReturn

from .. import __version__
from ..config import Config
from ..errors import ReadNextError, WriteFailed
from ..process import configure_process
from ..store import storage
from .announcement import server_file

LOCAL_HOSTS = ("127.0.0.1", "localhost")


def serve(config: Config, make_engine: Callable | None = None, make_arxiv: Callable | None = None) -> NoReturn:
    """Serve until stopped, then save, close and end the process. `make_engine(config)` and `make_arxiv(config)`
    default to the product's engine and arXiv client."""
    if config.host not in LOCAL_HOSTS:
        raise ReadNextError("ReadNext listens on 127.0.0.1 only: your reading history is not for the network")
    # here, not at the top: the CLI's client reads server_file() without loading the engine and the app
    from ..engine import ReadNext
    from ..ingest.follow import Follower, fetch_settings, make_client
    from .app import create_app
    from .http import listen, serve_until_stopped
    configure_process()
    make_engine, make_arxiv = make_engine or ReadNext, make_arxiv or make_client
    storage.ensure_home(config.home)
    announced = server_file(config)
    with storage.exclusive_lock(config.home / "lock"):
        _announce(announced, config.port, starting=True)  # before the model loads: a stopped server's goes now
        try:
            engine = make_engine(config)
            app = create_app(config, engine)
            # papers stored without a vector (a backfill, an interrupted import, a new model) are embedded meanwhile
            jobs = app.extensions["readnext.jobs"].start()
            follower = Follower(engine, lambda: make_arxiv(config)).start()  # idle, sends nothing, unless opted in
            try:
                server = listen(app, config.host, config.port, engine.token, config.max_request_bytes)
                _announce(announced, config.port)
                _banner(engine, config, fetch_settings(engine.history))
                serve_until_stopped(server)
            finally:
                _stop(jobs, follower, engine)
        finally:
            if (storage.read_json(announced) or {}).get("pid") == os.getpid():
                storage.remove(announced)
    print("ReadNext stopped", flush=True)
    # Everything is saved and closed. The interpreter's own teardown (collecting the model's and torch's
    # hundreds of thousands of objects) would take 2-15 s more on a busy machine, and a service manager waits
    # for it: leave now.
    sys.stderr.flush()
    os._exit(0)


def _announce(path: Path, port: int, starting: bool = False) -> None:
    try:
        storage.atomic_write_json(path, {"port": port, "pid": os.getpid(), **({"starting": True} if starting else {})})
    except OSError as error:  # a full disk: serving unannounced would leave the CLI to trust an older server.json
        raise WriteFailed(f"cannot write {path}: {error.strerror or error}") from None


def _stop(jobs, follower, engine) -> None:
    """Each returns at once when idle; busy, each finishes its step (a batch, a fetch, a save). The engine is closed
    whatever came before; a save that fails there (a full disk) is one line: every acknowledged event is in the
    event log already, and the next start adds to the index what it misses, from the vector cache."""
    try:
        jobs.stop()
        follower.stop(timeout=5)
    finally:
        try:
            engine.close()
        except (OSError, ReadNextError) as error:
            detail = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            raise WriteFailed(f"ReadNext stopped, but its last save failed: {detail}; nothing acknowledged is lost "
                              "(the next start indexes what the index misses, from the vector cache)") from None


def _banner(engine, config: Config, following: dict) -> None:
    if engine.history.set_aside:
        print(f"events.jsonl: {engine.history.set_aside} line(s) that are not acknowledged events (a torn "
              f"last line, other data) moved to events.rejected; `readnext check` lists them", flush=True)
    print(f"ReadNext {__version__} serving on http://{config.host}:{config.port} "
          f"(model {engine.model}, {engine.corpus.count()} papers, data in {config.home})", flush=True)
    print(f"following arXiv: {', '.join(following['categories'])} every {following['interval_hours']:g} h"
          if following["enabled"] else "following arXiv: off (no network traffic)", flush=True)

"""The data directory opened in this process (under its lock, the engine, closed at the end), or, while a server
holds the directory, that server. What the commands run on is made by Factories: tests give their own."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..config import Config
from ..server.announcement import server_file
from ..store import storage
from . import client


def product_engine(config: Config):
    from ..engine import ReadNext
    return ReadNext(config)


def product_arxiv(config: Config):
    from ..ingest.follow import make_client
    return make_client(config)


@dataclass(frozen=True)
class Factories:
    """How commands make the engine and the arXiv client from the configuration. The product's by default; a
    test gives its own, e.g. `main(argv, Factories(engine=lambda config: ReadNext(config, embedder=...)))`."""
    engine: Callable[[Config], Any] = product_engine
    arxiv: Callable[[Config], Any] = product_arxiv


@contextlib.contextmanager
def holding(config: Config) -> Iterator[None]:
    """The data directory, held by this process: one process writes it at a time (a second is refused)."""
    storage.ensure_home(config.home)
    with storage.exclusive_lock(config.home / "lock"):
        storage.remove(server_file(config))  # a killed server's: none runs now, and its port may be another's
        yield


@contextlib.contextmanager
def open_engine(config: Config, make_engine: Callable[[Config], Any]) -> Iterator[Any]:
    """Under the data directory's lock, `make_engine(config)`, closed at the end."""
    with holding(config):
        engine = make_engine(config)
        try:
            yield engine
        finally:
            engine.close()


@contextlib.contextmanager
def backend_for(config: Config, factories: Factories) -> Iterator[Any]:
    """The running server when there is one (it owns the data directory while it runs), else the library."""
    server = client.running_server(config)
    if server is not None:
        yield server
        return
    with open_engine(config, factories.engine) as engine:
        yield client.LocalBackend(engine)

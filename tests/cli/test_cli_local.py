"""cli/local.py: the data directory opened here, under its lock, the engine closed at the end; or the running
server that holds the directory."""
import pytest

from readnext.cli import client
from readnext.cli.local import Factories, backend_for, holding, open_engine
from readnext.engine import ReadNext
from readnext.store import storage
from readnext.store.storage import LockedError
from readnext.vectors.embed import HashingEmbedder


class Opened:
    """The engines a factory made, to see which were closed."""

    def __init__(self):
        self.engines = []

    def __call__(self, config):
        engine = ReadNext(config, embedder=HashingEmbedder(64))
        self.engines.append(engine)
        return engine


def test_the_engine_is_made_under_the_lock_and_closed_at_the_end(config):
    opened = Opened()
    with open_engine(config, opened) as engine:
        assert engine is opened.engines[0] and engine.home == config.home
        assert storage.is_locked(config.home / "lock")
        with pytest.raises(LockedError):  # a second process (or command) is refused while this one holds it
            with holding(config):
                pass
    assert not storage.is_locked(config.home / "lock")
    with open_engine(config, opened) as again:  # closed: the data directory opens again
        assert again is opened.engines[1]


def test_an_error_inside_still_closes_the_engine_and_releases_the_lock(config):
    closes = []

    def make(config):
        engine = ReadNext(config, embedder=HashingEmbedder(64))
        real_close = engine.close
        engine.close = lambda: (closes.append(True), real_close())
        return engine

    with pytest.raises(ValueError, match="inside"):
        with open_engine(config, make):
            raise ValueError("inside")
    assert closes == [True] and not storage.is_locked(config.home / "lock")


def test_a_factory_that_refuses_leaves_the_directory_free(config):
    def refuse(config):
        raise LookupError("nothing to ask")

    with pytest.raises(LookupError):
        with open_engine(config, refuse):
            pass
    assert not storage.is_locked(config.home / "lock")


def test_without_a_server_the_backend_is_the_library_here(config):
    with backend_for(config, Factories(engine=Opened())) as backend:
        assert isinstance(backend, client.LocalBackend)
        assert backend.status()["corpus"] == 0


def test_beside_a_running_server_the_backend_is_that_server(config):
    never = Opened()
    with holding(config):  # as `readnext serve` holds it, announcing its port
        storage.atomic_write_json(client.server_file(config), {"port": 45678, "pid": 0})
        with backend_for(config, Factories(engine=never)) as backend:
            assert isinstance(backend, client.RemoteBackend) and backend.base == "http://127.0.0.1:45678/api/v1"
    assert never.engines == []

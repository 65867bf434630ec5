"""server/run.py: `readnext serve` in its process, with the test embedder (tests/test_server.py runs the product's
own, with the model): banner, server.json for the CLI beside it, a clean stop on SIGTERM."""
import json
import subprocess
import sys
import time
import urllib.request

import pytest

from readnext.errors import ReadNextError
from readnext.server.run import serve, server_file
from readnext.store import storage
from readnext.store.storage import LockedError
from servers import free_port

SERVE = """
import sys
from readnext.config import Config
from readnext.engine import ReadNext
from readnext.server.run import serve
from readnext.vectors.embed import HashingEmbedder
serve(Config.load(home=sys.argv[1], port=int(sys.argv[2])),
      make_engine=lambda config: ReadNext(config, embedder=HashingEmbedder(64)))
"""


def test_serve_announces_itself_answers_and_stops_cleanly_on_sigterm(config):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVE, str(config.home), str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        banner = [process.stdout.readline(), process.stdout.readline()]
        assert banner[0].startswith("ReadNext ") and f"serving on http://127.0.0.1:{port} (model hashing-test, " \
            f"0 papers, data in {config.home})" in banner[0], process.stderr.read()
        assert banner[1] == "following arXiv: off (no network traffic)\n"
        assert json.loads(server_file(config).read_text()) == {"port": port, "pid": process.pid}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/status", timeout=30) as answer:
            assert answer.status == 200
        began = time.monotonic()
        process.terminate()
        assert process.wait(60) == 0 and time.monotonic() - began < 5
        assert process.stdout.read() == "ReadNext stopped\n"
        assert not server_file(config).exists() and not storage.is_locked(config.home / "lock")
    finally:
        process.kill()
        process.wait(30)


def test_serve_refuses_other_hosts_before_touching_anything(config):
    with pytest.raises(ReadNextError, match="listens on 127.0.0.1 only"):
        serve(config.with_(host="0.0.0.0"), make_engine=pytest.fail)
    assert not config.home.exists()


def test_serve_refuses_a_data_directory_another_process_holds(config):
    storage.ensure_home(config.home)
    with storage.exclusive_lock(config.home / "lock"):
        with pytest.raises(LockedError):
            serve(config, make_engine=pytest.fail)
    assert not server_file(config).exists()

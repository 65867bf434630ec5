"""SIGTERM to `readnext serve` whose disk is full (a real tmpfs filled to its last byte) while papers wait to be saved
in the index: the server stops with one line, no traceback, removes server.json (which the CLI would otherwise
trust) and releases the lock; what it acknowledged is there at the next start."""
import json
import subprocess
import sys
import time

from readnext.store import storage
from servers import free_port

from .common import FAKE, fill_disk, small_tmpfs
from conftest import topic_papers


def start(home, port):
    process = subprocess.Popen([sys.executable, str(FAKE), "serve", "--home", str(home), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "serving on" in process.stdout.readline(), process.stderr.read()
    return process


def post_events(port, token, events):
    import urllib.request
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/events", method="POST",
                                     data=json.dumps({"events": events}).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def test_sigterm_on_a_full_disk_stops_with_one_line_and_removes_server_json(tmp_path):
    with small_tmpfs(tmp_path / "disk", "8m") as disk:
        home, port = disk / "home", free_port()
        process = start(home, port)
        try:
            token = (home / "token").read_text()
            events = [{"id": f"v{n}", "type": "view", "seconds": 30, "paper": paper}
                      for n, paper in enumerate(topic_papers(per_topic=10))]
            assert post_events(port, token, events)["accepted"] == 30  # in the index, not saved yet
            fill_disk(disk)
            process.terminate()
            code = process.wait(60)
            out, err = process.communicate()
        finally:
            process.kill()
            process.wait(30)
        assert code == 1 and "Traceback" not in err, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("readnext: ") and "no space" in lines[0].lower(), err
        assert not (home / "server.json").exists() and not storage.is_locked(home / "lock")
        (disk / "filler").unlink()
        again = start(home, port)  # nothing acknowledged is lost: the index catches up from the vector cache
        try:
            deadline = time.monotonic() + 60
            while json.loads((home / "server.json").read_text()).get("pid") != again.pid:
                assert time.monotonic() < deadline
                time.sleep(0.1)
            import urllib.request
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/status",
                                             headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=60) as answer:
                status = json.loads(answer.read())
            assert status["history"] == 30 and status["corpus"] == 30
            deadline = time.monotonic() + 60
            while status["index"] != 30 and time.monotonic() < deadline:
                time.sleep(0.2)
                with urllib.request.urlopen(request, timeout=60) as answer:
                    status = json.loads(answer.read())
            assert status["index"] == 30
        finally:
            again.terminate()
            again.wait(60)

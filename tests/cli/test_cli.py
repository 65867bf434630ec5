"""The CLI end to end with the real model: import a slice of the real sample, read a topic, get it recommended.
A slice, not the whole sample: 1,219 papers through the model take minutes on a busy 2-core machine."""
import json
import shutil
import subprocess
import sys
import time

import pytest

from conftest import sample_records, shared_path
from readnext.config import Config
from readnext.engine import ReadNext

pytestmark = [pytest.mark.model, pytest.mark.slow]
DARK_MATTER = ["0704.0674", "0704.0944", "0704.0094"]
SLICE = 240  # the first papers of the sample (37 astro-ph among them), and the read ones not among them


def readnext(*args, home):
    return subprocess.run([sys.executable, "-m", "readnext.cli", *args, "--home", str(home)],
                          capture_output=True, text=True, timeout=900)


def sample_slice(path) -> int:
    """The first SLICE lines of the sample and the DARK_MATTER papers, as a snapshot file; their count."""
    lines = shared_path("data", "arxiv-sample.jsonl").read_text("utf-8").splitlines()
    chosen = lines[:SLICE] + [line for line in lines[SLICE:] if json.loads(line)["id"] in DARK_MATTER]
    assert {json.loads(line)["id"] for line in chosen} >= set(DARK_MATTER)
    path.write_text("\n".join(chosen) + "\n", "utf-8")
    return len(chosen)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    count = sample_slice(root / "slice.jsonl")
    result = readnext("import", str(root / "slice.jsonl"), home=root / "home")
    assert result.returncode == 0, result.stderr
    return root / "home", result, count


def test_import_loads_the_slice_with_progress(imported):
    home, result, count = imported
    assert SLICE < count <= SLICE + len(DARK_MATTER)
    assert f"imported {count:,} papers from {count:,} lines" in result.stdout
    assert "papers/s" in result.stderr and "ETA" in result.stderr and "100.0%" in result.stderr
    status = readnext("status", home=home)
    assert f"corpus: {count}" in status.stdout and f"index: {count}" in status.stdout
    # the import measured the precision on this machine; status, a new process, shows what it remembered
    assert "chosen_by: remembered measurement" in status.stdout and "precision: " in status.stdout
    assert "papers_per_s: " in status.stdout and "papers_per_s: None" not in status.stdout


def test_recommend_after_reading_one_topic(imported, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(imported[0], home)
    engine = ReadNext(Config.load(home=home))
    engine.record([{"id": f"v{i}", "type": "view", "paper_id": pid, "seconds": 120} for i, pid in enumerate(DARK_MATTER)])
    read_titles = {engine.corpus.get(pid).title for pid in DARK_MATTER}
    engine.close()
    result = readnext("recommend", "--json", "-k", "8", home=home)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["mode"] == "personal"
    items = answer["items"]
    astro = [i for i in items if any(c.startswith("astro-ph") for c in i["paper"]["categories"])]
    assert len(astro) >= 6, [i["paper"]["title"] for i in items]
    assert all(any(r["kind"] == "history" and r["title"] in read_titles for r in i["reasons"]) for i in astro)
    text = readnext("recommend", "-k", "3", home=home).stdout
    assert "Because you read" in text and "1." in text


def test_import_beside_a_running_server_then_recommend_without_a_restart(tmp_path):
    """The server imports (its own job), the CLI shows the progress, and the server answers meanwhile."""
    from servers import Server
    records = [r for r in sample_records() if r["id"] in DARK_MATTER]
    records += [r for r in sample_records(400) if r["id"] not in DARK_MATTER and
                any(c.startswith("astro-ph") for c in r["categories"])][:40]
    records += [r for r in sample_records(120) if r not in records][:100 - len(records)]
    sample = tmp_path / "slice.jsonl"
    sample.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    server = Server(tmp_path / "home").start()
    try:
        importing = subprocess.Popen([sys.executable, "-m", "readnext.cli", "import", str(sample), "--home",
                                      str(server.home)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        answered = 0
        while importing.poll() is None:
            answered += server.call("GET", "status")[0] == 200
            time.sleep(0.2)
        out, err = importing.communicate(timeout=60)
        assert importing.returncode == 0, err
        assert "imported 100 papers from 100 lines" in out and "papers/s" in err and "100.0%" in err
        assert answered >= 1
        status, answer = server.call("POST", "events", {"events": [
            {"id": f"v{i}", "type": "view", "paper_id": pid, "seconds": 120} for i, pid in enumerate(DARK_MATTER)]})
        assert status == 200 and answer["accepted"] == 3
        status, answer = server.call("POST", "recommend", {"k": 8})
        assert status == 200 and answer["mode"] == "personal"
        ids = [item["paper"]["id"] for item in answer["items"]]
        assert len(ids) == 8 and set(ids) <= {r["id"] for r in records} - set(DARK_MATTER)
        astro = [i for i in answer["items"] if any(c.startswith("astro-ph") for c in i["paper"]["categories"])]
        assert len(astro) >= 6, [i["paper"]["title"] for i in answer["items"]]
    finally:
        server.stop()


def test_pair_prints_the_token(tmp_path):
    result = readnext("pair", "--token", home=tmp_path / "home")
    token = result.stdout.strip()
    assert len(token) >= 32 and token == (tmp_path / "home" / "token").read_text()
    assert "options" in result.stderr


@pytest.mark.parametrize("command", [["export"], ["recommend", "--context", "dark matter halo"]])
def test_a_closed_pipe_ends_quietly(tmp_path, command):
    """`readnext export | head`: the reader is gone before the output comes; no traceback follows."""
    reader = subprocess.Popen([sys.executable, "-m", "readnext.cli", *command, "--home", str(tmp_path / "home")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.close()  # before the model is loaded: whatever it prints meets a closed pipe
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=300) == 141 and "Traceback" not in err and "BrokenPipe" not in err, err

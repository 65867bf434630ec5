"""The CLI end to end with the real model: import a slice of the real sample, read a topic, get it recommended.
A slice, not the whole sample: 1,219 papers through the model take minutes on a busy 2-core machine."""
import json
import shutil
import subprocess
import sys

import pytest

from conftest import shared_path
from readnext.cli import main
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


def test_import_refuses_a_running_server(imported, tmp_path, capsys):
    from readnext import storage
    home = imported[0]
    with storage.exclusive_lock(home / "lock"):
        code = main(["import", str(shared_path("data", "arxiv-sample.jsonl")), "--home", str(home), "--quiet"])
    assert code == 1 and "stop it first" in capsys.readouterr().err


def test_pair_prints_the_token(tmp_path):
    result = readnext("pair", home=tmp_path / "home")
    token = result.stdout.strip()
    assert len(token) >= 32 and token == (tmp_path / "home" / "token").read_text()
    assert "options" in result.stderr

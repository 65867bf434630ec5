"""The CLI end to end with the real model: import the real sample, read a topic, get it recommended."""
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


def readnext(*args, home):
    return subprocess.run([sys.executable, "-m", "readnext.cli", *args, "--home", str(home)],
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    home = tmp_path_factory.mktemp("cli") / "home"
    result = readnext("import", str(shared_path("data", "arxiv-sample.jsonl")), home=home)
    assert result.returncode == 0, result.stderr
    return home, result


def test_import_loads_the_whole_sample_with_progress(imported):
    home, result = imported
    assert "imported 1,219 papers from 1,219 lines" in result.stdout
    assert "papers/s" in result.stderr and "ETA" in result.stderr and "100.0%" in result.stderr
    status = readnext("status", home=home)
    assert "corpus: 1219" in status.stdout and "index: 1219" in status.stdout


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
    result = readnext("pair", "--token", home=tmp_path / "home")
    token = result.stdout.strip()
    assert len(token) >= 32 and token == (tmp_path / "home" / "token").read_text()
    assert "options" in result.stderr

"""Imports handed to the server as jobs (POST /import): run in the background, progress line kept, reports
as the CLI prints them; only the CLI may name a local file."""
import json
import threading
import time

import pytest

from readnext.server.app import create_app
from library_files import LIBRARY_BIB, SNAPSHOT, write


@pytest.fixture
def app(config, engine):
    app = create_app(config, engine)
    yield app
    app.extensions["readnext.jobs"].stop()


@pytest.fixture
def auth(engine):
    return {"Authorization": f"Bearer {engine.token}", "Host": "127.0.0.1:8765"}


def finished(client, job, auth):
    deadline = time.monotonic() + 30
    while job["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
        job = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).json
    return job


def test_a_snapshot_and_a_library_are_imported_by_the_server(app, engine, auth, tmp_path):
    client = app.test_client()
    snapshot = write(tmp_path / "snap.jsonl", SNAPSHOT)
    started = client.post("/api/v1/import", json={"path": str(snapshot), "categories": ["cs"]}, headers=auth)
    assert started.status_code == 202 and started.json["kind"] == "import"
    job = finished(client, started.json, auth)
    assert job["state"] == "done" and job["result"]["format"] == "snapshot"
    assert job["result"]["stored"] == 4 and job["result"]["filtered"] == 2 and job["result"]["skipped"] == 1
    assert "4 papers" in job["line"] and "100.0%" in job["line"]
    assert engine.corpus.count() == 4 and len(engine.index) == 4
    library = tmp_path / "mine.bib"
    library.write_text(LIBRARY_BIB, encoding="utf-8")
    job = finished(client, client.post("/api/v1/import", json={"path": str(library), "as": "mine"},
                                       headers=auth).json, auth)
    assert job["state"] == "done" and job["result"]["format"] == "bibtex" and job["result"]["recorded"] == 3
    assert len(engine.history) == 3


def test_a_failed_import_says_why(app, auth, tmp_path):
    client = app.test_client()
    job = finished(client, client.post("/api/v1/import", json={"path": str(tmp_path / "none.jsonl")},
                                       headers=auth).json, auth)
    assert job["state"] == "failed" and "no such file" in job["error"]


@pytest.mark.parametrize("body, headers, status", [
    ({"path": "relative.jsonl"}, {}, 400),
    ({"path": "/tmp/x.jsonl", "format": "pdf"}, {}, 400),
    ({"path": "/tmp/x.jsonl", "categories": "cs"}, {}, 400),
    ({"path": "/etc/passwd"}, {"Origin": "chrome-extension://" + "a" * 32}, 403),
])
def test_imports_are_for_the_cli_to_name(app, auth, body, headers, status):
    response = app.test_client().post("/api/v1/import", json=body, headers={**auth, **headers})
    assert response.status_code == status


def test_stopping_waits_for_a_running_job(engine):
    """The server closes the engine right after Jobs.stop(): a job still running then would write through a
    closed database (SQLite crashed the process in a test)."""
    from readnext.server.jobs import Jobs
    jobs = Jobs(engine).start()
    began = threading.Event()

    def work(job):
        began.set()
        time.sleep(0.5)
        return {"slept": True}
    job = jobs.submit("import", "a slow file", work)
    assert began.wait(5)
    jobs.stop()
    assert job.state == "done" and job.result == {"slept": True}


def test_a_stopped_snapshot_import_ends_after_its_batch_and_resumes(engine, tmp_path):
    from readnext.ingest.importer import import_jsonl
    lines = [json.dumps({"id": f"2301.{i:05d}", "title": f"Paper {i}", "abstract": f"words {i}",
                         "categories": "cs.LG", "versions": [{"created": "Mon, 2 Jan 2023 10:00:00 GMT"}]})
             for i in range(300)]
    snapshot = write(tmp_path / "big.jsonl", lines)
    stopping = threading.Event()
    stopping.set()
    first = import_jsonl(engine, snapshot, show_progress=False, stopping=stopping)
    assert first.stopped and 0 < first.stored < 300
    rest = import_jsonl(engine, snapshot, show_progress=False)
    assert not rest.stopped and first.stored + rest.stored == 300 and engine.corpus.count() == 300

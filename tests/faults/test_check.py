"""`readnext check` names every problem with its file and fix; `--repair` mends what can be mended, keeps a copy
of what it replaces and never deletes the event log."""
from __future__ import annotations

import os

from conftest import topic_papers
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from readnext.records.papers import paper_from_dict

from .common import fake_cli

MODEL = "all-MiniLM-L6-v2"  # the fake CLI's embedder takes the configured model's name


def filled(config) -> None:
    engine = ReadNext(config.with_(model=MODEL), embedder=HashingEmbedder(64, name=MODEL))
    papers = topic_papers(40)
    engine.record([{"id": f"v{n}", "type": "view", "seconds": 60, "paper": paper}
                   for n, paper in enumerate(papers[:5])])
    engine.add_papers([paper_from_dict(p) for p in papers])
    engine.close()


def test_a_sound_data_directory_passes(config):
    filled(config)
    result = fake_cli("check", home=config.home)
    assert result.returncode == 0 and "no problems found" in result.stdout, result.stdout + result.stderr


def test_check_names_each_problem_and_repair_mends_them(config):
    filled(config)
    home = config.home
    log = home / "events.jsonl"
    with open(log, "ab") as handle:
        handle.write(b'{"foo": 1}\n{"id": "torn", "ty')
    index = home / "index.hnsw"
    index.write_bytes(index.read_bytes()[:96] + b"\xff" * (index.stat().st_size - 96))
    (home / "user.json").write_text("{garbage")
    with open(home / "papers.sqlite", "r+b") as handle:
        handle.seek(home.joinpath("papers.sqlite").stat().st_size // 2)
        handle.write(os.urandom(8192))

    result = fake_cli("check", home=home)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    for name, words in [("events.jsonl", "torn"), ("events.jsonl", "not events"), ("user.json", "not valid JSON"),
                        ("papers.sqlite", "is damaged")]:
        assert any(line.startswith(str(home / name)) and words in line and "fix:" in line for line in lines), lines

    repaired = fake_cli("check", "--repair", home=home)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "no problems found" in repaired.stdout
    names = {p.name for p in home.iterdir()}
    assert "events.jsonl" in names and {"papers.sqlite", "user.json"} <= {n.split(".damaged-")[0] for n in names
                                                                        if ".damaged-" in n}
    assert (home / "events.rejected").read_text().splitlines() == ['{"foo": 1}', '{"id": "torn", "ty']
    engine = ReadNext(config.with_(model=MODEL), embedder=HashingEmbedder(64, name=MODEL))
    try:
        assert len(engine.history) == 5
        assert all(engine.corpus.label_of(e.paper_id) is not None for e in engine.history.events())
        assert len(engine.index) == engine.corpus.count() > 0
    finally:
        engine.close()


def test_repair_restores_the_papers_of_the_history_from_the_event_log(config):
    filled(config)
    home = config.home
    for name in ("papers.sqlite", "papers.sqlite-wal", "papers.sqlite-shm"):
        if (home / name).exists():
            (home / name).unlink()
    result = fake_cli("check", home=home)
    assert result.returncode == 1 and "papers.sqlite: is missing while events.jsonl names papers" in result.stdout
    served = fake_cli("serve", "--port", "1", home=home)
    assert served.returncode == 1 and "readnext check --repair" in served.stderr

    repaired = fake_cli("check", "--repair", home=home)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "5 paper(s) of your history restored from events.jsonl" in repaired.stdout
    engine = ReadNext(config.with_(model=MODEL), embedder=HashingEmbedder(64, name=MODEL))
    try:
        assert engine.corpus.count() == len(engine.index) == 5
        assert {p.title for p in engine.library()} == {p["title"] for p in topic_papers(40)[:5]}
    finally:
        engine.close()


def test_check_reports_papers_left_without_a_vector_and_repair_embeds_them(config):
    filled(config)
    engine = ReadNext(config.with_(model=MODEL), embedder=HashingEmbedder(64, name=MODEL))
    engine.corpus.upsert([paper_from_dict({"id": "2301.99999", "title": "Stored, never embedded"})])
    engine.close()
    result = fake_cli("check", home=config.home)
    assert result.returncode == 1 and "1 paper(s) have no vector" in result.stdout
    assert fake_cli("check", "--repair", home=config.home).returncode == 0

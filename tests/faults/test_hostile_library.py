"""Hostile library files (.bib, CSL-JSON): bounded memory and time, one problem per bad entry, clear refusals.

Against the code before the fixes the macro bomb takes gigabytes: run these under `ulimit -v` there.
"""
from __future__ import annotations

import json
import os
import threading
import time
import tracemalloc

import pytest

from readnext.errors import ValidationError
from readnext.ingest import importer
from readnext.ingest.importer import import_library, import_library_text
from readnext.ingest.sources.bibtex import papers_from_bibtex
from readnext.ingest.sources.bibtex_parser import MAX_EXPANSION, MAX_VALUE
from readnext.ingest.sources.bibtex_writer import papers_to_bibtex
from readnext.ingest.sources.common import MAX_ENTRIES, MAX_LIBRARY_BYTES, MAX_PROBLEMS, TooLarge
from readnext.ingest.sources.csljson import papers_from_csljson
from readnext.records.latex import latex_to_text
from readnext.records.papers import paper_from_dict
from readnext.server.app import create_app


def good_entries(count: int, start: int = 1) -> str:
    return "".join(f"@article{{good{n}, title = {{Good paper {n}}}, eprint = {{2301.{n:05d}}}}}\n"
                   for n in range(start, start + count))


def macro_bomb(levels: int) -> str:
    """The issue's file: each @string doubles the one before, 16 * 2**levels characters from a few hundred bytes
    (34 levels, which killed the server, are 745 bytes)."""
    lines = ['@string{m0="xxxxxxxxxxxxxxxx"}']
    lines += [f"@string{{m{n}=m{n - 1}#m{n - 1}}}" for n in range(1, levels + 1)]
    lines.append(f"@article{{bomb,title=m{levels}#m{levels}}}")
    return "\n".join(lines) + "\n"


def peak_bytes(work) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- 4. @string macros that double --------------------------------------------------------------------------
def test_string_macros_that_double_stop_at_the_value_limit_and_the_good_entries_import():
    text = macro_bomb(40) + good_entries(50)
    began = time.monotonic()
    result, peak = peak_bytes(lambda: papers_from_bibtex(text))
    assert time.monotonic() - began < 5
    assert peak < 20 * 2 ** 20, f"peak {peak / 2 ** 20:.0f} MiB"
    assert sorted(p.id for p in result.papers) == [f"2301.{n:05d}" for n in range(1, 51)]
    assert any(f"longer than {MAX_VALUE:,} characters" in p for p in result.problems)


def test_macros_used_many_times_stop_at_the_total_and_refuse_the_file():
    """Each value under the limit, but a hundred thousand uses of one: the file's expansion has a total."""
    big = "y" * (MAX_VALUE - 10)
    uses = MAX_EXPANSION // len(big) + 2
    text = f"@string{{big = {{{big}}}}}\n" + "".join(f"@misc{{k{n}, note = big}}\n" for n in range(uses))
    with pytest.raises(ValidationError, match="macros expand to more than"):
        papers_from_bibtex(text)


def test_an_ordinary_macro_still_expands():
    result = papers_from_bibtex('@string{jmlr = "Journal of Machine Learning Research"}\n'
                                '@article{a, title = {T}, journal = jmlr # " (JMLR)", doi = {10.1/a}}\n')
    assert result.papers[0].venue == "Journal of Machine Learning Research (JMLR)"


# --- 6. TeX nested deeply ------------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [500, 20_000])
def test_deep_tex_costs_one_entry_at_most_and_the_others_import(depth):
    deep = "\\emph{" * depth + "deep" + "}" * depth
    text = good_entries(25) + f"@article{{deep, title = {{{deep}}}, author = {{{deep}}}}}\n" + good_entries(25, 26)
    result = papers_from_bibtex(text)
    assert len([p for p in result.papers if p.id.startswith("2301.")]) == 50
    assert len(result.papers) + len(result.problems) == 51


@pytest.mark.parametrize("tex", ["\\emph{" * 5_000 + "x" + "}" * 5_000, "\\'" * 5_000 + "e",
                                 "\\'{" * 5_000 + "e" + "}" * 5_000])
def test_deep_tex_is_decoded_without_recursion_limits(tex):
    decoded = latex_to_text(tex)
    assert "x" in decoded or "e" in decoded or "é" in decoded


# --- 14. a FIFO, a device or a directory is no file to import -----------------------------------------------------
@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "library.bib"
    os.mkfifo(path)
    yield path
    try:  # a reader blocked on the FIFO (the code before the fix) is let go
        descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        os.close(descriptor)
    except OSError:
        pass


def within(seconds: float, work):
    """`work()`'s result or error, or a failure when it has not returned in `seconds` (it is left running)."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except Exception as error:  # noqa: BLE001 - handed to the caller
            outcome["error"] = error
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@pytest.mark.parametrize("format", [None, "bibtex", "csljson", "snapshot"])
def test_a_fifo_is_refused_before_it_is_opened(engine, fifo, format):
    with pytest.raises(ValidationError, match="not a regular file"):
        within(5, lambda: importer.detect_format(fifo, format) and (
            importer.import_jsonl(engine, fifo, show_progress=False) if format == "snapshot"
            else import_library(engine, fifo, "mine", format)))


@pytest.mark.parametrize("path", ["/dev/null", "/"])
def test_a_device_or_a_directory_is_refused(engine, path):
    with pytest.raises(ValidationError, match="not a regular file"):
        within(5, lambda: import_library(engine, path, "mine", "bibtex"))


def ended(app, job_id: str, seconds: float):
    """The job once it has ended, or as it is after `seconds` (a job left running must not outlive the engine)."""
    job = app.extensions["readnext.jobs"].get(job_id)
    deadline = time.monotonic() + seconds
    while job.state == "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    return job


def test_the_server_s_import_job_refuses_a_fifo_and_frees_its_slot(config, engine, fifo, tmp_path):
    app = create_app(config, engine)
    client = app.test_client()
    auth = {"Host": "127.0.0.1:8765", "Authorization": f"Bearer {engine.token}"}
    try:
        started = client.post("/api/v1/import", json={"path": str(fifo), "format": "bibtex"}, headers=auth)
        assert started.status_code == 202
        job = ended(app, started.json["id"], 5)
        assert job.state == "failed" and "not a regular file" in job.error
        library = tmp_path / "real.bib"
        library.write_text(good_entries(2))
        again = client.post("/api/v1/import", json={"path": str(library), "format": "bibtex"}, headers=auth)
        assert again.status_code == 202  # the import slot is free again
        assert ended(app, again.json["id"], 30).state == "done"
    finally:
        app.extensions["readnext.jobs"].stop()


# --- 15. library imports have limits --------------------------------------------------------------------------
def test_a_library_file_over_the_size_limit_is_refused_before_it_is_read(engine, tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.truncate(MAX_LIBRARY_BYTES + 1)  # sparse: the size is what counts
    began = time.monotonic()
    with pytest.raises(TooLarge, match="at most 16 MiB") as refused:
        import_library(engine, path, "mine", "csljson")
    assert refused.value.status == 413 and time.monotonic() - began < 1


def test_a_library_of_more_entries_than_the_limit_is_refused_whole(engine):
    items = [{"id": f"i{n}", "title": f"Paper {n}"} for n in range(MAX_ENTRIES + 1)]
    with pytest.raises(TooLarge, match=f"more than {MAX_ENTRIES:,}"):
        papers_from_csljson(json.dumps(items))
    with pytest.raises(TooLarge, match=f"more than {MAX_ENTRIES:,}"):
        papers_from_bibtex(good_entries(MAX_ENTRIES + 1))


def test_the_import_text_endpoint_takes_at_most_its_entries(engine):
    items = [{"id": f"i{n}", "title": f"Paper {n}"} for n in range(importer.MAX_TEXT_ENTRIES + 1)]
    with pytest.raises(TooLarge, match="readnext import"):
        import_library_text(engine, json.dumps(items), "csljson")
    report = import_library_text(engine, json.dumps(items[:-1]), "csljson")
    assert report.papers == importer.MAX_TEXT_ENTRIES


def test_problems_are_listed_up_to_a_limit_and_the_rest_counted(engine, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"id": "x" * 300} for _ in range(MAX_ENTRIES)]))  # none has a title
    report = import_library(engine, path, "mine", "csljson")
    assert len(report.problems) == MAX_PROBLEMS and report.unlisted_problems == MAX_ENTRIES - MAX_PROBLEMS
    assert all(len(p) < 400 for p in report.problems)


def test_the_job_list_stays_small(config, engine, tmp_path):
    app = create_app(config, engine)
    client = app.test_client()
    auth = {"Host": "127.0.0.1:8765", "Authorization": f"Bearer {engine.token}"}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"id": "x" * 300} for _ in range(MAX_ENTRIES)]))
    jobs = app.extensions["readnext.jobs"]
    try:
        for _ in range(25):
            assert ended(app, client.post("/api/v1/import", json={"path": str(path)}, headers=auth).json["id"],
                         60).state == "done"
        answer = client.get("/api/v1/jobs", headers=auth)
        assert len(answer.data) < 1 << 20, f"{len(answer.data):,} bytes"
        assert len(answer.json["jobs"]) <= 20
        assert answer.json["jobs"][-1]["result"]["unlisted_problems"] == MAX_ENTRIES - MAX_PROBLEMS
    finally:
        jobs.stop()


def test_a_stored_title_of_deep_tex_still_exports():
    paper = paper_from_dict({"id": "2301.00001", "title": "\\'" * 490 + "e"})  # 980 of the 1,000 kept
    assert "@misc{" in papers_to_bibtex([paper])

"""The hostile-input figures of docs/reliability.md: what a hostile library file or request costs, and what of the
good input beside it is kept.

    PYTHONPATH=backend:tests python -m faults.figures        (prints these after the event-log faults)

Each case runs in a process of its own, under a 4 GiB address-space limit and a time limit, so code that blows up
or blocks (the code before the fixes) is measured too. Its memory is the peak that tracemalloc saw allocated
during the case's work (the engine open and the file written before it), its time that work's, under tracemalloc.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from readnext.config import Config
from readnext.engine import ReadNext
from readnext.ingest.importer import import_library, import_library_text
from readnext.server.app import create_app
from readnext.vectors.embed import HashingEmbedder

MEMORY_LIMIT = 4 * 2 ** 30
HEADERS = {"Host": "127.0.0.1:8765"}


def good_entries(count: int, start: int = 1) -> str:
    return "".join(f"@article{{good{n}, title = {{Good paper {n}}}, eprint = {{2301.{n:05d}}}}}\n"
                   for n in range(start, start + count))


def kept_of(engine: ReadNext, count: int) -> int:
    return sum(engine.corpus.label_of(f"2301.{n:05d}") is not None for n in range(1, count + 1))


def macro_bomb(engine: ReadNext, root: Path, mark) -> tuple[int, int, str]:
    """The issue's file: 34 @strings, each doubling the one before (745 bytes), beside 50 good entries."""
    lines = ['@string{m0="xxxxxxxxxxxxxxxx"}'] + [f"@string{{m{n}=m{n - 1}#m{n - 1}}}" for n in range(1, 35)]
    path = root / "bomb.bib"
    path.write_text("\n".join(lines) + "\n@article{bomb,title=m34#m34}\n" + good_entries(50))
    mark()
    report = import_library(engine, path, "mine", "bibtex")
    return kept_of(engine, 50), 50 - kept_of(engine, 50), f"{len(report.problems)} problems listed"


def deep_tex(engine: ReadNext, root: Path, mark) -> tuple[int, int, str]:
    deep = "\\emph{" * 500 + "deep" + "}" * 500
    path = root / "deep.bib"
    path.write_text(good_entries(25) + f"@article{{deep, title = {{{deep}}}, doi = {{10.1234/deep}}}}\n"
                    + good_entries(25, 26))
    mark()
    import_library(engine, path, "mine", "bibtex")
    deep_kept = engine.corpus.label_of("doi:10.1234/deep") is not None
    return kept_of(engine, 50), 50 - kept_of(engine, 50), f"the deep entry {'imported' if deep_kept else 'refused'}"


def fifo(engine: ReadNext, root: Path, mark) -> tuple[int, int, str]:
    path = root / "library.bib"
    os.mkfifo(path)
    mark()
    import_library(engine, path, "mine", "bibtex")
    return 0, 0, "read to its end"


def csl_items(count: int, abstract: int) -> str:
    return json.dumps([{"id": f"i{n}", "type": "article", "title": f"Paper {n}", "DOI": f"10.1/{n}",
                        "abstract": "word " * (abstract // 5)} for n in range(count)])


def csl_100_mb(engine: ReadNext, root: Path, mark) -> tuple[int, int, str]:
    path = root / "huge.json"
    path.write_text(csl_items(100_000, 1_000))
    mark()
    report = import_library(engine, path, "mine", "csljson")
    return report.papers, 0, f"{report.recorded:,} recorded"


def csl_at_the_limit(engine: ReadNext, root: Path, mark) -> tuple[int, int, str]:
    path = root / "large.json"
    path.write_text(csl_items(10_000, 1_500))
    size = path.stat().st_size
    mark()
    report = import_library(engine, path, "mine", "csljson")
    return report.recorded, 10_000 - report.recorded, f"{size / 2 ** 20:.1f} MiB, {report.recorded:,} recorded"


def job_list(engine: ReadNext, root: Path, mark) -> tuple[int, int, str]:
    """/jobs after 20 imports of a file of 10,000 items without a title (every one a problem)."""
    path = root / "bad.json"
    path.write_text(json.dumps([{"id": "x" * 300} for _ in range(10_000)]))
    app = create_app(engine.config, engine)
    client, auth = app.test_client(), {**HEADERS, "Authorization": f"Bearer {engine.token}"}
    mark()
    try:
        for _ in range(20):
            job = app.extensions["readnext.jobs"].get(
                client.post("/api/v1/import", json={"path": str(path)}, headers=auth).json["id"])
            while job.state == "running":
                time.sleep(0.02)
        return 0, 0, f"GET /jobs answers {len(client.get('/api/v1/jobs', headers=auth).data):,} bytes"
    finally:
        app.extensions["readnext.jobs"].stop()


def import_text(engine: ReadNext, root: Path, mark) -> tuple[int, int, str]:
    """2,000 entries through /import/text (under the 2 MiB request limit), inside the request."""
    text = good_entries(2_000)
    mark()
    try:
        report = import_library_text(engine, text, "bibtex")
    except Exception as error:  # noqa: BLE001 - the refusal is the figure
        return 0, 0, f"refused ({getattr(error, 'status', '?')}): {str(error)[:70]}"
    return report.papers, 0, f"{report.papers:,} entries imported inside the request"


def wrong_types(engine: ReadNext, root: Path, mark) -> tuple[int, int, str]:
    """Every value of every JSON body of the API replaced by 11 wrong types (tests/faults/test_wrong_types.py)."""
    from .test_wrong_types import BODIES, WRONG, places, replaced, send
    app = create_app(engine.config, engine)
    library = root / "library.bib"
    library.write_text(good_entries(1))
    mark()
    answered = errors = 0
    try:
        for method, endpoint, body in BODIES:
            for path in places(body):
                for wrong in WRONG.values():
                    answered += 1
                    errors += send(app, method, endpoint, replaced(body, path, wrong), library).status_code >= 500
    finally:
        app.extensions["readnext.jobs"].stop()
    return answered - errors, errors, f"{errors} of {answered:,} answered 500"


def far_future(engine: ReadNext, root: Path, mark) -> tuple[int, int, str]:
    mark()
    answer = engine.record([{"id": "future", "type": "save", "paper_id": "2301.00001", "ts": 99_999_999_999_999},
                            {"id": "now", "type": "save", "paper_id": "2301.00002"}])
    stored = {e.id for e in engine.history.events()}
    return int("now" in stored), int("now" not in stored), (
        "the year-5138 event stored" if "future" in stored else f"the year-5138 event rejected: {answer['accepted']} stored")


CASES = {
    "@string bomb (34 levels, 745 bytes) + 50 good entries": (macro_bomb, 120),
    "500 nested \\emph{ in 1 of 51 entries": (deep_tex, 60),
    "a FIFO imported with --format bibtex": (fifo, 10),
    "100 MB CSL-JSON (100,000 items)": (csl_100_mb, 300),
    "CSL-JSON at the limit (10,000 items)": (csl_at_the_limit, 300),
    "/jobs after 20 imports of 10,000 bad items": (job_list, 300),
    "/import/text of 2,000 entries": (import_text, 120),
    "wrong-type values in every field of the API's bodies": (wrong_types, 300),
    "an event at ts 1e14 (the year 5138) + a good one": (far_future, 60),
}


def run_case(name: str) -> None:
    """In the child: run one case, print its figures as one JSON line."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        engine = ReadNext(Config.load(home=root / "home", port=8765), embedder=HashingEmbedder(64))
        start = {}

        def mark() -> None:  # the case's work starts now
            tracemalloc.start()
            start["time"] = time.monotonic()
        function, _ = CASES[name]
        try:
            kept, lost, outcome = function(engine, root, mark)
        except Exception as error:  # noqa: BLE001 - older code fails where newer code refuses: both are figures
            kept, lost, outcome = None, None, f"{type(error).__name__}: {str(error)[:70]}"
        seconds = time.monotonic() - start.get("time", time.monotonic())
        peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else 0
        print(json.dumps({"kept": kept, "lost": lost, "outcome": outcome, "seconds": seconds,
                          "peak_mb": peak / 2 ** 20}), flush=True)
        os._exit(0)  # a thread still blocked on a FIFO must not hold the exit


def measure(name: str) -> dict:
    _, limit = CASES[name]
    try:
        done = subprocess.run([sys.executable, "-m", "faults.hostile_figures", name], capture_output=True, text=True,
                              timeout=limit, env=os.environ)
    except subprocess.TimeoutExpired:
        return {"kept": None, "lost": None, "outcome": f"blocked: killed after {limit} s", "seconds": limit,
                "peak_mb": None}
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"kept": None, "lost": None, "outcome": f"died ({done.returncode}): {done.stderr.strip()[-70:]}",
                "seconds": None, "peak_mb": None}
    return json.loads(lines[-1])


def print_table() -> None:
    print(f"\n{'hostile input':52} {'kept':>6} {'lost':>6} {'peak MB':>8} {'seconds':>8}  outcome")
    for name in CASES:
        row = measure(name)
        cell = lambda value, form: format(value, form) if value is not None else "-"  # noqa: E731
        print(f"{name:52} {cell(row['kept'], ',')[:6]:>6} {cell(row['lost'], ',')[:6]:>6} "
              f"{cell(row['peak_mb'], ',.1f'):>8} {cell(row['seconds'], '.2f'):>8}  {row['outcome']}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 2:
        run_case(sys.argv[1])
    else:
        print_table()

"""Long work inside the running server: imports and backfills as background jobs, and the embedding of papers
stored without a vector, at the speed it measures.

The server owns the data directory while it runs, so `readnext import` and `readnext backfill` beside it hand
their work over here and poll its progress, while the server keeps answering. One job of each kind at a time;
the papers it stores go through the engine like any request's.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from ..ingest.backfill import Backfill
from ..errors import Conflict, NotFound
from ..ingest.importer import detect_format, import_jsonl, import_library
from ..records.papers import shortened

log = logging.getLogger("readnext.server.jobs")
SPEED_WINDOW = 20  # batches the embedding speed is measured over
# Finished jobs kept for /jobs (the newest): with the reports' own bounds (problems listed up to a hundred),
# the answer stays under a megabyte however many imports a server has run.
KEPT_FINISHED = 20
# How long stop() waits for a running job: the engine is closed after it, under a job still writing. A snapshot
# import ends after its batch and a backfill after its page; a library import runs to its end, within its limits
# (10,000 entries, about 40 s on a busy machine: docs/reliability.md).
JOB_STOP_S = 60.0


@dataclass
class Job:
    id: str
    kind: str  # import, backfill
    what: str  # what it works on, for the user
    state: str = "running"  # running, done, failed
    line: str = ""  # its progress line, as the CLI shows it
    result: dict = field(default_factory=dict)
    error: str = ""
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "what": self.what, "state": self.state, "line": self.line,
                "result": self.result, "error": self.error, "started": self.started, "finished": self.finished}


class LineSink:
    """A text stream that keeps the last line written to it: a progress line made for a terminal, kept for
    the job's status instead."""

    def __init__(self, job: Job):
        self.job = job

    def write(self, text: str) -> None:
        line = text.strip("\r\n ")
        if line:
            self.job.line = line

    def flush(self) -> None:
        pass


class Embedding:
    """Embeds stored papers that have no vector yet, in batches, and measures its own speed."""

    def __init__(self, engine, batch: int = 32):
        self.engine = engine
        self.batch = batch
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.done = 0  # papers embedded since the pending ones last ran out
        self.error = ""
        self._recent: list[tuple[int, float]] = []  # (papers, seconds) of the last batches

    def start(self) -> "Embedding":
        self.wake.set()  # what an earlier run left unembedded (a kill, a new model) is embedded first
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, daemon=True, name="embed-pending")
            self.thread.start()
        return self

    def step(self) -> int:
        """Embed one batch; the number of papers it held (0: none was waiting)."""
        began = time.monotonic()
        # finding the papers without a vector scans the corpus (seconds at a million papers, holding the
        # database): only when the index holds fewer papers than the corpus
        count = self.engine.embed_pending(self.batch) if self.pending() else 0
        if count:
            self.done += count
            self._recent = (self._recent + [(count, time.monotonic() - began)])[-SPEED_WINDOW:]
        else:
            self.done = 0
        return count

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                if self.step():
                    continue
            except Exception as error:  # the model or the disk failed: say so in the status, stop embedding
                log.exception("background embedding stopped")
                self.error = f"{type(error).__name__}: {error}"
                return
            # Woken by new work only: looking for papers without a vector scans the corpus, too dear to poll.
            self.wake.wait()
            self.wake.clear()

    def pending(self) -> int:
        return max(0, self.engine.corpus.count() - len(self.engine.index))

    def speed(self) -> float | None:
        """Papers per second over the last batches, None before the first."""
        papers, seconds = sum(p for p, _ in self._recent), sum(s for _, s in self._recent)
        return papers / seconds if seconds > 0 else None

    def to_dict(self) -> dict:
        pending, speed = self.pending(), self.speed()
        eta = pending / speed if speed and pending else None
        total = self.done + pending
        line = ""
        if pending:
            line = f"embedding {self.done:,} of {total:,} papers" + (
                f", about {_duration(eta)} left" if eta is not None else "")
        return {"pending": pending, "done": self.done, "total": total,
                "papers_per_s": round(speed, 1) if speed else None,
                "eta_s": round(eta) if eta is not None else None, "line": line, "error": self.error}


class Jobs:
    def __init__(self, engine):
        self.engine = engine
        self.embedding = Embedding(engine)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._threads: dict[str, threading.Thread] = {}
        self.stopping = threading.Event()

    def start(self) -> "Jobs":
        self.embedding.start()
        return self

    def stop(self, timeout: float = 2.0, jobs_timeout: float = JOB_STOP_S) -> None:
        """Stop the embedding, ask running jobs to stop at their next page or batch, and wait for them."""
        self.stopping.set()
        self.embedding.stop.set()
        self.embedding.wake.set()
        if self.embedding.thread:
            self.embedding.thread.join(timeout)
        deadline = time.monotonic() + jobs_timeout
        for thread in list(self._threads.values()):
            thread.join(max(0.0, deadline - time.monotonic()))

    def submit(self, kind: str, what: str, work: Callable[[Job], dict]) -> Job:
        """Run `work(job)` in a thread; it returns the job's result, and may update `job.line` as it goes."""
        with self._lock:
            running = [j for j in self._jobs.values() if j.kind == kind and j.state == "running"]
            if running:
                raise Conflict(f"a {kind} is running already ({running[0].what}); wait for it to end")
            job = Job(id=f"{kind}-{next(self._ids)}", kind=kind, what=shortened(what, 300))
            finished = [j.id for j in self._jobs.values() if j.state != "running"]  # oldest first
            for old in finished[:max(0, len(finished) - KEPT_FINISHED + 1)]:
                del self._jobs[old]
                self._threads.pop(old, None)
            self._jobs[job.id] = job

        def run() -> None:
            try:
                job.result = work(job)
                job.state = "done"
            except Exception as error:  # reported to whoever polls the job; the server goes on
                log.exception("job %s failed", job.id)
                job.error, job.state = shortened(str(error) or type(error).__name__, 1000), "failed"
            finally:
                job.finished = time.time()
                self.embedding.wake.set()

        thread = self._threads[job.id] = threading.Thread(target=run, daemon=True, name=job.id)
        thread.start()
        return job

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"no job '{job_id}'")
        return job

    def all(self) -> list[Job]:
        with self._lock:  # a job may be added meanwhile
            return list(self._jobs.values())

    def latest(self, kind: str) -> Job | None:
        found = [j for j in self.all() if j.kind == kind]
        return found[-1] if found else None

    def to_dict(self) -> dict:
        return {"jobs": [j.to_dict() for j in self.all()], "embedding": self.embedding.to_dict()}


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def import_work(engine, path: str, format: str | None, kind: str | None, filter,
                stopping: threading.Event | None = None) -> Callable[[Job], dict]:
    """An import as a job's work: a snapshot streamed with its progress line (ending after its batch once
    `stopping` is set), or a library file."""
    def work(job: Job) -> dict:
        found = detect_format(path, format)
        if found == "snapshot":
            report = import_jsonl(engine, path, show_progress=True, filter=filter, stream=LineSink(job),
                                  stopping=stopping)
            return {"format": found, **asdict(report)}
        return {"format": found, **asdict(import_library(engine, path, kind or "reading-list", found))}
    return work


def backfill_work(engine, client, state, home, stopping: threading.Event,
                  stored: Callable[[], None]) -> Callable[[Job], dict]:
    """A backfill as a job's work; `stored` is called after each page is stored (to wake the embedding)."""
    def work(job: Job) -> dict:
        def page_done(now) -> None:
            job.line = now.line()
            stored()

        harvest = Backfill(engine, client, state, home, on_page=page_done)
        job.line = harvest.state.line()
        return asdict(harvest.run(stopping))
    return work

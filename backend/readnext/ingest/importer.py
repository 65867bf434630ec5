"""`readnext import`: an arXiv snapshot into the corpus, or the user's own library (.bib, CSL-JSON) as history.

A snapshot streams in batches through `engine.add_papers` (embedding, indexing and merging are the engine's),
and an interrupted import of the same file with the same filter resumes after its last stored batch. A library
file is small: its papers are stored, merged with corpus papers through arXiv ids and DOIs, and recorded as
events with ids made from the file and the paper, so importing the same file again counts each paper once.
"""
from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..store import storage
from ..errors import ValidationError
from ..records.papers import Paper
from .sources.bibtex import papers_from_bibtex, read_bibtex
from .sources.common import MAX_ENTRIES, Problems, TooLarge, regular_file
from .sources.csljson import papers_from_csljson, read_csljson
from .sources.snapshot import SnapshotFilter, SnapshotReader

BATCH = 64
FIRST_BATCH = 4
FORMATS = ("snapshot", "bibtex", "csljson")
# How a library file counts: "mine" as the user's own papers (weighed like saved ones), "reading-list" like
# abstracts read for five minutes.
LIBRARY_EVENTS = {"mine": {"type": "authored"}, "reading-list": {"type": "view", "seconds": 300.0}}
# The extension's import button runs inside its request, embedding as it goes (150 entries held a /recommend
# 5.9 s): a larger library goes through `readnext import`, which runs as a job.
MAX_TEXT_ENTRIES = 500


@dataclass
class ImportReport:
    read: int = 0  # lines read in this run
    stored: int = 0
    skipped: int = 0  # lines that are not a readable record
    filtered: int = 0  # records the filter left out
    resumed_at: int = 0  # byte offset this run started at
    seconds: float = 0.0
    malformed_lines: list[int] = field(default_factory=list)
    caught_up: int = 0  # stored papers an interrupted run had left without a vector, embedded at the end
    stopped: bool = False  # asked to stop (the server stopping): the next run resumes after the last batch


@dataclass
class LibraryReport(Problems):
    papers: int = 0
    linked: int = 0  # already in the corpus under one of their ids (arXiv id, DOI)
    new: int = 0
    recorded: int = 0  # events added to the history
    already_recorded: int = 0  # from an earlier import of this file


def library_kind(kind, option: str) -> str:
    """`kind` when it names how a library counts (LIBRARY_EVENTS), else a ValidationError naming `option`."""
    if not isinstance(kind, str) or kind not in LIBRARY_EVENTS:
        raise ValidationError(f"{option} must be one of {', '.join(LIBRARY_EVENTS)}")
    return kind


def detect_format(path: Path | str, explicit: str | None = None) -> str:
    """`explicit`, else by suffix (.bib, .jsonl), else by content: a JSON array, or an object with `items` or a
    CSL `type` and no arXiv `categories`, is CSL-JSON; a line starting with `@` is BibTeX; else a snapshot."""
    if explicit and explicit not in FORMATS:
        raise ValidationError(f"format must be one of {', '.join(FORMATS)}")
    if str(path) == "-":
        return explicit or "snapshot"
    path = regular_file(path)  # before `explicit` is taken: a FIFO would block the import that follows
    if explicit:
        return explicit
    suffix = path.suffix.lower()
    if suffix == ".bib":
        return "bibtex"
    if suffix == ".jsonl":
        return "snapshot"
    with storage.open_binary(path) as handle:
        first = handle.readline(1 << 20).decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if first.startswith("@") or first.startswith("%"):
        return "bibtex"
    if first.startswith("["):
        return "csljson"
    try:
        record = json.loads(first)
    except ValueError:
        return "csljson" if first.startswith("{") else "snapshot"  # a pretty-printed object spans lines
    if isinstance(record, dict) and ("items" in record or ("type" in record and "categories" not in record)):
        return "csljson"
    return "snapshot"


class Progress:
    """One line on stderr: papers, share of the file, papers/s and time left (of this run's pace)."""

    def __init__(self, total_bytes: int, start_bytes: int = 0, stream=None, every_s: float = 0.5):
        self.total = total_bytes
        self.start = start_bytes
        self.stream = stream or sys.stderr
        self.every_s = every_s
        self.started = time.monotonic()
        self.shown = 0.0
        self.shown_papers = 0

    def update(self, done_bytes: int, papers: int, final: bool = False) -> None:
        """Shown at once before the first paper and after the first batch, then every `every_s` at most."""
        now = time.monotonic()
        if not final and self.shown_papers and now - self.shown < self.every_s:
            return
        self.shown, self.shown_papers = now, papers
        elapsed = max(now - self.started, 1e-6)
        parts = [f"{papers:>9,} papers", f"{papers / elapsed:7.1f} papers/s"]
        if self.total:  # standard input has no size: no share, no ETA
            pace = (done_bytes - self.start) / elapsed  # bytes/s of this run, which may have resumed midway
            eta = (self.total - done_bytes) / pace if pace > 0 else 0.0
            parts[1:1] = [f"{min(done_bytes / self.total, 1.0):6.1%}"]
            parts.append(f"ETA {int(eta // 60):d}:{int(eta % 60):02d}")
        self.stream.write("\r" + "  ".join(parts) + "  " + ("\n" if final else ""))
        self.stream.flush()


def import_jsonl(engine, path: Path | str, show_progress: bool = True, filter: SnapshotFilter | None = None,
                 stream=None, stopping: threading.Event | None = None) -> ImportReport:
    """Import an arXiv metadata snapshot (or ReadNext's JSONL sample); `-` reads standard input (no resume).
    When `stopping` is set, the import ends after the batch it is storing."""
    filter = filter or SnapshotFilter()
    path = Path(path)
    stdin = str(path) == "-"
    if not stdin:
        regular_file(path)
    key = None if stdin else _resume_key(path, filter)
    offset, line = _resume_point(engine.corpus.get_meta(key, "") if key else "")
    reader = SnapshotReader(path, filter, start_offset=offset, start_line=line)
    progress = Progress(reader.size(), offset, stream) if show_progress else None
    report = ImportReport(resumed_at=offset)
    began = time.monotonic()
    batch: list[Paper] = []
    size = min(FIRST_BATCH, BATCH)  # doubled after each batch: the first progress line comes after a few papers
    if progress:
        progress.update(offset, 0)

    def flush() -> None:
        nonlocal size
        size = min(size * 2, BATCH)
        with engine.indexer.background():  # a request's embedding goes first: vectors/gate.py
            engine.add_papers(batch)
        report.stored += len(batch)
        batch.clear()
        if key:  # only after the batch is stored: a resumed run never skips a paper
            engine.corpus.set_meta(key, f"{reader.stats.next_offset} {reader.stats.line}")
        if progress:
            progress.update(reader.stats.next_offset, report.stored)

    for _, paper in reader:
        batch.append(paper)
        if len(batch) >= size:
            flush()
            if stopping is not None and stopping.is_set():
                report.stopped = True
                break
    flush()
    # a run killed between storing a batch and embedding it left papers that are stored and unchanged, so
    # re-reading them embeds nothing: embed whatever the corpus holds without a vector, then save the index
    report.caught_up = engine.embed_all_pending()
    if progress:
        progress.update(reader.stats.next_offset, report.stored, final=True)
    stats = reader.stats
    report.read, report.skipped, report.filtered = stats.line - line, stats.malformed, stats.filtered
    report.malformed_lines = stats.malformed_lines
    report.seconds = time.monotonic() - began
    return report


def _resume_key(path: Path, filter: SnapshotFilter) -> str:
    """One resume point per file (path and size) and filter: another filter must read the file from the start."""
    key = f"import:{path.resolve()}:{storage.file_size(path)}"
    if filter != SnapshotFilter():
        key += ":" + json.dumps([filter.categories, filter.date_from, filter.date_until, filter.date_field,
                                 filter.primary_only])
    return key


def _resume_point(saved: str) -> tuple[int, int]:
    """(byte offset, line number) saved as "offset line" (or as "offset" by earlier versions)."""
    offset, _, line = saved.partition(" ")
    return int(offset or 0), int(line or 0)


def import_library(engine, path: Path | str, kind: str = "reading-list", format: str | None = None) -> LibraryReport:
    """A .bib or CSL-JSON file as history: "mine" (the user's own papers) or "reading-list"."""
    library_kind(kind, "--as")
    format = detect_format(path, format)
    if format == "snapshot":
        raise ValidationError(f"{path} is an arXiv snapshot, not a library: import it without --as")
    result = read_bibtex(path) if format == "bibtex" else read_csljson(path)
    origin = "stdin" if str(path) == "-" else str(Path(path).resolve())
    return _record_library(engine, result, origin, kind)


def import_library_text(engine, text: str, format: str, kind: str = "reading-list") -> LibraryReport:
    """The text of a .bib or CSL-JSON file (the extension's import button); the same text imported twice
    counts each paper once."""
    library_kind(kind, "'as'")
    if format not in ("bibtex", "csljson") or not isinstance(text, str):
        raise ValidationError("'format' must be bibtex or csljson, and 'text' the file's text")
    try:
        result = (papers_from_bibtex if format == "bibtex" else papers_from_csljson)(
            text, max_entries=MAX_TEXT_ENTRIES)
    except TooLarge as error:
        raise TooLarge(f"{error}; `readnext import FILE` takes up to {MAX_ENTRIES:,}") from None
    return _record_library(engine, result, f"upload:{hashlib.sha1(text.encode()).hexdigest()}", kind)


def _record_library(engine, result, origin: str, kind: str) -> LibraryReport:
    report = LibraryReport(papers=len(result.papers), problems=list(result.problems),
                           unlisted_problems=result.unlisted_problems)
    prefix = f"import:{kind}:{hashlib.sha1(origin.encode()).hexdigest()[:16]}:"
    for start in range(0, len(result.papers), 500):
        papers = result.papers[start:start + 500]
        linked = sum(engine.in_corpus(paper) for paper in papers)
        report.linked += linked
        report.new += len(papers) - linked
        with engine.indexer.background():  # a library is bulk work: a request's embedding goes first
            stored = engine.add_papers(papers, by_user=True)
        events = [{**LIBRARY_EVENTS[kind], "id": _event_id(prefix, paper.id), "paper_id": kept.id,
                   "site": "import", "url": kept.url} for paper, (_, kept) in zip(papers, stored)]
        answer = engine.record(events)
        report.recorded += answer["accepted"]
        report.already_recorded += answer["duplicates"]
        for rejected in answer["rejected"]:
            report.problem(f"{papers[rejected['index']].id}: {rejected['error']}")
    engine.save_index()
    return report


def import_request(data: dict) -> dict:
    """The arguments of an import handed over by `readnext import` (POST /import), checked."""
    path, format, kind = data.get("path"), data.get("format"), data.get("as")
    if not isinstance(path, str) or not Path(path).is_absolute():
        raise ValidationError("'path' must be the absolute path of a file on this computer")
    if format is not None and format not in FORMATS:
        raise ValidationError(f"'format' must be one of {', '.join(FORMATS)}")
    if kind is not None:
        library_kind(kind, "'as'")
    categories = data.get("categories") or []
    dates = [data.get("from") or "", data.get("until") or ""]
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories + dates):
        raise ValidationError("'categories' must be a list of strings, 'from' and 'until' strings")
    return {"path": path, "format": format, "kind": kind,
            "filter": SnapshotFilter(tuple(categories), dates[0], dates[1])}


def _event_id(prefix: str, paper_id: str) -> str:
    """The same id for the same paper of the same file (events are at most 200 characters)."""
    event_id = prefix + paper_id
    return event_id if len(event_id) <= 200 else prefix + hashlib.sha1(paper_id.encode()).hexdigest()

"""Bulk import of paper records, in batches, resumable, with a progress line."""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from . import storage
from .errors import ValidationError
from .papers import Paper, paper_from_dict

BATCH = 64


@dataclass
class ImportReport:
    read: int = 0
    stored: int = 0
    skipped: int = 0
    resumed_at: int = 0
    seconds: float = 0.0


def jsonl_records(path: Path, start: int = 0) -> Iterator[tuple[int, dict | None]]:
    """(byte offset after the line, its object or None when malformed), from byte offset `start`."""
    for offset, raw in storage.lines_from(path, start):
        try:
            yield offset, json.loads(raw)
        except json.JSONDecodeError:
            yield offset, None


def record_to_paper(record: dict) -> Paper:
    """A paper from a JSONL record as arXiv's metadata snapshot or ../shared/data write it."""
    data = dict(record)
    if isinstance(data.get("authors_list"), list):
        data["authors"] = data["authors_list"]
    if isinstance(data.get("categories"), str):
        data["categories"] = data["categories"].split()
    if not data.get("date") and isinstance(data.get("update_date"), str):
        data["date"] = data["update_date"]
    return paper_from_dict(data, source="import")


class Progress:
    """One line on stderr: count, share, papers/s and time left."""

    def __init__(self, total_bytes: int, stream=sys.stderr):
        self.total = max(total_bytes, 1)
        self.stream = stream
        self.started = time.monotonic()

    def update(self, done_bytes: int, papers: int, final: bool = False) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = papers / elapsed
        share = min(done_bytes / self.total, 1.0)
        eta = elapsed * (1 - share) / share if share > 0 else 0.0
        line = (f"\r{papers:>9,} papers  {share:6.1%}  {rate:7.1f} papers/s  "
                f"ETA {int(eta // 60):d}:{int(eta % 60):02d}  ")
        self.stream.write(line + ("\n" if final else ""))
        self.stream.flush()


def import_jsonl(engine, path: Path, show_progress: bool = True,
                 convert: Callable[[dict], Paper] = record_to_paper) -> ImportReport:
    """Import a JSONL file; an interrupted import of the same file resumes where its last batch ended."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"no such file: {path}")
    size = storage.file_size(path)
    key = f"import:{path.resolve()}:{size}"
    start = int(engine.corpus.get_meta(key, "0"))
    report = ImportReport(resumed_at=start)
    progress = Progress(size) if show_progress else None
    began = time.monotonic()
    batch: list[Paper] = []
    offset = start

    def flush():
        engine.add_papers(batch)
        report.stored += len(batch)
        engine.corpus.set_meta(key, str(offset))
        batch.clear()
        if progress:
            progress.update(offset, report.stored)

    for offset, record in jsonl_records(path, start):
        report.read += 1
        try:
            if record is None:
                raise ValidationError("malformed JSON")
            batch.append(convert(record))
        except ValidationError:
            report.skipped += 1
        if len(batch) >= BATCH:
            flush()
    flush()
    engine.save_index()
    if progress:
        progress.update(size, report.stored, final=True)
    report.seconds = time.monotonic() - began
    return report

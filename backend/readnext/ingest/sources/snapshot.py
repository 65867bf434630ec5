"""Stream an arXiv metadata snapshot as Papers, one line at a time, resumable from a saved byte offset.

Two shapes of line are read: arXiv's bulk snapshot (`arxiv-metadata-oai-snapshot.json`: `categories` a
space-separated string, `versions`, `update_date`, `authors_parsed`) and ReadNext's JSONL sample (`categories` a
list, `date`, `updated`, `authors_list`). The snapshot holds millions of lines: nothing is kept per line, and a
reader resumes by seeking to the byte offset it reported, not by reading the lines before it again.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Iterator

from ...store import storage
from ...errors import ValidationError
from ...records.papers import Paper, arxiv_id, paper_from_dict, quoted

MAX_LINE_BYTES = 1 << 20  # a record is a few kB; a longer line is damage, skipped without holding it whole
_KEPT_MALFORMED_LINES = 20
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
_GMT_DATE = re.compile(r"^\w{3}, (\d{1,2}) (\w{3}) (\d{4}) \d\d:\d\d:\d\d GMT$")  # Mon, 2 Apr 2007 19:18:42 GMT
_MONTHS = {m: n for n, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_AFFILIATION = re.compile(r"\([^()]*(?:\([^()]*\)[^()]*)*\)")  # "(Univ. X (Dept. Y))" in an authors string


@dataclass(frozen=True)
class SnapshotFilter:
    """Which records to keep. Empty fields keep everything.

    A category filter is an archive (`cs`, or `cs.` ending in a dot) matching all its categories, or one
    category (`cs.LG`); a record is kept when any of its categories (only its primary one with `primary_only`)
    matches any filter. `math` keeps math.AG but not math-ph, which is physics.
    """
    categories: tuple[str, ...] = ()
    date_from: str = ""  # YYYY-MM-DD, inclusive
    date_until: str = ""  # YYYY-MM-DD, inclusive
    date_field: str = "v1"  # "v1": the first version's date; "updated": the record's last update
    primary_only: bool = False

    def __post_init__(self):
        object.__setattr__(self, "categories", tuple(self.categories))
        for wanted in self.categories:
            if not isinstance(wanted, str) or not wanted.strip(". ") or " " in wanted:
                raise ValidationError(f"{quoted(wanted)} is not an arXiv archive or category (e.g. cs, cs.LG)")
        for name in ("date_from", "date_until"):
            value = getattr(self, name)
            try:
                value and date.fromisoformat(value)
            except (TypeError, ValueError):
                raise ValidationError(f"{name} {quoted(value)} is not a date (YYYY-MM-DD)") from None
        if self.date_field not in ("v1", "updated"):
            raise ValidationError(f"date_field must be 'v1' or 'updated', not {quoted(self.date_field)}")

    def keeps_categories(self, categories: list[str]) -> bool:
        if not self.categories:
            return True
        return any(category_matches(c, w) for c in categories[:1 if self.primary_only else None]
                   for w in self.categories)

    def keeps_date(self, day: str) -> bool:
        if not (self.date_from or self.date_until):
            return True
        return bool(day) and (not self.date_from or day >= self.date_from) and (
            not self.date_until or day <= self.date_until)


def category_matches(category: str, wanted: str) -> bool:
    if wanted.endswith("."):
        return category.startswith(wanted)
    return category == wanted or category.startswith(wanted + ".")


@dataclass(frozen=True)
class Position:
    """Where a record was. To resume after it: `SnapshotReader(..., start_offset=next_offset, start_line=line)`."""
    line: int  # 1-based number of the record's line in the file
    offset: int  # byte offset where that line starts
    next_offset: int  # byte offset where the next line starts


@dataclass
class SnapshotStats:
    """Counts of one pass, kept current while iterating (read them after a break, or when the pass ends)."""
    line: int = 0  # number of the last line read; with next_offset, where to resume
    next_offset: int = 0
    papers: int = 0  # records yielded
    filtered: int = 0  # well-formed records the filter left out
    malformed: int = 0  # lines that are not a readable record
    malformed_lines: list[int] = field(default_factory=list)  # the first few of them, for a message


class SnapshotReader:
    """Iterate `(Position, Paper)` for each kept record of the snapshot at `path` (`-`: standard input).

    `start_offset`/`start_line` resume a pass: give a `Position.next_offset` (or `stats.next_offset`) and the
    matching line number. With `start_line` alone the lines before it are skipped unparsed (slower than a seek,
    but works on standard input).
    """

    def __init__(self, path: Path | str, filter: SnapshotFilter | None = None, *, start_offset: int = 0,
                 start_line: int = 0, source: str = "import"):
        if start_offset < 0 or start_line < 0:
            raise ValidationError("start_offset and start_line cannot be negative")
        self.path = path
        self.filter = filter or SnapshotFilter()
        self.start_offset = start_offset
        self.start_line = start_line
        self.source = source
        self.stats = SnapshotStats(line=start_line, next_offset=start_offset)

    def size(self) -> int:
        """Bytes in the file (0 for standard input), for a progress bar against `stats.next_offset`."""
        return 0 if str(self.path) == "-" else storage.file_size(Path(self.path))

    def __iter__(self) -> Iterator[tuple[Position, Paper]]:
        stats = self.stats = SnapshotStats(line=self.start_line, next_offset=self.start_offset)
        handle = storage.open_binary(Path(self.path))
        try:
            self._seek(handle)
            offset = stats.next_offset
            while True:
                raw = handle.readline(MAX_LINE_BYTES)
                if not raw:
                    return
                length = len(raw)
                while len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    raw = handle.readline(MAX_LINE_BYTES)  # the rest of an overlong line, dropped piece by piece
                    length += len(raw)
                stats.line += 1
                stats.next_offset = offset + length
                position = Position(stats.line, offset, stats.next_offset)
                offset = stats.next_offset
                if length > MAX_LINE_BYTES:
                    self._count_malformed()
                elif raw.strip():
                    paper = self._read(raw)
                    if paper is not None:
                        stats.papers += 1
                        yield position, paper
        finally:
            if str(self.path) != "-":  # standard input belongs to the caller
                handle.close()

    def _seek(self, handle) -> None:
        if self.start_offset:
            if not handle.seekable():
                raise ValidationError("standard input cannot resume at a byte offset; give start_line instead")
            handle.seek(self.start_offset - 1)
            if handle.read(1) != b"\n":
                raise ValidationError(f"byte offset {self.start_offset} is not the start of a line of "
                                      f"{self.path}: was it saved from another file?")
            return
        skipped = offset = 0
        while skipped < self.start_line:
            piece = handle.readline(MAX_LINE_BYTES)
            if not piece:
                break
            offset += len(piece)
            skipped += piece.endswith(b"\n") or len(piece) < MAX_LINE_BYTES
        self.stats.next_offset = offset

    def _read(self, raw: bytes) -> Paper | None:
        """The line's paper if the filter keeps it; None (and counted) if filtered out or malformed."""
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise ValidationError("not a JSON object")
            categories = _categories(record)
            kept = self.filter.keeps_categories(categories)
            first = _first_day(record) if kept else ""
            if kept and (self.filter.date_from or self.filter.date_until):
                updated = _day(record.get("update_date")) or _day(record.get("updated"))
                kept = self.filter.keeps_date(first if self.filter.date_field == "v1" else updated or first)
            if not kept:
                self.stats.filtered += 1
                return None
            return _paper(record, categories, first, self.source)
        except (ValueError, ValidationError):  # json's errors are ValueErrors, invalid UTF-8 included
            self._count_malformed()
            return None

    def _count_malformed(self) -> None:
        self.stats.malformed += 1
        if len(self.stats.malformed_lines) < _KEPT_MALFORMED_LINES:
            self.stats.malformed_lines.append(self.stats.line)


def _categories(record: dict) -> list[str]:
    value = record.get("categories") or []
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("categories must be a string or a list of strings")
    return list(dict.fromkeys(value))


def _first_day(record: dict) -> str:
    """The first version's day as YYYY-MM-DD, '' where unknown."""
    first = _day(record.get("date"))
    versions = record.get("versions")
    if first or not isinstance(versions, list) or not versions:
        return first
    v1 = next((v for v in versions if isinstance(v, dict) and v.get("version") == "v1"), versions[0])
    created = v1.get("created") if isinstance(v1, dict) else None
    if not isinstance(created, str):
        return ""
    match = _GMT_DATE.match(created)
    if match and match.group(2) in _MONTHS:  # the snapshot's own spelling, read without email.utils' cost
        return f"{match.group(3)}-{_MONTHS[match.group(2)]:02d}-{int(match.group(1)):02d}"
    try:
        return parsedate_to_datetime(created).date().isoformat()
    except (TypeError, ValueError):
        return ""


def _day(value) -> str:
    return value[:10] if isinstance(value, str) and _ISO_DAY.match(value) else ""


def _authors(record: dict) -> list[str]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if isinstance(parts, list) and all(isinstance(p, str) for p in parts) and parts:
                last, first, suffix = (parts + ["", ""])[:3]
                names.append(" ".join(p.strip() for p in (first, last, suffix) if p.strip()))
        return [n for n in names if n]
    listed = record.get("authors_list")
    if isinstance(listed, list):
        return listed
    text = record.get("authors")
    if not isinstance(text, str):
        return []
    while _AFFILIATION.search(text):
        text = _AFFILIATION.sub("", text)
    return [n for n in re.split(r"\s*,\s*|\s+and\s+", text) if n.strip()]


def _paper(record: dict, categories: list[str], first: str, source: str) -> Paper:
    raw_id = record.get("id")
    if not isinstance(raw_id, str) or not arxiv_id(raw_id):
        raise ValidationError("a snapshot record needs an arXiv id")
    doi = record.get("doi")
    venue = record.get("journal-ref", record.get("journal_ref"))
    return paper_from_dict({
        "id": raw_id,
        "title": record.get("title"),
        "abstract": record.get("abstract"),
        "authors": _authors(record),
        "date": first,
        "categories": categories,
        "url": f"https://arxiv.org/abs/{arxiv_id(raw_id)}",
        "venue": venue if isinstance(venue, str) else None,
        # The snapshot separates several DOIs of one paper by spaces; the first names the published version.
        "doi": doi.split()[0] if isinstance(doi, str) and doi.split() else None,
    }, source=source)

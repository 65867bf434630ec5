"""What the reference-list importers share: their result, and the rules that link a record to its ids."""
from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import ValidationError
from ...records.papers import Paper, arxiv_id, canonical_id, doi_id, paper_from_dict, quoted, shortened
from ...store import storage

# A library file is read whole and its entries are held at once: 10,000 CSL-JSON items in 15 MiB peaked at 48 MB
# of Python heap here, 100 MB took 2.6 GB (docs/reliability.md). Ten thousand entries is a large personal library.
MAX_LIBRARY_BYTES = 16 * 2 ** 20
MAX_ENTRIES = 10_000
# Problems listed one by one, each cut short; the rest are counted, so a report stays a few kilobytes.
MAX_PROBLEMS = 100
MAX_PROBLEM_CHARS = 300

# An arXiv id named in free text: "arXiv:2106.09608", "arXiv preprint arXiv:2106.09608v2", "arXiv hep-th/9901001",
# and arXiv's own DOIs, 10.48550/arXiv.2106.09608.
_ARXIV_MENTION = re.compile(
    r"\barxiv\s*[:.]?\s*(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")
# "arXiv preprint arXiv:...", "arXiv e-prints", "ArXiv", DBLP's "CoRR": a journal that only says "preprint".
_PREPRINT_VENUE = re.compile(r"^\s*(?:arxiv\b|corr\s*$)", re.IGNORECASE)


class TooLarge(ValidationError):
    """A file or a request over a documented limit (docs/reliability.md)."""
    status = 413


@dataclass
class Problems:
    """One line per record skipped, saying where and why: the first MAX_PROBLEMS listed, the rest counted."""
    problems: list[str] = field(default_factory=list)
    unlisted_problems: int = 0

    def problem(self, line: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.unlisted_problems += 1
        else:
            self.problems.append(shortened(line, MAX_PROBLEM_CHARS))


@dataclass
class ImportResult(Problems):
    papers: list[Paper] = field(default_factory=list)


def regular_file(path: Path | str) -> Path:
    """`path` when it is a regular file. A FIFO or a device would block the reader or never end; a directory
    cannot be read: each is refused before it is opened."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ValidationError(f"no such file: {quoted(str(path), 300)}") from None
    except OSError as error:
        raise ValidationError(f"cannot read {quoted(str(path), 300)}: {error.strerror}") from None
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
        raise ValidationError(f"{quoted(str(path), 300)} is not a regular file ({kind}): import reads files only")
    return path


def read_library(path: Path | str) -> str:
    """The text of a .bib or CSL-JSON file (`-`: standard input), refused over MAX_LIBRARY_BYTES."""
    if str(path) == "-":
        text = sys.stdin.read(MAX_LIBRARY_BYTES + 1)
        size = len(text.encode("utf-8", errors="replace"))
    else:
        size = storage.file_size(regular_file(path))
    if size > MAX_LIBRARY_BYTES:
        raise TooLarge(f"{path} is {size / 2 ** 20:.1f} MiB; a library file may be at most "
                       f"{MAX_LIBRARY_BYTES // 2 ** 20} MiB (split it, or export fewer collections)")
    return text if str(path) == "-" else storage.read_text(Path(path))


def check_entries(count: int, limit: int) -> None:
    if count > limit:
        raise TooLarge(f"the library holds more than {limit:,} entries; split it (at most {limit:,} at a time)")


def arxiv_in(*texts: str | None) -> str | None:
    """The first arXiv id found in any of `texts`: a bare or prefixed id, an arXiv URL or an arXiv DOI."""
    for text in texts:
        if not text:
            continue
        found = arxiv_id(text)
        if found:
            return found
        match = _ARXIV_MENTION.search(text)
        if match and arxiv_id(match.group(1)):
            return arxiv_id(match.group(1))
    return None


def doi_in(*texts: str | None) -> str | None:
    """The first DOI (as `doi:<lowercase doi>`) among `texts`: bare, `doi:`-prefixed or a doi.org URL."""
    for text in texts:
        found = doi_id((text or "").strip().split(" ")[0]) if text else None
        if found:
            return found
    return None


def iso_date(text: str | None) -> str:
    """`text` if it is a whole ISO date (YYYY-MM-DD), else ''."""
    text = (text or "").strip()
    return text if _ISO_DATE.match(text) else ""


def year_in(text: str | None) -> int | None:
    match = _YEAR.search(text or "")
    return int(match.group(1)) if match else None


def venue_of(*candidates: str | None) -> str:
    """The first candidate that names a real venue; "arXiv preprint arXiv:..." is not one."""
    for text in candidates:
        if text and text.strip() and not _PREPRINT_VENUE.match(text):
            return text.strip()
    return ""


def linked_paper(*, fallback_id: str, arxiv: str | None, doi: str | None, source: str, **fields) -> Paper:
    """A Paper named by its most stable id: the arXiv id, else the DOI, else `fallback_id` (`bib:<key>`, ...).

    A DOI beside an arXiv id becomes an alias, so the engine merges this record with copies seen elsewhere. The
    fallback is never an alias: two files may give one citation key to two different papers.
    Raises ValidationError when the record cannot make a valid paper.
    """
    ids = [i for i in (arxiv, doi) if i] or [canonical_id(fallback_id)]
    data = dict(fields, id=ids[0], aliases=ids[1:])
    if arxiv and not data.get("url"):
        data["url"] = f"https://arxiv.org/abs/{arxiv}"
    return paper_from_dict(data, source=source)

"""What the reference-list importers share: their result, and the rules that link a record to its ids."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...records.papers import Paper, arxiv_id, canonical_id, doi_id, paper_from_dict

# An arXiv id named in free text: "arXiv:2106.09608", "arXiv preprint arXiv:2106.09608v2", "arXiv hep-th/9901001",
# and arXiv's own DOIs, 10.48550/arXiv.2106.09608.
_ARXIV_MENTION = re.compile(
    r"\barxiv\s*[:.]?\s*(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")
# "arXiv preprint arXiv:...", "arXiv e-prints", "ArXiv", DBLP's "CoRR": a journal that only says "preprint".
_PREPRINT_VENUE = re.compile(r"^\s*(?:arxiv\b|corr\s*$)", re.IGNORECASE)


@dataclass
class ImportResult:
    papers: list[Paper] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per record skipped, saying where and why


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

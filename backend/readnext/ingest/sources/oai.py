"""arXiv's OAI-PMH interface (https://info.arxiv.org/help/oa/): ListRecords in the `arXiv` metadata format.

One set per request: arXiv names a category's set `group:archive:CLASS` (cs.LG -> `cs:cs:LG`, astro-ph.CO ->
`physics:astro-ph:CO`) and a whole archive `group:archive` or just `group` (hep-th -> `physics:hep-th`, cs -> `cs`).
`from` and `until` select by the record's datestamp, its last change, not its first submission: a record changed
after `from` may be an older paper, which the caller leaves out by its `created` date.
A long list comes in pages; each names the next with a resumption token, sent alone (OAI-PMH 2.0, 3.5).
"""
from __future__ import annotations

import re
import urllib.parse
from datetime import date, timedelta
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ...errors import ValidationError
from ...records.papers import Paper, arxiv_id, doi_id, paper_from_dict, quoted
from .arxiv_api import OAI_URL, check_categories
from .arxiv_feed import FetchError, _xml
from ...records.latex import latex_to_text

_OAI = "{http://www.openarchives.org/OAI/2.0/}"
_ARXIV = "{http://arxiv.org/OAI/arXiv/}"
# arXiv's groups that hold archives of another name; every other archive is its own group (cs, math, q-bio, ...).
_PHYSICS = frozenset({"astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nlin",
                      "nucl-ex", "nucl-th", "physics", "quant-ph"})
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class OaiError(FetchError):
    """An OAI-PMH error answer (badArgument, badResumptionToken, ...), with arXiv's code and message."""

    def __init__(self, code: str, message: str):
        super().__init__(f"arXiv's OAI-PMH interface answered {code}: {message}")
        self.code = code


@dataclass
class RecordsPage:
    papers: list[Paper] = field(default_factory=list)
    token: str = ""  # the next page's resumption token; '' on the last page
    complete_size: int | None = None  # completeListSize, when arXiv says it
    cursor: int = 0
    deleted: int = 0
    skipped: int = 0  # records without a usable id or title


def set_spec(category: str) -> str:
    """The OAI set of an arXiv category or archive: cs.LG -> cs:cs:LG, hep-th -> physics:hep-th, cs -> cs."""
    (name,) = check_categories([category])
    archive, _, subject = name.partition(".")
    group = "physics" if archive in _PHYSICS else archive
    if not subject:
        return group if group == archive else f"{group}:{archive}"
    return f"{group}:{archive}:{subject}"


def day(value: str, end: bool = False) -> str:
    """YYYY-MM or YYYY-MM-DD as a whole date (a month's first day, or its last with `end`)."""
    if not isinstance(value, str):
        raise ValidationError(f"{quoted(value)} is not a date: give YYYY-MM or YYYY-MM-DD")
    value = value.strip()
    try:
        if _DAY.match(value):
            return date.fromisoformat(value).isoformat()
        if _MONTH.match(value):
            first = date.fromisoformat(value + "-01")
            if not end:
                return first.isoformat()
            following = first.replace(day=28) + timedelta(days=4)  # a day of the next month
            return (following - timedelta(days=following.day)).isoformat()
    except (ValueError, OverflowError):  # month 13, day 32, past the year 9999
        pass
    raise ValidationError(f"{quoted(value)} is not a date: give YYYY-MM or YYYY-MM-DD")


def list_records_url(category: str, since: str, until: str = "", base: str = OAI_URL) -> str:
    query = {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": set_spec(category), "from": since}
    if until:
        query["until"] = until
    return f"{base}?{urllib.parse.urlencode(query, safe=':')}"


def resume_url(token: str, base: str = OAI_URL) -> str:
    return f"{base}?{urllib.parse.urlencode({'verb': 'ListRecords', 'resumptionToken': token})}"


def parse_records(body: bytes, source: str = "backfill") -> RecordsPage:
    """A ListRecords answer. noRecordsMatch is an empty last page; any other OAI error raises OaiError."""
    root = _xml(body)
    error = root.find(f"{_OAI}error")
    if error is not None:
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return RecordsPage()
        raise OaiError(code or "an error", " ".join((error.text or "").split()) or "no message")
    listing = root.find(f"{_OAI}ListRecords")
    if listing is None:
        raise FetchError("arXiv's answer is not an OAI-PMH ListRecords page")
    page = RecordsPage()
    for record in listing.findall(f"{_OAI}record"):
        header = record.find(f"{_OAI}header")
        if header is not None and header.get("status") == "deleted":
            page.deleted += 1
            continue
        metadata = record.find(f"{_OAI}metadata/{_ARXIV}arXiv")
        try:
            page.papers.append(_paper(metadata, source))
        except ValidationError:
            page.skipped += 1
    token = listing.find(f"{_OAI}resumptionToken")
    if token is not None:
        page.token = (token.text or "").strip()
        size = token.get("completeListSize", "")
        page.complete_size = int(size) if size.isdigit() else None
        cursor = token.get("cursor", "")
        page.cursor = int(cursor) if cursor.isdigit() else 0
    return page


def _paper(metadata: ET.Element | None, source: str) -> Paper:
    if metadata is None:
        raise ValidationError("a record without arXiv metadata")
    found = arxiv_id(_text(metadata, "id"))
    if not found:
        raise ValidationError("a record without an arXiv id")
    authors = []
    for author in metadata.findall(f"{_ARXIV}authors/{_ARXIV}author"):
        parts = [_text(author, "forenames"), _text(author, "keyname"), _text(author, "suffix")]
        name = latex_to_text(" ".join(p for p in parts if p))
        if name:
            authors.append(name)
    doi = _text(metadata, "doi").split()
    return paper_from_dict({
        "id": found,
        "title": _text(metadata, "title"),
        "abstract": _text(metadata, "abstract"),
        "authors": authors,
        "date": _text(metadata, "created")[:10],
        "categories": _text(metadata, "categories").split(),
        "url": f"https://arxiv.org/abs/{found}",
        "venue": _text(metadata, "journal-ref"),
        "doi": doi[0] if doi and doi_id(doi[0]) else None,
    }, source=source)


def _text(element: ET.Element, name: str) -> str:
    found = element.find(f"{_ARXIV}{name}")
    return " ".join(found.text.split()) if found is not None and found.text else ""

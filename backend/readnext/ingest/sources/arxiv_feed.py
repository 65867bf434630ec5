"""Read arXiv's answers: the papers of an API page (Atom) or of an RSS feed, and arXiv's own error messages.

Parsing only; asking arXiv is arxiv_api.py's job. Any answer that is not one of arXiv's feeds raises FetchError.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from ...errors import ReadNextError, ValidationError
from ...records.papers import Paper, arxiv_id, doi_id, paper_from_dict
from ...records.latex import latex_to_text

NEW_ANNOUNCEMENTS = ("new", "cross")  # RSS items announced for the first time; "replace*" are old papers again

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_RSS_DESCRIPTION = re.compile(r"^\s*arXiv:(\S+?)\s+Announce Type:\s*(\S+)\s*(?:Abstract:\s*)?", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_OLD_RSS_TITLE = re.compile(r"\s*\(arXiv:[^)]*\)\s*$")


class FetchError(ReadNextError):
    """arXiv could not be asked, or answered something unusable; nothing was changed."""
    status = 502


@dataclass
class FeedPage:
    papers: list[Paper]
    total_results: int | None = None  # the API's opensearch:totalResults; None for RSS
    start_index: int = 0
    skipped: int = 0  # entries without a usable arXiv id or title


def parse_atom(body: bytes, source: str = "fetch") -> FeedPage:
    """Papers of an arXiv API response. An error feed raises FetchError with arXiv's message."""
    root = _xml(body)
    message = _api_error(root)
    if message:
        raise FetchError(f"arXiv API error: {message}")
    papers, skipped = [], 0
    for entry in root.findall(f"{_ATOM}entry"):
        try:
            papers.append(_atom_paper(entry, source))
        except ValidationError:
            skipped += 1
    total = _find(root, f"{_OPENSEARCH}totalResults")
    start = _find(root, f"{_OPENSEARCH}startIndex")
    return FeedPage(papers, int(total) if total.isdigit() else None, int(start) if start.isdigit() else 0, skipped)


def parse_rss(body: bytes, source: str = "fetch", announce_types=NEW_ANNOUNCEMENTS) -> FeedPage:
    """Papers of an rss.arxiv.org feed whose announce type is in `announce_types` (None: all of them)."""
    root = _xml(body)
    papers, skipped = [], 0
    for item in root.iter("item"):
        description = _find(item, "description")
        match = _RSS_DESCRIPTION.match(description)
        kind = _find(item, f"{_ARXIV}announce_type") or (match.group(2) if match else "")
        if announce_types is not None and kind and kind not in announce_types:
            continue
        found = arxiv_id(match.group(1)) if match else None
        found = found or arxiv_id(_find(item, "guid").replace("oai:arXiv.org:", "")) or arxiv_id(
            _find(item, "link"))
        # Before 2024 the feed titled items "Title. (arXiv:2106.09685v1 [cs.CL])" and wrapped text in <p>.
        title, old_style = _OLD_RSS_TITLE.subn("", _find(item, "title"))
        day = _rfc822_day(_find(item, "pubDate")) if kind in ("", "new", "cross") else ""
        authors = _TAG.sub("", _find(item, f"{_DC}creator"))
        try:
            papers.append(paper_from_dict({
                "id": found or "", "title": title.rstrip(". ") if old_style else title,
                "abstract": _TAG.sub("", description[match.end():] if match else description),
                "authors": [latex_to_text(a) for a in authors.split(",") if a.strip()],  # R\'e -> Ré
                "date": day, "categories": [c.text.strip() for c in item.findall("category") if c.text],
                "url": f"https://arxiv.org/abs/{found}",
            }, source=source))
        except ValidationError:  # no arXiv id: not an item of arXiv's feed format
            skipped += 1
    return FeedPage(papers, None, 0, skipped)


def _error_message(body: bytes) -> str:
    """arXiv's explanation in an error answer (an Atom feed with one error entry), if it gave one."""
    try:
        message = _api_error(_xml(body))
    except FetchError:  # not XML: a proxy's or server's error page
        return ""
    return f": {message}" if message else ""


def _api_error(root: ET.Element) -> str:
    for entry in root.findall(f"{_ATOM}entry"):
        if re.match(r"^https?://arxiv\.org/api/errors", _find(entry, f"{_ATOM}id")):
            return _find(entry, f"{_ATOM}summary") or "unspecified"
    return ""


def _atom_paper(entry: ET.Element, source: str) -> Paper:
    """Raises ValidationError for an entry without an arXiv id or title."""
    found = arxiv_id(_find(entry, f"{_ATOM}id"))
    title = _find(entry, f"{_ATOM}title")
    if not found or not title:
        raise ValidationError("entry without an arXiv id or title")
    primary = entry.find(f"{_ARXIV}primary_category")
    categories = [primary.get("term", "")] if primary is not None else []
    categories += [c.get("term", "") for c in entry.findall(f"{_ATOM}category")]
    doi = _find(entry, f"{_ARXIV}doi")
    return paper_from_dict({
        "id": found,
        "title": title,
        "abstract": _find(entry, f"{_ATOM}summary"),
        "authors": [_find(a, f"{_ATOM}name") for a in entry.findall(f"{_ATOM}author") if _find(a, f"{_ATOM}name")],
        "date": _find(entry, f"{_ATOM}published")[:10],
        "categories": [c for c in dict.fromkeys(categories) if c],
        "url": f"https://arxiv.org/abs/{found}",
        "venue": _find(entry, f"{_ARXIV}journal_ref"),
        "doi": doi.split()[0] if doi and doi_id(doi.split()[0]) else None,
    }, source=source)


def _xml(body: bytes) -> ET.Element:
    # arXiv's feeds declare no entities; refusing them rules out entity-expansion tricks from a spoofed answer.
    if b"<!ENTITY" in body or b"<!DOCTYPE" in body:
        raise FetchError("arXiv's answer declares XML entities, which its feeds never do; refused")
    try:
        return ET.fromstring(body)
    except ET.ParseError as error:
        raise FetchError(f"arXiv's answer is not XML ({error})") from None


def _find(element: ET.Element, path: str) -> str:
    found = element.find(path)
    return " ".join(found.text.split()) if found is not None and found.text else ""


def _rfc822_day(value: str) -> str:
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        return ""

"""CSL-JSON, the export of Zotero and most reference managers, into Papers with BibTeX's id rules.

A paper is named by its arXiv id (from `number` such as "arXiv:2106.09685", an arXiv URL or arXiv's DOI), else its
DOI, else its citation key (`bib:<citation-key>`, the key Better BibTeX also writes to .bib files), else the
item's own id (`csl:<id>`).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ...errors import ValidationError
from ...records.papers import Paper, quoted
from .common import (MAX_ENTRIES, ImportResult, arxiv_in, check_entries, doi_in, linked_paper, read_library,
                     venue_of)

# CSL's rich-text markup in titles: <i>, <b>, <sup>, <sub>, <span class="nocase">, ...
_MARKUP = re.compile(r"</?(?:i|b|sup|sub|sc|span)(?:\s[^>]*)?>", re.IGNORECASE)


def papers_from_csljson(data: str | bytes | list | dict, source: str = "import",
                        max_entries: int = MAX_ENTRIES) -> ImportResult:
    """Papers of a CSL-JSON export: an array of items (also accepted: one item, or `{"items": [...]}`); more
    than `max_entries` items refuse the file (TooLarge)."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data.lstrip("\ufeff") if isinstance(data, str) else data)
        except ValueError as error:
            raise ValidationError(f"not CSL-JSON: {error}") from None
    if isinstance(data, dict):
        data = data["items"] if isinstance(data.get("items"), list) else [data]
    if not isinstance(data, list):
        raise ValidationError("CSL-JSON must be an array of items")
    check_entries(len(data), max_entries)
    result = ImportResult()
    for number, item in enumerate(data, 1):
        try:
            result.papers.append(paper_from_item(item, source))
        except ValidationError as error:
            label = item.get("id") if isinstance(item, dict) else None
            result.problem(f"item {number}" + (f" ({quoted(label)})" if label is not None else "") + f": {error}")
    return result


def read_csljson(path: Path | str, source: str = "import") -> ImportResult:
    return papers_from_csljson(read_library(path), source)


def paper_from_item(item: dict, source: str = "import") -> Paper:
    if not isinstance(item, dict):
        raise ValidationError("an item must be a JSON object")
    text = {name: _text(item.get(name)) for name in (
        "title", "abstract", "DOI", "URL", "container-title", "number", "archive", "publisher", "note",
        "citation-key", "id")}
    title = " ".join(_MARKUP.sub("", text["title"]).split())
    if not title:
        raise ValidationError("no title")
    from_arxiv = any("arxiv" in text[k].lower() for k in ("archive", "publisher", "container-title"))
    number = text["number"] if from_arxiv or text["number"].lower().startswith("arxiv") else ""
    year, date = _issued(item.get("issued"))
    key = text["citation-key"]
    return linked_paper(
        fallback_id=f"bib:{key}" if key else f"csl:{text['id']}",
        arxiv=arxiv_in(number, text["URL"], text["DOI"], text["note"]),
        doi=doi_in(text["DOI"], text["URL"]),
        source=source,
        title=title,
        abstract=text["abstract"],
        authors=[csl_name(p) for p in _list(item.get("author")) if csl_name(p)],
        year=year,
        date=date,
        url=text["URL"] if text["URL"].startswith(("http://", "https://")) else "",
        venue=venue_of(text["container-title"]),
    )


def csl_name(person) -> str:
    """A CSL name object as "Given von Family Jr" (or its `literal`)."""
    if not isinstance(person, dict):
        return ""
    if _text(person.get("literal")):
        return _text(person["literal"])
    parts = (person.get(k) for k in ("given", "dropping-particle", "non-dropping-particle", "family", "suffix"))
    return " ".join(_text(p) for p in parts if _text(p))


def _issued(value) -> tuple[int | None, str]:
    """(year, YYYY-MM-DD where the day is known) of a CSL date."""
    if not isinstance(value, dict):
        return None, ""
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        try:
            numbers = [int(p) for p in parts[0][:3]]
        except (TypeError, ValueError):
            raise ValidationError(f"issued date-parts {quoted(parts[0])} are not numbers") from None
        date = "{:04d}-{:02d}-{:02d}".format(*numbers) if len(numbers) == 3 else ""
        return numbers[0], date
    raw = _text(value.get("raw")) or _text(value.get("literal"))
    match = re.match(r"^(\d{4})(?:-(\d{2})-(\d{2}))?", raw)
    if not match:
        return None, ""
    return int(match.group(1)), match.group(0) if match.group(2) else ""


def _text(value) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return " ".join(value.split()) if isinstance(value, str) else ""


def _list(value) -> list:
    return value if isinstance(value, list) else []

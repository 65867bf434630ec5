"""BibTeX in: the papers of a .bib file's entries (the entries themselves are bibtex_parser.py's)."""
from __future__ import annotations

import re
from pathlib import Path

from ...errors import ValidationError
from ...records.papers import Paper, quoted
from .bibtex_parser import BibEntry, _parsed
from .common import (MAX_ENTRIES, ImportResult, arxiv_in, doi_in, iso_date, linked_paper, read_library, venue_of,
                     year_in)
from ...records.latex import latex_to_text

_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")
_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def papers_from_bibtex(text: str, source: str = "import", max_entries: int = MAX_ENTRIES) -> ImportResult:
    """The papers of a .bib text; more than `max_entries` entries, or macros that expand past MAX_EXPANSION,
    refuse the file."""
    parser = _parsed(text, max_entries)
    result = parser.result
    for entry in parser.entries:
        try:
            result.papers.append(paper_from_entry(entry, source))
        except ValidationError as error:
            result.problem(f"line {entry.line}, entry {quoted(entry.key)}: {error}")
    return result


def read_bibtex(path: Path | str, source: str = "import") -> ImportResult:
    return papers_from_bibtex(read_library(path), source)


def paper_from_entry(entry: BibEntry, source: str = "import") -> Paper:
    """The paper an entry describes, named by its arXiv id, else its DOI, else `bib:<key>`."""
    fields = entry.fields
    plain = {name: _plain(fields.get(name, "")) for name in (
        "eprint", "archiveprefix", "eprinttype", "primaryclass", "url", "doi", "year", "date")}
    text = {name: latex_to_text(fields.get(name, "")) for name in (
        "title", "journal", "booktitle", "note", "howpublished", "abstract")}
    if not text["title"]:
        raise ValidationError("no title")
    archive = (plain["archiveprefix"] or plain["eprinttype"]).lower()
    arxiv = arxiv_in(plain["eprint"]) if archive in ("", "arxiv") else None
    arxiv = arxiv or arxiv_in(plain["url"], plain["doi"], text["journal"], text["note"], text["howpublished"])
    category = plain["primaryclass"]
    return linked_paper(
        fallback_id=f"bib:{entry.key}",
        arxiv=arxiv,
        doi=doi_in(plain["doi"], plain["url"]),
        source=source,
        title=text["title"],
        abstract=text["abstract"],
        authors=bibtex_authors(fields.get("author", "")),
        year=year_in(plain["year"]) or year_in(plain["date"]),
        date=iso_date(plain["date"]),
        categories=[category] if arxiv and _CATEGORY.match(category) else [],
        url=plain["url"] if plain["url"].startswith(("http://", "https://")) else "",
        venue=venue_of(text["journal"], text["booktitle"]),
    )


def bibtex_authors(value: str) -> list[str]:
    """Names of an `author` field as "First von Last Jr": split on `and`, "Last, First" turned round."""
    names = []
    people = _split_top(value, re.compile(r"\s+and\s+", re.IGNORECASE))
    if len(people) == 1 and _comma_list(people[0]):  # "A. Smith, B. Jones, C. Lee": a list, not Last, First
        people = _split_top(people[0], re.compile(r","))
    for name in people:
        parts = [p.strip() for p in _split_top(name.strip(), re.compile(r","))]
        if len(parts) == 1 and parts[0].lower() == "others":
            continue  # "and others": et al.
        if len(parts) >= 3:  # von Last, Jr, First
            parts = [parts[2], parts[0], parts[1]]
        elif len(parts) == 2:  # von Last, First
            parts = [parts[1], parts[0]]
        full = latex_to_text(" ".join(p for p in parts if p))
        if full:
            names.append(full)
    return names


def _comma_list(value: str) -> bool:
    """Whether one `author` value without `and` is several names separated by commas: more parts than BibTeX's
    "von Last, Jr, First" has, a middle part that is no Jr, or two parts that each read as "First Last"
    ("van der Berg, Hans Peter" stays one person: a name does not start with its lower-case particle)."""
    parts = [p.strip() for p in _split_top(value, re.compile(r","))]
    if len(parts) > 3:
        return True
    if len(parts) == 3:
        return parts[1].lower() not in _NAME_SUFFIXES
    return len(parts) == 2 and all(len(p.split()) >= 2 for p in parts) and parts[0][:1].isupper()


def _plain(value: str) -> str:
    """An identifier-like field (eprint, doi, url, year) without grouping braces or TeX escapes."""
    return re.sub(r"\\([_%&#$~])", r"\1", value).replace("{", "").replace("}", "").strip()


def _split_top(text: str, separator: re.Pattern) -> list[str]:
    """`text` split where `separator` matches outside braces."""
    parts, start, depth, counted = [], 0, 0, 0
    for match in separator.finditer(text):
        depth += text.count("{", counted, match.start()) - text.count("}", counted, match.start())
        counted = match.start()
        if depth == 0:
            parts.append(text[start:match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts

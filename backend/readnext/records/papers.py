"""The paper record, and the rules that give one paper one id wherever it was seen."""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date as calendar_date

from ..errors import ValidationError
from .latex import latex_to_text

# New-style ids (2106.09608, 2106.09608v2) and old-style ones (hep-th/9901001, math.GT/0309136v1).
_NEW_ARXIV = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
_OLD_ARXIV = re.compile(r"^([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$")
_ARXIV_IN_URL = re.compile(
    r"arxiv\.org/(?:abs|pdf|html|format)/((?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))(?:v\d+)?",
    re.IGNORECASE,
)
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)

MAX_TEXT = 20_000  # characters kept of an abstract; longer input is a page-scraping accident
# Other names of one paper a record may carry (its DOI, its Scholar cluster, ...). A record names itself, not
# other papers: more than this, or two arXiv ids, is refused, so one event cannot merge a hundred papers.
MAX_ALIASES = 8
# A paper's year, given or from its date: from the first journals' centuries to next year (an issue may be dated
# ahead by months); anything else is a typing or scraping accident, and a year 5138 would look new forever.
MIN_YEAR = 1000
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?!\d)")
_LEADING_YEAR = re.compile(r"^(\d{4})")


def shortened(text: str, limit: int) -> str:
    """`text`, cut to `limit` characters and an ellipsis when longer: what a message keeps of what it quotes."""
    return text if len(text) <= limit else text[:limit] + "..."


def quoted(value, limit: int = 60) -> str:
    """`value` as an error message may show it: its repr, cut short, so a megabyte sent is not sent back."""
    return shortened(repr(value), limit)


def check_text(value: str, what: str) -> str:
    """`value` when it can be stored as UTF-8; a lone surrogate ("\\ud800", legal in JSON) cannot."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(f"{what} is not valid text (it holds a lone UTF-16 surrogate)") from None
    return value


def arxiv_id(value: str) -> str | None:
    """The arXiv id without version in `value` (an id, `arXiv:` id or arXiv URL), else None."""
    text = (value or "").strip()
    if text.lower().startswith("arxiv:"):
        text = text[6:]
    for pattern in (_NEW_ARXIV, _OLD_ARXIV):
        match = pattern.match(text)
        if match:
            return match.group(1)
    match = _ARXIV_IN_URL.search(text)
    return match.group(1) if match else None


def doi_id(value: str) -> str | None:
    match = _DOI.match((value or "").strip())
    return "doi:" + match.group(1).lower() if match else None


def canonical_id(value: str) -> str:
    """One spelling per paper: `2106.09608`, `doi:10.1/x`, `scholar:<cluster>` or another `prefix:value`."""
    text = check_text(value or "", "a paper id").strip()
    if not text:
        raise ValidationError("a paper needs an id")
    found = arxiv_id(text)
    if found:
        return found
    if text.lower().startswith(("doi:", "http://doi.org", "https://doi.org", "https://dx.doi.org", "10.")):
        found = doi_id(text)
        if found:
            return found
    if ":" in text and len(text) <= 300:
        prefix, rest = text.split(":", 1)
        if prefix and rest and prefix.isalnum():
            return f"{prefix.lower()}:{rest}"
    raise ValidationError(f"'{text[:80]}' is not a paper id (expected an arXiv id, doi:..., or scholar:<id>)")


@dataclass
class Paper:
    id: str
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    date: str = ""  # ISO 8601 date of first version or publication, where known
    categories: list[str] = field(default_factory=list)
    url: str = ""
    source: str = ""  # where the record came from: arxiv, scholar, import, fetch, ...
    venue: str = ""
    cited_by: int | None = None
    aliases: list[str] = field(default_factory=list)  # other ids of the same paper (doi:, scholar:)

    def text(self) -> str:
        """What the embedder and the term statistics read."""
        return f"{self.title}. {self.abstract}".strip(" .") if self.abstract else self.title

    def content_hash(self) -> str:
        return hashlib.sha1(self.text().encode("utf-8")).hexdigest()

    def to_dict(self) -> dict:
        return asdict(self)

    def richness(self) -> int:
        return len(self.abstract) + len(self.title) + 10 * len(self.authors) + 5 * len(self.categories)


def _clean_str(value, name: str, limit: int = 2000) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"paper field '{name}' must be a string")
    check_text(value, f"paper field '{name}'")
    return " ".join(value.split())[:limit]


def _clean_list(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in re.split(r"\s*(?:,| and )\s*", value) if part]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"paper field '{name}' must be a list of strings")
    for item in value:
        check_text(item, f"paper field '{name}'")
    return [" ".join(v.split())[:300] for v in value if v.strip()][:500]


def _checked_date(date: str) -> str:
    """`date` when its year is in range and, written YYYY-MM-DD, it is a day of the calendar."""
    day = _ISO_DAY.match(date)
    if day:
        try:
            calendar_date(*map(int, day.groups()))
        except ValueError:
            raise ValidationError(f"paper date {quoted(date)} is not a date") from None
    year = _LEADING_YEAR.match(date)
    if year:
        _checked_year(int(year.group(1)))
    return date


def _checked_year(year: int) -> int:
    latest = calendar_date.today().year + 1
    if not MIN_YEAR <= year <= latest:
        raise ValidationError(f"paper year {year} is out of range ({MIN_YEAR} to {latest})")
    return year


def _year_of(value, date: str) -> int | None:
    if value is None or value == "":
        match = _LEADING_YEAR.match(date)  # in range: the date was checked
        return int(match.group(1)) if match else None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError("paper field 'year' must be a number")
    try:
        year = int(value)
    except ValueError:
        raise ValidationError("paper field 'year' must be a number") from None
    return _checked_year(year)


def display_name(name: str) -> str:
    """arXiv's metadata spells names in TeX (K\\"uhn); they are shown everywhere, so decoded once, here."""
    return latex_to_text(name) if "\\" in name or "{" in name else name


def paper_from_dict(data: dict, source: str = "") -> Paper:
    """Validate and normalise a paper as the extension, an import or a fetch delivers it."""
    if not isinstance(data, dict):
        raise ValidationError("a paper must be a JSON object")
    raw_id = data.get("id")
    if not isinstance(raw_id, str):
        raise ValidationError("a paper needs a string 'id'")
    aliases = _clean_list(data.get("aliases"), "aliases")
    doi = data.get("doi")
    if isinstance(doi, str) and doi_id(doi):
        aliases.append(doi_id(doi))
    for key in ("arxiv_id", "url"):
        value = data.get(key)
        if isinstance(value, str) and arxiv_id(value):
            aliases.append(arxiv_id(value))
    ids = [canonical_id(raw_id)] + [canonical_id(a) for a in aliases]
    # An arXiv id is the most stable name a paper has, then a DOI, then anything else.
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_ALIASES + 1:
        raise ValidationError(f"a paper may carry at most {MAX_ALIASES} aliases (its own DOI, Scholar id, ...)")
    schemes = Counter(i.split(":", 1)[0] if ":" in i else "arxiv" for i in ids)
    if schemes["arxiv"] > 1 or max(schemes.values()) > 2:
        raise ValidationError("a paper record names itself: one arXiv id, at most two ids of any other kind "
                              f"(got {', '.join(ids)[:200]})")
    primary = next((i for i in ids if ":" not in i), None) or next(
        (i for i in ids if i.startswith("doi:")), ids[0])
    date = _checked_date(_clean_str(data.get("date"), "date", 40))
    url = _clean_str(data.get("url"), "url", 2000)
    if not url and ":" not in primary:
        url = f"https://arxiv.org/abs/{primary}"
    cited_by = data.get("cited_by")
    if cited_by is not None and (isinstance(cited_by, bool) or not isinstance(cited_by, int)):
        raise ValidationError("paper field 'cited_by' must be a whole number")
    return Paper(
        id=primary,
        title=_clean_str(data.get("title"), "title", 1000),
        abstract=_clean_str(data.get("abstract"), "abstract", MAX_TEXT),
        authors=[display_name(a) for a in _clean_list(data.get("authors"), "authors")],
        year=_year_of(data.get("year"), date),
        date=date,
        categories=_clean_list(data.get("categories"), "categories"),
        url=url,
        source=_clean_str(data.get("source") or source, "source", 40),
        venue=_clean_str(data.get("venue"), "venue", 500),
        cited_by=cited_by,
        aliases=[i for i in ids if i != primary],
    )


def merge(old: Paper, new: Paper) -> Paper:
    """One record from two copies of a paper: each field from the copy that knows more of it."""
    def pick(a, b):
        if isinstance(a, str):
            return b if len(b) > len(a) else a
        if isinstance(a, list):
            return b if len(b) > len(a) else a
        return b if b is not None else a

    primary = old.id if ":" not in old.id or ":" in new.id else new.id
    aliases = list(dict.fromkeys([old.id, new.id, *old.aliases, *new.aliases]))
    return Paper(
        id=primary,
        title=pick(old.title, new.title),
        abstract=pick(old.abstract, new.abstract),
        authors=pick(old.authors, new.authors),
        year=old.year or new.year,
        date=old.date or new.date,
        categories=pick(old.categories, new.categories),
        url=old.url if old.url and "arxiv.org" in old.url else (new.url or old.url),
        source=old.source or new.source,
        venue=pick(old.venue, new.venue),
        cited_by=new.cited_by if new.cited_by is not None else old.cited_by,
        aliases=[a for a in aliases if a != primary],
    )

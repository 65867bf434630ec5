"""What a request may hold, checked once: raw JSON (as the API receives it, and as the library's callers pass it)
into typed values, or a ValidationError that says what is wrong. Every limit on a request is here.

One event is checked by store.history.parse_event and one paper by records.papers.paper_from_dict; this module
checks what holds them."""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import ValidationError
from .records.papers import Paper, check_text, paper_from_dict
from .store.history import Event, parse_event

MAX_BATCH = 1000  # events in one request
MAX_K = 100  # papers in one list
MAX_SCORE_PAPERS = 500  # a page's own papers, scored in one request
MAX_EXCLUDE = 500  # a page's own papers, left out of its "more for you"
MAX_HISTORY_PAGE = 1000  # papers in one page of GET /history
SETTINGS = frozenset({"fetch"})  # what PUT /settings may change


def json_object(data) -> dict:
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object")
    return data


@dataclass
class Events:
    """A batch of events: those that are valid, each with the paper it carries, and why the others are not."""
    valid: list[tuple[Event, Paper | None]] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)  # {"index", "id", "error"}, as the API answers them


def events(raw, now_ms: int) -> Events:
    """Each event on its own: one that is not valid is listed, never fails the batch."""
    if not isinstance(raw, list):
        raise ValidationError("'events' must be a list")
    if len(raw) > MAX_BATCH:
        raise ValidationError(f"at most {MAX_BATCH} events per request")
    batch = Events()
    for position, data in enumerate(raw):
        try:
            batch.valid.append(parse_event(data, now_ms))
        except ValidationError as error:
            event_id = data.get("id") if isinstance(data, dict) else None
            batch.rejected.append({"index": position, "id": event_id, "error": str(error)})
    return batch


@dataclass(frozen=True)
class ContextSpec:
    """What a list is asked for beside the history: a paper (sent, or named by id), a query, or nothing."""
    paper: Paper | None = None
    paper_id: str | None = None
    query: str | None = None


def context(spec) -> ContextSpec:
    """A paper sent wins over an id, an id over a query."""
    if spec is None:
        return ContextSpec()
    if not isinstance(spec, dict):
        raise ValidationError("'context' must be an object with 'paper', 'paper_id' or 'query'")
    if spec.get("paper") is not None:
        return ContextSpec(paper=paper_from_dict(spec["paper"]))
    if spec.get("paper_id") is not None:
        if not isinstance(spec["paper_id"], str):
            raise ValidationError("'paper_id' must be a string")
        return ContextSpec(paper_id=spec["paper_id"])
    query = spec.get("query")
    if query is not None:
        if not isinstance(query, str) or not query.strip():
            raise ValidationError("'query' must be a non-empty string")
        return ContextSpec(query=check_text(query, "'query'"))
    return ContextSpec()


def list_size(k) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ValidationError(f"'k' must be a whole number from 1 to {MAX_K}")
    return k


def excluded(ids) -> list[str]:
    """The paper ids a list leaves out (none when None)."""
    if ids is None:
        return []
    if not isinstance(ids, list) or len(ids) > MAX_EXCLUDE or not all(isinstance(i, str) for i in ids):
        raise ValidationError(f"'exclude' must be a list of at most {MAX_EXCLUDE} paper ids")
    return ids


def papers_to_score(raw) -> list[Paper]:
    if not isinstance(raw, list) or not raw:
        raise ValidationError("'papers' must be a non-empty list of papers")
    if len(raw) > MAX_SCORE_PAPERS:
        raise ValidationError(f"at most {MAX_SCORE_PAPERS} papers per request")
    return [paper_from_dict(p) for p in raw]


def history_page(limit: int, offset: int) -> tuple[int, int]:
    if not (1 <= limit <= MAX_HISTORY_PAGE and offset >= 0):
        raise ValidationError(f"'limit' must be 1..{MAX_HISTORY_PAGE} and 'offset' not negative")
    return limit, offset


def interest_pair(papers) -> tuple[str, str]:
    """The two papers, one of each interest, that POST /interests/merge joins."""
    if not (isinstance(papers, list) and len(papers) == 2 and all(isinstance(p, str) for p in papers)):
        raise ValidationError("'papers' must be two paper ids, one of each interest")
    return papers[0], papers[1]


def settings_change(data: dict) -> dict:
    unknown = set(data) - SETTINGS
    if unknown:
        raise ValidationError(f"unknown setting(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(SETTINGS))})")
    return data

"""Follow arXiv: ask its public API (Atom) or its RSS feeds for new submissions in some categories.

What leaves the machine is only what `describe_traffic` says: category names, paging, sort order, a User-Agent
and the cache validators arXiv itself handed out. The client is polite by construction: one request every 3
seconds at most, conditional requests, back-off on errors (honouring Retry-After), a hard cap on pages per run.
The transport is a plain callable, so tests replay recorded responses and never touch the network.
"""
from __future__ import annotations

import http.client
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Callable, Mapping

from ... import __version__
from ...errors import ValidationError
from ...records.papers import Paper, quoted
from .arxiv_feed import NEW_ANNOUNCEMENTS, FeedPage, FetchError, _error_message, parse_atom, parse_rss

API_URL = "https://export.arxiv.org/api/query"
RSS_URL = "https://rss.arxiv.org/rss/"
OAI_URL = "https://oaipmh.arxiv.org/oai"
USER_AGENT = (f"ReadNext/{__version__} (private paper recommender on the user's own computer; "
              "asks only for new papers in chosen categories)")

_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")
_RETRYABLE = frozenset({429, 500, 502, 503, 504})

Transport = Callable[[str, Mapping[str, str]], tuple[int, Mapping[str, str], bytes]]


@dataclass(frozen=True)
class FetchPolicy:
    min_interval_s: float = 3.0  # arXiv's terms: no more than one request every three seconds
    page_size: int = 100
    max_pages: int = 5  # per run, whatever else happens
    max_retries: int = 4  # per request, after the first try
    backoff_s: float = 3.0  # first wait after an error, doubled each time
    max_wait_s: float = 300.0  # a Retry-After longer than this ends the run instead of waiting
    timeout_s: float = 30.0
    max_body_bytes: int = 32 * 1024 * 1024
    user_agent: str = USER_AGENT
    api_url: str = API_URL
    rss_url: str = RSS_URL
    oai_url: str = OAI_URL

    def __post_init__(self):
        if self.min_interval_s < 3.0:
            raise ValidationError("arXiv allows one request every 3 seconds at most; min_interval_s must be >= 3")
        if not 1 <= self.page_size <= 2000:
            raise ValidationError("page_size must be 1..2000 (arXiv's largest page)")
        if self.max_pages < 1 or self.max_retries < 0:
            raise ValidationError("max_pages must be at least 1 and max_retries at least 0")



@dataclass
class FetchResult:
    papers: list[Paper] = field(default_factory=list)
    not_modified: bool = False  # arXiv answered 304: nothing new since the last run
    requests: int = 0  # HTTP requests sent, retries included
    pages: int = 0
    complete: bool = True  # False when the page cap ended the run before the papers ran out
    skipped: int = 0


def check_categories(categories) -> list[str]:
    """The category names, validated: nothing but `archive` or `archive.Class` can reach a URL."""
    if not isinstance(categories, (list, tuple)) or not categories:
        raise ValidationError("name at least one arXiv category to follow (e.g. cs.LG), in a list")
    for name in categories:
        if not isinstance(name, str) or not _CATEGORY.match(name):
            raise ValidationError(f"{quoted(name)} is not an arXiv category (e.g. cs.LG, math.AG, hep-th)")
    return list(dict.fromkeys(categories))


def api_url(categories, start: int = 0, max_results: int = 100, base: str = API_URL) -> str:
    """The API request for the newest submissions in `categories`, newest first."""
    query = "+OR+".join(f"cat:{name}" for name in check_categories(categories))
    return (f"{base}?search_query={query}&sortBy=submittedDate&sortOrder=descending"
            f"&start={int(start)}&max_results={int(max_results)}")


def rss_url(categories, base: str = RSS_URL) -> str:
    return base + "+".join(check_categories(categories))


def describe_traffic(categories, policy: FetchPolicy = FetchPolicy(), feed: str = "api") -> str:
    """What following these categories sends to arXiv, in words and in full, for the settings page."""
    names = check_categories(categories)
    if feed == "rss":
        url, what = rss_url(names, policy.rss_url), "one request per run"
    elif feed == "api":
        url = api_url(names, 0, policy.page_size, policy.api_url)
        what = (f"at most {policy.max_pages} pages of {policy.page_size} per run (a next page changes only "
                f"start=)")
    else:
        raise ValidationError(f"feed must be 'api' or 'rss', not '{feed}'")
    host = url.split("/")[2]
    return (
        f"ReadNext asks {host} for new papers in {', '.join(names)}: {what}, at most one request every "
        f"{policy.min_interval_s:g} seconds; a failed request is tried again at most {policy.max_retries} "
        f"times, waiting longer each time.\n"
        f"Request: GET {url}\n"
        f"Headers: User-Agent: {policy.user_agent}; Accept: application/atom+xml, application/rss+xml; and, "
        f"when arXiv gave them last time, its own ETag and Last-Modified values back (If-None-Match, "
        f"If-Modified-Since) so an unchanged feed is not sent again.\n"
        f"Nothing else is sent: not your reading history, saved papers, searches, interests or any identifier. "
        f"No cookies, no account. arXiv sees the category names and your IP address.")



class RateLimiter:
    """At most one call to `wait` returns per `interval_s`; the clock and sleep are injectable for tests."""

    def __init__(self, interval_s: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval_s = interval_s
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None:
            remaining = self._last + self.interval_s - self.clock()
            if remaining > 0:
                self.sleep(remaining)
        self._last = self.clock()


def urllib_transport(timeout_s: float = 30.0, max_bytes: int = 32 * 1024 * 1024) -> Transport:
    """The real transport: one GET with urllib; HTTP error statuses are returned, not raised."""
    def get(url: str, headers: Mapping[str, str]) -> tuple[int, Mapping[str, str], bytes]:
        request = urllib.request.Request(url, headers=dict(headers), method="GET")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                return response.status, dict(response.headers.items()), _read_capped(response, max_bytes)
        except urllib.error.HTTPError as error:  # 304, 4xx, 5xx: a status for the client to judge
            with error:
                return error.code, dict(error.headers.items()), _read_capped(error, max_bytes)
    return get


class ArxivClient:
    """Fetches new papers politely. `validators` (URL -> ETag/Last-Modified) is the state to keep between runs:
    pass the saved dict in, save `client.validators` after a run."""

    def __init__(self, transport: Transport | None = None, policy: FetchPolicy = FetchPolicy(),
                 validators: dict | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, wall_clock: Callable[[], float] = time.time):
        self.policy = policy
        self.transport = transport or urllib_transport(policy.timeout_s, policy.max_body_bytes)
        self.validators: dict[str, dict[str, str]] = dict(validators or {})
        self.limiter = RateLimiter(policy.min_interval_s, clock, sleep)
        self.sleep = sleep
        self.wall_clock = wall_clock
        self.requests = 0

    def describe_traffic(self, categories, feed: str = "api") -> str:
        return describe_traffic(categories, self.policy, feed)

    def fetch_new(self, categories, since: str = "") -> FetchResult:
        """The newest submissions in `categories`, newest first, back to `since` (YYYY-MM-DD, inclusive) or
        until the page cap. Only the first page is asked conditionally: if it has not changed, neither has
        anything after it, and a later page answered 304 would have no body to read."""
        names = check_categories(categories)
        result, seen, first_requests = FetchResult(), set(), self.requests
        pending = None
        for page_number in range(self.policy.max_pages):
            start = page_number * self.policy.page_size
            url = api_url(names, start, self.policy.page_size, self.policy.api_url)
            page, validators = self._get_page(url, conditional=page_number == 0)
            if page is None:
                result.not_modified = True
                break
            pending = pending or (url, validators)
            result.pages += 1
            result.skipped += page.skipped
            fresh = [p for p in page.papers if not since or not p.date or p.date >= since]
            result.papers += [p for p in fresh if p.id not in seen]
            seen.update(p.id for p in fresh)
            reached_end = len(page.papers) < self.policy.page_size or (
                page.total_results is not None and start + len(page.papers) >= page.total_results)
            if reached_end or len(fresh) < len(page.papers):  # sorted newest first: the rest is older still
                break
        else:
            result.complete = False
        if pending and pending[1]:
            self.validators[pending[0]] = pending[1]  # only now: an interrupted run must ask again in full
        result.requests = self.requests - first_requests
        return result

    def fetch_rss(self, categories, announce_types=NEW_ANNOUNCEMENTS) -> FetchResult:
        url = rss_url(categories, self.policy.rss_url)
        first_requests = self.requests
        response = self._get(url, conditional=True)
        if response is None:
            return FetchResult(not_modified=True, requests=self.requests - first_requests)
        headers, body = response
        page = parse_rss(body, announce_types=announce_types)
        self._remember(url, headers)
        return FetchResult(page.papers, requests=self.requests - first_requests, pages=1, skipped=page.skipped)

    def get(self, url: str) -> bytes:
        """The body of one unconditional GET, with the same pace, retries and Retry-After as every request."""
        return self._get(url, conditional=False)[1]

    def _get_page(self, url: str, conditional: bool) -> tuple[FeedPage | None, dict]:
        """One API page. arXiv now and then answers an empty page for a query with results: that is retried."""
        for attempt in range(self.policy.max_retries + 1):
            response = self._get(url, conditional)
            if response is None:
                return None, {}
            headers, body = response
            page = parse_atom(body)
            if page.papers or page.skipped or not page.total_results or page.start_index >= page.total_results:
                return page, _validators(headers)
            if attempt < self.policy.max_retries:
                self.sleep(self._backoff(attempt))
        raise FetchError(f"arXiv kept answering an empty page for {url}; try again later")

    def _get(self, url: str, conditional: bool) -> tuple[Mapping[str, str], bytes] | None:
        """(headers, body) of a 200 answer, None for 304; retries what may pass, raises FetchError otherwise."""
        headers = {"User-Agent": self.policy.user_agent, "Accept": "application/atom+xml, application/rss+xml"}
        if conditional:
            known = self.validators.get(url, {})
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
        for attempt in range(self.policy.max_retries + 1):
            self.limiter.wait()
            self.requests += 1
            try:
                status, response_headers, body = self.transport(url, headers)
            except (OSError, http.client.HTTPException) as error:  # no network, DNS, timeout, reset, cut short
                problem, wait = f"could not reach arXiv ({error})", self._backoff(attempt)
            else:
                response_headers = {k.lower(): v for k, v in response_headers.items()}
                if status == 200:
                    return response_headers, body
                if status == 304:
                    return None
                if status not in _RETRYABLE:
                    raise FetchError(f"arXiv answered {status} for {url}{_error_message(body)}")
                problem = f"arXiv answered {status}"
                wait = max(self._retry_after(response_headers), self._backoff(attempt))
                if wait > self.policy.max_wait_s:
                    raise FetchError(f"{problem} and asks to wait {wait:.0f} s; try again later")
            if attempt == self.policy.max_retries:
                raise FetchError(f"{problem}; gave up after {attempt + 1} tries")
            self.sleep(wait)
        raise AssertionError("unreachable")

    def _remember(self, url: str, headers: Mapping[str, str]) -> None:
        if _validators(headers):
            self.validators[url] = _validators(headers)

    def _backoff(self, attempt: int) -> float:
        return min(self.policy.backoff_s * 2 ** attempt, self.policy.max_wait_s)

    def _retry_after(self, headers: Mapping[str, str]) -> float:
        value = (headers.get("retry-after") or "").strip()
        if value.isdigit():
            return float(value)
        try:
            then = parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError):
            return 0.0
        try:
            now = parsedate_to_datetime(headers.get("date", "")).timestamp()  # the server's clock, like `then`
        except (TypeError, ValueError):
            now = self.wall_clock()
        return max(0.0, then - now)


def _validators(headers: Mapping[str, str]) -> dict[str, str]:
    found = {"etag": headers.get("etag", ""), "last_modified": headers.get("last-modified", "")}
    return {k: v for k, v in found.items() if v}



def _read_capped(response, max_bytes: int) -> bytes:
    body = response.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise FetchError(f"arXiv's answer is larger than {max_bytes} bytes; refused")
    return body

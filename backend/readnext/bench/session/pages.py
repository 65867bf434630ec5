"""The pages of a session, by address: what each is (its kind, its paper or query, its entries) and its markup
for the fake site. Every sample paper has its abstract page, made when first asked for (a card may lead to any
paper of the corpus)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote_plus

from ...records.papers import arxiv_id
from . import arxiv_pages, scholar_pages
from .sample import SamplePaper


@dataclass
class Page:
    kind: str  # abstract, listing, search, scholar, profile, other
    url: str
    paper_id: str | None = None
    query: str | None = None
    entries: list[str] = field(default_factory=list)  # the papers it lists, in order

    @property
    def context(self) -> dict | None:
        """What the extension asks recommendations beside: the page's paper, its query, or nothing."""
        if self.paper_id:
            return {"paper_id": self.paper_id}
        return {"query": self.query} if self.query else None


@dataclass(frozen=True)
class Templates:
    abstract: str
    listing: str
    search: str
    scholar: str
    profile: str

    @classmethod
    def load(cls, shared: Path, fixtures: Path) -> "Templates":
        html = shared / "fixtures" / "html"
        read = lambda path: path.read_text(encoding="utf-8")  # noqa: E731
        return cls(read(html / "arxiv-abs-2106.09608.html"), read(fixtures / "arxiv-list-new.html"),
                   read(fixtures / "arxiv-search.html"), read(html / "scholar-results-2020.html"),
                   read(html / "scholar-profile-2026.html"))


def abstract_url(paper_id: str) -> str:
    return f"https://arxiv.org/abs/{paper_id}"


def _key(url: str) -> tuple[str, str]:
    host, _, path = url.removeprefix("https://").partition("/")
    return host, "/" + path


class PageSet:
    """The session's pages. `get((host, path))` is what the fake site serves (site.FakeSite's `pages`)."""

    def __init__(self, templates: Templates, sample: list[SamplePaper]):
        self.templates, self.by_id = templates, {p.id: p for p in sample}
        self.pages: dict[str, Page] = {}
        self._html: dict[tuple[str, str], str] = {}
        self._tomorrow: list[tuple[Page, str]] = []  # what the same addresses show the next day

    def _add(self, page: Page, html: str, tomorrow: bool = False) -> str:
        if tomorrow:
            self._tomorrow.append((page, html))
        else:
            self.pages[page.url] = page
            self._html[_key(page.url)] = html
        return page.url

    def next_day(self) -> None:
        for page, html in self._tomorrow:
            self._add(page, html)
        self._tomorrow = []

    def get(self, key: tuple[str, str], default=None):
        host, path = key
        if key not in self._html and host == "arxiv.org" and path.startswith("/abs/"):
            paper_id = arxiv_id(path)
            if paper_id in self.by_id:
                self.abstract(paper_id)
        return self._html.get(key, default)

    def page(self, url: str) -> Page:
        """What the page at `url` is (an abstract page of any sample paper; "other" for anything else)."""
        found = self.pages.get(url)
        if found is None and url.startswith("https://arxiv.org/abs/") and arxiv_id(url) in self.by_id:
            self.abstract(arxiv_id(url))
            found = self.pages[abstract_url(arxiv_id(url))]
        return found or Page("other", url)

    def shown_papers(self) -> list[str]:
        """Every paper a page of the session lists or is about."""
        pages = [*self.pages.values(), *(page for page, _ in self._tomorrow)]
        ids = [p.paper_id for p in pages if p.paper_id] + [i for p in pages for i in p.entries]
        return list(dict.fromkeys(ids))

    def abstract(self, paper_id: str) -> str:
        url = abstract_url(paper_id)
        if url not in self.pages:
            item = self.by_id[paper_id]
            self._add(Page("abstract", url, paper_id=paper_id),
                      arxiv_pages.abstract_page(self.templates.abstract, item.paper, item.comments))
        return url

    def listing(self, archive: str, day: date, new: list[SamplePaper], cross: list[SamplePaper],
                tomorrow: bool = False) -> str:
        html = arxiv_pages.listing_page(self.templates.listing, archive, day, [(p.paper, p.comments) for p in new],
                                        [(p.paper, p.comments) for p in cross])
        url = f"https://arxiv.org/list/{archive}/new"
        return self._add(Page("listing", url, entries=[p.id for p in new + cross]), html, tomorrow)

    def search(self, query: str, hits: list[SamplePaper]) -> str:
        url = f"https://arxiv.org/search/?query={quote_plus(query)}&searchtype=all"
        return self._add(Page("search", url, query=query, entries=[p.id for p in hits]),
                         arxiv_pages.search_page(self.templates.search, query, [p.paper for p in hits]))

    def scholar(self, query: str, hits: list[SamplePaper]) -> str:
        url = f"https://scholar.google.com/scholar?q={quote_plus(query)}&hl=en"
        return self._add(Page("scholar", url, query=query, entries=[p.id for p in hits]),
                         scholar_pages.results_page(self.templates.scholar, query, [p.paper for p in hits]))

    def profile(self, user: str, name: str, affiliation: str, topics: list[str], papers: list[SamplePaper]) -> str:
        url = f"https://scholar.google.com/citations?user={user}&hl=en"
        html = scholar_pages.profile_page(self.templates.profile, user, name, affiliation, topics,
                                          [p.paper for p in papers])
        return self._add(Page("profile", url, entries=[p.id for p in papers]), html)

    def other(self, url: str, html: str) -> str:
        return self._add(Page("other", url), html)

"""The researchers and the script of their sessions: half an hour of reading compressed, on pages made from the
sample's papers (pages.py). Day one: the field's `/list/<archive>/new`, four abstracts opened from it and read
with the back button between, a fifth glanced at, a paper of another field read, the fifth again and read, a
thumbs up and a thumbs down, a card clicked, an arXiv search and a hit read, a Scholar results page, the
researcher's Scholar profile and "This is me". The night. Day two: the next listing, two abstracts, a card
clicked. Every choice is seeded by the researcher's key, so a run is repeatable."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta

from .pages import PageSet, Templates, abstract_url
from .sample import SamplePaper


@dataclass(frozen=True)
class Researcher:
    key: str
    field: str  # the archive their own papers are in
    interest: str  # a regular expression over title and abstract: the topic they read in that field
    search: str  # what they search arXiv for
    scholar: str  # what they search Scholar for
    name: str
    affiliation: str
    topics: tuple[str, ...]
    user: str  # their Scholar profile's id
    elsewhere: str  # a field far from theirs, of the paper they read in passing


RESEARCHERS = (
    Researcher("cond-mat", "cond-mat", r"magnet|\bspin", "spin magnetic order", "frustrated magnets spin liquid",
               "Mira Castell", "Condensed matter theory", ("Magnetism", "Spin systems"), "rnCondMatAAAJ", "astro-ph"),
    Researcher("astro-ph", "astro-ph", r"galax", "galaxy clusters", "galaxy evolution star formation",
               "Tomas Ferreira", "Extragalactic astronomy", ("Galaxies", "Galaxy clusters"), "rnAstroPhAAAJ", "math"),
    Researcher("math", "math", r"algebra", "Lie algebras representations", "Hopf algebras quantum groups",
               "Ines Halvorsen", "Algebra and representation theory", ("Lie algebras", "Quantum groups"),
               "rnMathAAAAAJ", "astro-ph"),
)


@dataclass(frozen=True)
class Step:
    """One thing the reader does. action: visit (types an address), open (clicks a paper's link on the page),
    back, react (a thumbs up on the first card of their field, a thumbs down on the first card outside it, or
    on the last card), click (the title of the first card of their field not read, saved or dismissed yet), accept ("This is me"), night, leave (a
    page that is not a paper's, so that the last read is sent). dwell: "read" stays the reading time on the
    page, "glance" leaves as soon as the sidebar shows."""
    action: str
    label: str
    url: str = ""
    paper_id: str = ""
    dwell: str = ""


@dataclass
class Session:
    researcher: Researcher
    steps: list[Step]
    pages: PageSet


def keyword_hits(sample: list[SamplePaper], query: str, limit: int = 10) -> list[SamplePaper]:
    """A keyword search: the papers holding the most of the query's words, a title's counting twice."""
    words = [w for w in re.findall(r"[a-z]+", query.lower()) if len(w) > 2]

    def score(item: SamplePaper) -> int:
        title, abstract = item.paper.title.lower(), item.paper.abstract.lower()
        return sum(2 * (w in title) + (w in abstract) for w in words)
    return sorted((p for p in sample if score(p)), key=lambda p: (-score(p), p.id))[:limit]


def _split(sample: list[SamplePaper], researcher: Researcher, rng: random.Random):
    """(papers of the field on their topic, the field's others, papers of other fields cross-listed first,
    papers of the field far from theirs)."""
    pattern = re.compile(researcher.interest, re.IGNORECASE)
    mine = sorted((p for p in sample if p.field == researcher.field), key=lambda p: p.id)
    interest = [p for p in mine if pattern.search(f"{p.paper.title} {p.paper.abstract}")]
    rest = [p for p in mine if p not in interest]
    crossed = lambda p: any(c.split(".")[0] == researcher.field for c in p.paper.categories[1:])  # noqa: E731
    cross = sorted((p for p in sample if p.field != researcher.field and crossed(p)), key=lambda p: p.id)
    others = sorted((p for p in sample if p.field != researcher.field and not crossed(p)), key=lambda p: p.id)
    for group in (interest, rest, cross, others):
        rng.shuffle(group)
    return interest, rest, cross + others, [p for p in others if p.field == researcher.elsewhere]


def plan(researcher: Researcher, sample: list[SamplePaper], templates: Templates, today: date,
         short: bool = False) -> Session:
    """The session of this researcher; `short`: its first steps only, for the test of the machinery."""
    rng = random.Random(f"readnext-session-{researcher.key}")
    interest, rest, cross, far = _split(sample, researcher, rng)
    pages = PageSet(templates, sample)
    day_one = interest[:6] + rest[:14]
    rng.shuffle(day_one)
    listing = pages.listing(researcher.field, today - timedelta(days=1), day_one, cross[:4])
    reads = [p.id for p in day_one if p in interest]
    steps = [Step("visit", "opens the day's new submissions in their field", url=listing)]
    for paper_id in reads[:2 if short else 4]:
        steps += [Step("open", "opens an entry of the listing and reads it", paper_id=paper_id, dwell="read"),
                  Step("back", "goes back to the listing")]
    if short:
        steps += [Step("open", "opens another entry and reads it", paper_id=reads[2], dwell="read"),
                  Step("click", "clicks a card of the sidebar and reads that paper", dwell="read")]
        return Session(researcher, steps, pages)
    search_hits = keyword_hits(sample, researcher.search)
    scholar_hits = keyword_hits(sample, researcher.scholar)
    steps += [
        Step("open", "opens a fifth entry and leaves it at once", paper_id=reads[4], dwell="glance"),
        Step("visit", f"reads a paper of {researcher.elsewhere} (a friend's link)", url=abstract_url(far[0].id),
             dwell="read"),
        Step("visit", "comes back to the fifth entry and reads it", url=abstract_url(reads[4]), dwell="read"),
        Step("react", "thumbs up on a card of their field, thumbs down on one outside it"),
        Step("click", "clicks a card of the sidebar and reads that paper", dwell="read"),
        Step("visit", f"searches arXiv for “{researcher.search}”", url=pages.search(researcher.search, search_hits)),
        Step("open", "opens a hit and reads it", paper_id=next(p.id for p in search_hits if p.id not in reads),
             dwell="read"),
        Step("back", "goes back to the results"),
        Step("visit", f"searches Scholar for “{researcher.scholar}”",
             url=pages.scholar(researcher.scholar, scholar_hits)),
        Step("visit", "opens their own Scholar profile", url=pages.profile(
            researcher.user, researcher.name, researcher.affiliation, list(researcher.topics), interest[6:10])),
        Step("accept", "says “This is me”"),
        Step("night", "the night: the backend is stopped, what follows happens a day later"),
    ]
    day_two = interest[10:14] + rest[14:30]
    rng.shuffle(day_two)
    listing = pages.listing(researcher.field, today, day_two, cross[4:8], tomorrow=True)
    steps.append(Step("visit", "opens the next day's new submissions", url=listing))
    for paper_id in [p.id for p in day_two if p in interest][:2]:
        steps += [Step("open", "opens an entry and reads it", paper_id=paper_id, dwell="read"),
                  Step("back", "goes back to the listing")]
    steps += [Step("click", "clicks a card of the sidebar and reads that paper", dwell="read"),
              Step("leave", "leaves for a page that is not a paper's",
                   url=pages.other("https://arxiv.org/help", "<!DOCTYPE html><title>arXiv help</title><p>Help.</p>"))]
    return Session(researcher, steps, pages)

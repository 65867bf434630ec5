"""Reasons taken from what produced the score; a reason that did not contribute is not shown."""
from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, timezone

from ..records.papers import Paper
from .profile import Profile
from .rank import Scored

RELATED = 0.30  # below this cosine a history paper is not a reason
RECENT_DAYS = 30
# What the nearest history paper is to the user says what the reason is: a paper they read, saved or wrote.
HISTORY_PHRASES = {"saved": "Because you saved “{}”", "own": "Close to your paper “{}”"}
READ_PHRASE = "Because you read “{}”"


def _author_key(name: str) -> str:
    parts = name.replace(",", " ").split()
    if not parts:
        return ""
    if "," in name:  # "Last, First"
        return f"{parts[0].lower()} {parts[1][:1].lower() if len(parts) > 1 else ''}"
    return f"{parts[-1].lower()} {parts[0][:1].lower()}"


def _history_counts(profile: Profile) -> tuple[Counter, Counter]:
    """The authors and first categories of the history's papers, counted once per profile."""
    if "explain" not in profile.derived:
        history = [profile.papers[int(l)] for l in profile.labels if int(l) in profile.papers]
        profile.derived["explain"] = (Counter(_author_key(a) for p in history for a in set(p.authors)),
                                      Counter(p.categories[0] for p in history if p.categories))
    return profile.derived["explain"]


class Explainer:
    """Built once per request: the statistics of the history the reasons draw on."""

    def __init__(self, profile: Profile, document_frequencies, n_docs: int, term_counts: dict[int, dict],
                 query: str | None = None, today: date | None = None):
        self.profile = profile
        self.query = query  # the context, when it is a search rather than a paper
        self.df = document_frequencies
        self.terms = term_counts  # by label: the words of the recommended papers and of their nearest reads
        self.n_docs = max(n_docs, 1)
        self.today = today or datetime.now(timezone.utc).date()
        self.authors, self.categories = _history_counts(profile)

    def idf(self, term: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(term, 0) + 1)) + 1.0

    def reasons(self, scored: Scored, paper: Paper) -> list[dict]:
        reasons = []
        profile = self.profile
        nearest = profile.papers.get(scored.nearest) if scored.nearest is not None else None
        history_part = context_part = 0.0
        if nearest is not None and scored.nearest_similarity >= RELATED:
            history_part = scored.history_similarity or 0.0
            state = profile.states.get(scored.nearest, "read")
            phrase = HISTORY_PHRASES.get(state, READ_PHRASE).format(nearest.title)
            reasons.append({"kind": "history", "paper_id": nearest.id, "title": nearest.title, "state": state,
                            "similarity": round(scored.nearest_similarity, 3),
                            "text": f"{phrase} (similarity {scored.nearest_similarity:.2f})"})
            common = self.terms.get(scored.label, {}).keys() & self.terms.get(scored.nearest, {}).keys()
            shared = sorted(common, key=lambda t: (-self.idf(t), t))[:4]
            if shared:
                reasons.append({"kind": "terms", "terms": shared, "text": "Shared terms: " + ", ".join(shared)})
        if scored.interest is not None and len(profile.interests) > 1:
            interest = profile.interests[scored.interest]
            reasons.append({"kind": "interest", "label": interest.label,
                            "text": f"Your interest: {interest.label}"})
        if scored.context_similarity is not None and scored.context_similarity >= RELATED:
            context_part = scored.context_similarity
            near = f"your search “{self.query}”" if self.query else "the page you are reading"
            reasons.append({"kind": "context", "similarity": round(scored.context_similarity, 3),
                            "text": f"Close to {near} (similarity {scored.context_similarity:.2f})"})
        if context_part > history_part:  # the larger contribution first
            reasons.sort(key=lambda r: r["kind"] != "context")
        authors = [a for a in paper.authors if self.authors.get(_author_key(a))]
        if authors:
            reasons.append({"kind": "author", "authors": authors[:3],
                            "text": "Also by " + ", ".join(authors[:3])})
        if paper.categories and self.categories.get(paper.categories[0], 0) >= 2:
            count = self.categories[paper.categories[0]]
            reasons.append({"kind": "category", "category": paper.categories[0],
                            "text": f"In {paper.categories[0]}, like {count} papers you read"})
        age = self._age_days(paper)
        if age is not None and 0 <= age <= RECENT_DAYS:
            reasons.append({"kind": "recent", "text": "New this month" if age > 7 else "New this week"})
        if scored.dismissed_similarity >= 0.6:
            reasons.append({"kind": "dismissed", "text": "Ranked lower: close to a paper you marked not interested"})
        return reasons

    def _age_days(self, paper: Paper) -> int | None:
        try:
            return (self.today - date.fromisoformat(paper.date[:10])).days
        except ValueError:
            return None

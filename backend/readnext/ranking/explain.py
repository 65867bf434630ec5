"""Reasons taken from what produced the score; a reason that did not contribute is not shown. When each reason
holds is written once, in reasons.py: its predicates decide here."""
from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, timezone

from ..records.papers import Paper
from . import reasons as rules
from .profile import Profile
from .rank import Scored

# What the nearest history paper is to the user says what the reason is: a paper they read, saved or wrote.
HISTORY_PHRASES = {"saved": "Because you saved “{}”", "own": "Close to your paper “{}”"}
READ_PHRASE = "Because you read “{}”"


QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "„": "“", "«": "»", "»": "«"}


def _unquoted(title: str) -> str:
    """A title without the quotes it comes in, if it comes in a pair: the reason quotes it itself."""
    if len(title) > 2 and QUOTES.get(title[0]) == title[-1]:
        return title[1:-1].strip()
    return title


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
                 query: str | None = None, today: date | None = None, page: int | None = None):
        self.profile = profile
        self.query = query  # the context, when it is a search rather than a paper
        self.page = page  # the label of the paper being read, when the context is one: never its own reason
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
        if nearest is not None and rules.history_reason_holds(scored.nearest_similarity, scored.nearest == self.page):
            history_part = scored.history_similarity or 0.0
            state = profile.states.get(scored.nearest, "read")
            phrase = HISTORY_PHRASES.get(state, READ_PHRASE).format(_unquoted(nearest.title))
            reasons.append({"kind": "history", "paper_id": nearest.id, "title": nearest.title, "state": state,
                            "similarity": round(scored.nearest_similarity, 3),
                            "text": f"{phrase} (similarity {scored.nearest_similarity:.2f})"})
            card_words, nearest_words = self.terms.get(scored.label, {}), self.terms.get(scored.nearest, {})
            shared = sorted(card_words.keys() & nearest_words.keys(), key=lambda t: (-self.idf(t), t))[:4]
            if rules.terms_reason_holds(shared, card_words, nearest_words):
                reasons.append({"kind": "terms", "terms": shared, "text": "Shared terms: " + ", ".join(shared)})
        # scored.interest is the interest whose centroid is nearest the card (rank.score)
        if scored.interest is not None and rules.interest_reason_holds(True, len(profile.interests)):
            interest = profile.interests[scored.interest]
            reasons.append({"kind": "interest", "label": interest.label,
                            "text": f"Your interest: {interest.label}"})
        if rules.context_reason_holds(scored.context_similarity):
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
        category = paper.categories[0] if paper.categories else None
        count = self.categories.get(category, 0)
        if category and rules.category_reason_holds(category, count, category, count):
            reasons.append({"kind": "category", "category": category, "count": count,
                            "text": f"In {category}, like {count} papers you read"})
        age = self._age_days(paper)
        if rules.recent_reason_holds(rules.MONTH_DAYS, age):
            week = rules.recent_reason_holds(rules.WEEK_DAYS, age)
            reasons.append({"kind": "recent", "days": rules.WEEK_DAYS if week else rules.MONTH_DAYS,
                            "text": "New this week" if week else "New this month"})
        if rules.dismissed_reason_holds(scored.dismissed_similarity):
            reasons.append({"kind": "dismissed", "text": "Ranked lower: close to a paper you marked not interested"})
        return reasons

    def weaker_reason(self, scored: Scored) -> list[dict]:
        """The one reason of a card that no other reason holds for, still true (reasons.py): the page or the
        query, with its similarity stated plainly, where there is one; else the card's nearest interest."""
        if rules.related_reason_holds(scored.context_similarity):
            near = f"your search “{self.query}”" if self.query else "the page you are reading"
            return [{"kind": "related", "similarity": round(scored.context_similarity, 3),
                     "text": f"Related to {near} (similarity {scored.context_similarity:.2f})"}]
        if scored.interest is not None and rules.near_interest_reason_holds(True):  # the nearest (rank.score)
            label = self.profile.interests[scored.interest].label
            return [{"kind": "near-interest", "label": label, "text": f"Near your interest {label}"}]
        return []

    def _age_days(self, paper: Paper) -> int | None:
        try:
            return (self.today - date.fromisoformat(paper.date[:10])).days
        except ValueError:
            return None

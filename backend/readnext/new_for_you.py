"""New for you: the papers of the followed arXiv categories that the reader has not been shown yet, best first by
their score with its reasons (recommender.py), a page at a time. Showing a page marks its papers seen
(store/arrivals.py), so the next page, and the next visit, holds only what is left or came since."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

from .ranking.rank import Context
from .recommender import Recommendation
from .store.arrivals import SeenMarks, labels_in_categories

WINDOW_DAYS = 7  # a first visit goes back a week of announcements, not to the start of a backfill


@dataclass
class NewPage:
    categories: list[str]
    since: str  # the oldest date a paper may have (YYYY-MM-DD)
    items: list[Recommendation] = field(default_factory=list)
    remaining: int = 0  # unseen papers left after this page: "More" shows them


class NewForYou:
    def __init__(self, engine, window_days: int = WINDOW_DAYS, clock=time.time):
        self.engine, self.window_days, self.clock = engine, window_days, clock
        self.marks = SeenMarks(engine.home)

    def page(self, categories: list[str], k: int) -> NewPage:
        """The k best unseen papers of these categories, which are marked seen by being shown."""
        now = self.clock()
        since = (datetime.fromtimestamp(now, timezone.utc) - timedelta(days=self.window_days)).date().isoformat()
        engine = self.engine
        profile = engine.profile()
        seen = self.marks.seen()
        papers = engine.corpus.by_labels(labels_in_categories(engine.corpus, categories, since))
        unseen = [label for label, paper in papers.items() if paper.id not in seen and label not in profile.states]
        labels = engine.index.present(sorted(unseen, reverse=True))  # the embedded ones, newest first on a tie
        if not labels:
            return NewPage(categories, since)
        _, scored = engine.recommender.score(profile, Context(), np.array(labels, dtype=np.int64))
        best = sorted(scored, key=lambda item: -item.raw)[:k]
        self.marks.mark([item.paper.id for item in best], int(now * 1000))
        return NewPage(categories, since, best, remaining=len(scored) - len(best))

"""Lists for the user: the profile and the context ranked over the catalogue (ranking/rank.py), moved by the
learned ranker where it ranks (learned/learn.py), each paper with its reasons (ranking/explain.py)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .learned.attribution import faithful
from .learned.learn import Learner
from .ranking.catalogue import Catalogue
from .ranking.explain import Explainer
from .ranking.profile import Profile
from .ranking.reasons import variety_note_holds
from .ranking.rank import Context, RankSettings, Scored, profile_queries, recommend, score
from .records.papers import Paper
from .vectors.neighbours import Neighbourhoods

ORDER_NOTE = ("Ordered for variety, not by score alone: a paper on another of your interests may come before one "
              "with a higher score.")


@dataclass
class Recommendation:
    paper: Paper
    score: float  # the formula's calibrated score, 0..1: the same in every call, whatever the learned ranker does
    reasons: list[dict]
    state: str | None = None
    raw: float = 0.0  # what ordered the list: the formula's raw score, or the learned ranker's where it ranks


@dataclass
class Recommendations:
    mode: str  # personal, context or empty
    note: str
    items: list[Recommendation] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)


class Recommender:
    def __init__(self, catalogue: Catalogue, learner: Learner, settings: RankSettings):
        self.catalogue, self.learner, self.settings = catalogue, learner, settings
        self._neighbourhoods = Neighbourhoods(catalogue.index)

    def recommend(self, profile: Profile, context: Context, k: int, excluded: set[int], diversify: bool = True,
                  explain: bool = True) -> Recommendations:
        """The k best papers but those `excluded` (labels): diversified unless told not to, with reasons
        unless told not to."""
        mode, note = _mode(profile, context)
        if mode == "empty":
            return Recommendations(mode=mode, note=note)
        catalogue = self.catalogue
        adjust = self.learner.adjuster(profile, context, catalogue)
        queries = profile_queries(profile)  # the labels near them, for a fetch size (rank.candidate_labels)
        ranked = recommend(profile, context, catalogue.index, k + len(excluded), self.settings, diverse=diversify,
                           terms=catalogue.terms, adjust=adjust,
                           near_profile=lambda fetch: self._neighbourhoods.near(queries, fetch))
        ranked = [s for s in ranked if s.label not in excluded][:k]
        items = self._explained(profile, ranked, explain, context, adjust)
        moved_up = any(first.raw < second.raw for first, second in zip(items, items[1:]))  # by diversification
        if moved_up and variety_note_holds(len(profile.interests)):  # spread over interests: say why
            note = " ".join(filter(None, [note, ORDER_NOTE]))
        return Recommendations(mode=mode, note=note, items=items, interests=[i.label for i in profile.interests])

    def score(self, profile: Profile, context: Context, labels: np.ndarray) -> tuple[str, list[Recommendation]]:
        """These papers (labels), scored in the order given."""
        mode, _ = _mode(profile, context)
        catalogue = self.catalogue
        vectors = catalogue.index.vectors(labels)
        adjust = None
        if mode == "empty":
            scored = [Scored(int(l), 0.0, 0.0, None, None, None, 0.0, None, 0.0) for l in labels]
        else:
            scored = score(profile, context, labels, vectors, self.settings, catalogue.terms)
            adjust = self.learner.adjuster(profile, context, catalogue)
            by_label = {s.label: s for s in (adjust(scored) if adjust else scored)}
            scored = [by_label[int(l)] for l in labels]  # the page's order
        return mode, self._explained(profile, scored, context=context, adjust=adjust)

    def _explained(self, profile: Profile, ranked: list[Scored], explain: bool = True,
                   context: Context = Context(), adjust=None) -> list[Recommendation]:
        corpus, terms = self.catalogue.corpus, self.catalogue.terms
        papers = corpus.by_labels([s.label for s in ranked])
        if not explain:
            return [Recommendation(paper=papers[s.label], score=s.score, reasons=[],
                                   state=profile.states.get(s.label), raw=s.raw) for s in ranked if s.label in papers]
        named = self._nearest_but_page(profile, ranked, context.label)
        nearest = {named.get(s.label, s).nearest for s in ranked} - {None}
        words, df = terms.words({s.label for s in ranked} | nearest)
        explainer = Explainer(profile, df, corpus.count(), words, context.query, page=context.label)

        def reasons(s: Scored) -> list[dict]:
            found = explainer.reasons(named.get(s.label, s), papers[s.label])
            if adjust and s.label in adjust.contributions:
                found = faithful(found, adjust.contributions[s.label])
            return found or explainer.weaker_reason(s)  # every card says why it is there
        return [Recommendation(paper=papers[s.label], score=s.score, reasons=reasons(s),
                               state=profile.states.get(s.label), raw=s.raw)
                for s in ranked if s.label in papers]

    def _nearest_but_page(self, profile: Profile, ranked: list[Scored], page: int | None) -> dict[int, Scored]:
        """By label, the cards whose nearest history paper is the page being read (read when a card was clicked),
        with the nearest history paper other than the page instead: the one a reason may name."""
        beside = [s for s in ranked if page is not None and s.nearest == page]
        others = np.array([int(l) != page for l in profile.labels], dtype=bool)
        if not beside:
            return {}
        if not others.any():
            return {s.label: replace(s, nearest=None, nearest_similarity=0.0) for s in beside}
        sims = self.catalogue.index.vectors([s.label for s in beside]) @ profile.vectors[others].T
        rows = np.argmax(sims, axis=1)
        labels = profile.labels[others]
        return {s.label: replace(s, nearest=int(labels[row]), nearest_similarity=float(sims[i, row]))
                for i, (s, row) in enumerate(zip(beside, rows))}


def _mode(profile: Profile, context: Context) -> tuple[str, str]:
    if not profile.empty:
        return "personal", ""
    if context.present:
        return "context", "No reading history yet: ranked by the page you are reading alone."
    return "empty", "No reading history yet: read a few papers on arXiv or Scholar, or save some, to start."

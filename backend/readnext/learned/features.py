"""Per-(user, paper) features the learned ranker weighs: the parts of the fixed formula (rank.score), kept apart,
and what the formula does not use (shared authors, the paper's age, the position it was shown at).

The formula is one weighting of these features (`prior`): `prior @ features` is its raw score, so a learned
weighting that has not moved from the prior ranks exactly as the formula does.
"""
from __future__ import annotations

from datetime import date

import numpy as np

from ..records.authors import AuthorSet
from ..records.papers import Paper
from ..ranking.profile import Profile
from ..ranking.rank import DEFAULT, Context, RankSettings, _term_similarities

FEATURES = ("context", "nearest", "top", "interest", "dismissed", "terms_context", "terms_history",
            "authors_own", "authors_read", "age", "position")
INDEX = {name: i for i, name in enumerate(FEATURES)}
MAX_AGE_YEARS = 10.0
# An unknown date is the middle of the range, so that a learned taste for new (or old) papers neither lifts nor
# sinks every undated paper; 0 would make them all the newest.
UNKNOWN_AGE = 0.5
SHARED_CAP = 3  # three papers sharing an author say as much as more
# A feature that varies less than this inside a list says nothing about why one of its papers was chosen over
# another (the age on a /new page, where every paper is days old: 0.001 of the range): the list teaches nothing
# about it. 0.01 of a feature's range is 36 days of age, or a hundredth of a cosine.
MIN_SPREAD = 0.01


def prior(settings: RankSettings = DEFAULT) -> np.ndarray:
    """The formula's weights: its raw score with the TF-IDF fusion (rank.score)."""
    weights = np.zeros(len(FEATURES), np.float64)
    weights[INDEX["context"]] = 1.0
    weights[INDEX["nearest"]] = settings.nearest_weight
    weights[INDEX["top"]] = settings.top_weight
    weights[INDEX["interest"]] = settings.interest_weight
    weights[INDEX["dismissed"]] = -settings.dismiss_penalty
    weights[INDEX["terms_context"]] = weights[INDEX["terms_history"]] = settings.term_weight
    return weights / (1.0 + settings.term_weight)


class Authors:
    """The authors of the user's own papers and of the papers they read or saved."""

    def __init__(self, profile: Profile):
        def of(states):
            return AuthorSet(p.authors for label, p in profile.papers.items() if profile.states.get(label) in states)
        self.own, self.read = of({"own"}), of({"read", "saved"})


def compute(profile: Profile, context: Context, labels: np.ndarray, vectors: np.ndarray, papers: dict[int, Paper],
            terms=None, settings: RankSettings = DEFAULT, today: date | None = None,
            positions: np.ndarray | None = None, authors: Authors | None = None) -> np.ndarray:
    """(len(labels), len(FEATURES)). `positions` are where the papers were shown (0 = top); when ranking, the
    papers have not been shown and the feature is 0 for all of them (it cannot change the order)."""
    n = len(labels)
    out = np.zeros((n, len(FEATURES)), np.float64)
    has_history = len(profile.labels) > 0
    cw = settings.context_weight if has_history and context.present else (1.0 if context.present else 0.0)
    if has_history:
        sims = vectors @ profile.vectors.T
        m = min(settings.top_m, sims.shape[1])
        out[:, INDEX["nearest"]] = (1 - cw) * sims.max(axis=1)
        out[:, INDEX["top"]] = (1 - cw) * np.partition(sims, -m, axis=1)[:, -m:].mean(axis=1)
        centroids = np.stack([i.centroid for i in profile.interests])
        out[:, INDEX["interest"]] = (1 - cw) * (vectors @ centroids.T).max(axis=1)
    if context.present:
        out[:, INDEX["context"]] = cw * (vectors @ context.vector)
    if len(profile.negative_labels):
        dismissed = (vectors @ profile.negative_vectors.T).max(axis=1)
        out[:, INDEX["dismissed"]] = np.maximum(dismissed - settings.dismiss_floor, 0.0)
    if terms is not None and settings.term_weight and n:
        term_history, term_context = _term_similarities(terms, profile, context, labels)
        if term_history is not None:
            out[:, INDEX["terms_history"]] = (1 - cw) * term_history
        if term_context is not None:
            out[:, INDEX["terms_context"]] = cw * term_context
    authors = authors or Authors(profile)
    today = today or date.today()
    for row, label in enumerate(labels.tolist()):
        paper = papers.get(label)
        if paper is None:
            continue
        if authors.own:
            out[row, INDEX["authors_own"]] = min(authors.own.shared(paper.authors), SHARED_CAP) / SHARED_CAP
        if authors.read:
            out[row, INDEX["authors_read"]] = min(authors.read.shared(paper.authors), SHARED_CAP) / SHARED_CAP
        out[row, INDEX["age"]] = _age(paper, today)
    if positions is not None:
        out[:, INDEX["position"]] = np.log2(1.0 + np.asarray(positions, np.float64)) / 5.0
    return out


def spread(x: np.ndarray) -> np.ndarray:
    """Per feature, whether it varies inside this list (x: the list's papers by FEATURES) by MIN_SPREAD or more."""
    return np.ptp(x, axis=0) >= MIN_SPREAD if len(x) else np.zeros(x.shape[1], bool)


def _age(paper: Paper, today: date) -> float:
    """Years since the paper appeared, 0..1 over MAX_AGE_YEARS; UNKNOWN_AGE when the date is unknown."""
    try:
        days = (today - date.fromisoformat(paper.date[:10])).days
    except (ValueError, TypeError):
        return UNKNOWN_AGE
    return float(np.clip(days / 365.25, 0.0, MAX_AGE_YEARS) / MAX_AGE_YEARS)

"""Candidates near each interest and the context, a score in 0..1, and a diversified list.

The score is a fixed function of cosine similarities, so it means the same in every call: how near the paper
is to what the user reads (its nearest history papers and interests) and to the page being read, less a
penalty for nearness to dismissed papers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .profile import Profile

CONTEXT_WEIGHT = 0.5  # share of the context when there is one and a history too
NEAREST_WEIGHT, TOP_WEIGHT, INTEREST_WEIGHT = 0.5, 0.25, 0.25  # the parts of the history similarity
TOP_M = 3
DISMISS_PENALTY, DISMISS_FLOOR = 0.6, 0.35
SCORE_FLOOR, SCORE_SPAN = 0.10, 0.70  # cosine 0.10 maps to score 0, 0.80 and above to 1
MMR_LAMBDA = 0.75
DUPLICATE_SIMILARITY = 0.98  # two records this close are one paper (a preprint and its journal version)
HEAVY_QUERIES = 5  # history papers searched on their own, besides the interests


@dataclass(frozen=True)
class RankSettings:
    """The constants of the score, passed in so a benchmark can compare variants through the same code."""
    context_weight: float = CONTEXT_WEIGHT
    nearest_weight: float = NEAREST_WEIGHT
    top_weight: float = TOP_WEIGHT
    interest_weight: float = INTEREST_WEIGHT
    top_m: int = TOP_M
    mmr_lambda: float = MMR_LAMBDA


DEFAULT = RankSettings()


@dataclass
class Context:
    vector: np.ndarray | None = None
    label: int | None = None  # the paper on the page, never recommended back
    query: str | None = None

    @property
    def present(self) -> bool:
        return self.vector is not None


@dataclass
class Scored:
    label: int
    score: float
    raw: float
    context_similarity: float | None
    history_similarity: float | None
    nearest: int | None  # the history paper nearest to this one
    nearest_similarity: float
    interest: int | None  # index of the nearest interest
    dismissed_similarity: float


def calibrate(raw: np.ndarray) -> np.ndarray:
    return np.clip((raw - SCORE_FLOOR) / SCORE_SPAN, 0.0, 1.0)


def candidate_labels(profile: Profile, context: Context, index, k: int) -> np.ndarray:
    excluded = set(profile.states) | ({context.label} if context.label is not None else set())
    queries = [i.centroid for i in profile.interests]
    if len(profile.labels):
        queries.extend(profile.vectors[:HEAVY_QUERIES])
    if context.present:
        queries.append(context.vector)
    if not queries:
        return np.zeros(0, dtype=np.int64)
    fetch = 4 * k + 40 + min(len(excluded), 500)
    labels, _ = index.search(np.stack(queries), fetch)
    found = np.unique(labels.ravel())
    return found[~np.isin(found, list(excluded))] if excluded else found


def score(profile: Profile, context: Context, labels: np.ndarray, vectors: np.ndarray,
          settings: RankSettings = DEFAULT) -> list[Scored]:
    n = len(labels)
    history = context_sims = None
    nearest = np.full(n, -1)
    nearest_sim = np.zeros(n, np.float32)
    interest = np.full(n, -1)
    if len(profile.labels):
        sims = vectors @ profile.vectors.T
        nearest = np.argmax(sims, axis=1)
        nearest_sim = sims[np.arange(n), nearest]
        m = min(settings.top_m, sims.shape[1])
        top = np.partition(sims, -m, axis=1)[:, -m:].mean(axis=1)
        centroid_sims = vectors @ np.stack([i.centroid for i in profile.interests]).T
        interest = np.argmax(centroid_sims, axis=1)
        history = (settings.nearest_weight * nearest_sim + settings.top_weight * top
                   + settings.interest_weight * centroid_sims.max(axis=1))
    if context.present:
        context_sims = vectors @ context.vector
    if history is not None and context_sims is not None:
        raw = settings.context_weight * context_sims + (1 - settings.context_weight) * history
    else:
        raw = history if history is not None else context_sims if context_sims is not None else np.zeros(n)
    dismissed = np.zeros(n, np.float32)
    if len(profile.negative_labels):
        dismissed = (vectors @ profile.negative_vectors.T).max(axis=1)
        raw = raw - DISMISS_PENALTY * np.maximum(dismissed - DISMISS_FLOOR, 0.0)
    scores = calibrate(raw)
    return [Scored(label=int(labels[i]), score=float(scores[i]), raw=float(raw[i]),
                   context_similarity=None if context_sims is None else float(context_sims[i]),
                   history_similarity=None if history is None else float(history[i]),
                   nearest=int(profile.labels[nearest[i]]) if nearest[i] >= 0 else None,
                   nearest_similarity=float(nearest_sim[i]),
                   interest=int(interest[i]) if interest[i] >= 0 else None,
                   dismissed_similarity=float(dismissed[i]))
            for i in range(n)]


def diversify(scored: list[Scored], vectors: np.ndarray, k: int, lam: float = MMR_LAMBDA) -> list[Scored]:
    """Maximal marginal relevance: each next paper is good and unlike those already chosen; copies of a
    chosen paper are dropped."""
    if not scored:
        return []
    order = np.argsort([-s.raw for s in scored])[: max(3 * k, k + 20)]
    pool = list(order)
    relevance = np.array([scored[i].raw for i in pool])
    chosen: list[int] = []
    max_sim = np.full(len(pool), -1.0)
    while pool and len(chosen) < k:
        value = lam * relevance - (1 - lam) * np.maximum(max_sim, 0.0)
        best = int(np.argmax(value))
        pick = pool[best]
        chosen.append(pick)
        sims = vectors[pool] @ vectors[pick]
        keep = sims < DUPLICATE_SIMILARITY
        keep[best] = False
        pool = [c for c, kept in zip(pool, keep) if kept]
        relevance = relevance[keep]
        max_sim = np.maximum(max_sim, sims)[keep]
    return [scored[i] for i in chosen]


def recommend(profile: Profile, context: Context, index, k: int, settings: RankSettings = DEFAULT,
              diverse: bool = True) -> list[Scored]:
    """The k best candidates; `diverse` spreads them over the user's interests (what users see), otherwise
    they come in score order."""
    labels = candidate_labels(profile, context, index, k)
    if not len(labels):
        return []
    vectors = index.vectors(labels)
    scored = score(profile, context, labels, vectors, settings)
    if diverse:
        return diversify(scored, vectors, k, settings.mmr_lambda)
    return sorted(scored, key=lambda s: -s.raw)[:k]

"""Candidates near each interest and the context, a score in 0..1, and a diversified list.

The score is a fixed function of cosine similarities, so it means the same in every call: how near the paper
is to what the user reads (its nearest history papers and interests) and to the page being read, in the
model's vectors and in TF-IDF terms, less a penalty for nearness to dismissed papers. docs/benchmarks.md has
the measurements behind the constants.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .profile import Profile

CONTEXT_WEIGHT = 0.5  # share of the context when there is one and a history too
NEAREST_WEIGHT, TOP_WEIGHT, INTEREST_WEIGHT = 0.5, 0.25, 0.25  # the parts of the history similarity
TOP_M = 3
# A dismissal pushes down only close papers: with 0.6 above cosine 0.35 it also buried relevant papers of the
# same topic (CiteSeer feedback: recall@20 -0.07 after two dismissals; +0.01 with these).
DISMISS_PENALTY, DISMISS_FLOOR = 0.3, 0.5
TERM_WEIGHT = 1.0  # TF-IDF cosine added to the dense one (CiteSeer, with the context: recall@20 0.502 -> 0.530)
# Raw 0.05 maps to score 0, 0.70 and above to 1. On CiteSeer a top-10 paper has a dense cosine of 0.59-0.78
# and a TF-IDF cosine of 0.08-0.23 (10th-90th percentile), a fused raw of about 0.34-0.50: scores 0.45-0.7;
# near-copies (dense cosine > 0.9) have a TF-IDF cosine of about 0.94 and reach 1.
SCORE_FLOOR, SCORE_SPAN = 0.05, 0.65
MMR_LAMBDA = 0.90  # 0.75 cost recall@20 0.534 -> 0.476 on CiteSeer; 0.90 keeps 0.530 and most of the spread
DUPLICATE_SIMILARITY = 0.98  # two records this close are one paper (a preprint and its journal version)
HEAVY_QUERIES = 2  # history papers searched on their own, besides the interests
FEW_EXCLUDED = 20  # read papers fetched past at first (candidate_labels)


@dataclass(frozen=True)
class RankSettings:
    """The constants of the score, passed in so a benchmark can compare variants through the same code."""
    context_weight: float = CONTEXT_WEIGHT
    nearest_weight: float = NEAREST_WEIGHT
    top_weight: float = TOP_WEIGHT
    interest_weight: float = INTEREST_WEIGHT
    top_m: int = TOP_M
    term_weight: float = TERM_WEIGHT
    mmr_lambda: float = MMR_LAMBDA
    dismiss_penalty: float = DISMISS_PENALTY
    dismiss_floor: float = DISMISS_FLOOR


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
    term_similarity: float | None = None  # mean TF-IDF cosine to the history papers


def calibrate(raw: np.ndarray) -> np.ndarray:
    return np.clip((raw - SCORE_FLOOR) / SCORE_SPAN, 0.0, 1.0)


def profile_queries(profile: Profile) -> list[np.ndarray]:
    """What the history is searched with: its interests and its heaviest papers."""
    queries = [i.centroid for i in profile.interests]
    if len(profile.labels):
        queries.extend(profile.vectors[:HEAVY_QUERIES])
    return queries


def candidate_labels(profile: Profile, context: Context, index, k: int, near_profile=None) -> np.ndarray:
    """Papers near the history and near the context. `near_profile(fetch)`, when given, returns the labels
    near the profile's queries: they change only with the profile, so the caller can keep them and a request
    costs one HNSW query, the context's."""
    excluded = set(profile.states) | ({context.label} if context.label is not None else set())
    sources = []
    if near_profile is not None:
        sources.append(near_profile)
    elif queries := profile_queries(profile):
        sources.append(lambda fetch: index.search(np.stack(queries), fetch)[0].ravel())
    if context.present:
        sources.append(lambda fetch: index.search(context.vector[None, :], fetch)[0].ravel())
    if not sources:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate([_unread(source, 2 * k + 30, excluded) for source in sources]))


def _unread(source, wanted: int, excluded: set) -> np.ndarray:
    """`wanted` papers of a source the user has not read. Each HNSW query costs about ef (>= fetch) distance
    computations: fetch past read papers only when they took the places."""
    labels = _without(source(wanted + min(len(excluded), FEW_EXCLUDED)), excluded)
    if len(labels) < wanted and len(excluded) > FEW_EXCLUDED:
        labels = _without(source(wanted + min(len(excluded), 200)), excluded)
    return labels


def _without(labels: np.ndarray, excluded: set) -> np.ndarray:
    labels = np.unique(labels)
    return labels[~np.isin(labels, list(excluded))] if excluded else labels


def score(profile: Profile, context: Context, labels: np.ndarray, vectors: np.ndarray,
          settings: RankSettings = DEFAULT, terms=None, rerank: int | None = None) -> list[Scored]:
    """Score candidates, best first. `terms`, a sparse.TermSimilarity, adds the TF-IDF cosines to the history
    papers and to the context; with `rerank`, only the `rerank` best by the dense score get them and are
    returned (term similarity reads each paper's text: it is priced per candidate)."""
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
    both = history is not None and context_sims is not None
    cw = settings.context_weight if both else (1.0 if context_sims is not None else 0.0)
    raw = np.zeros(n, np.float32)
    if context_sims is not None:
        raw = raw + cw * context_sims
    if history is not None:
        raw = raw + (1 - cw) * history
    dismissed = np.zeros(n, np.float32)
    if len(profile.negative_labels):
        dismissed = (vectors @ profile.negative_vectors.T).max(axis=1)
        raw = raw - settings.dismiss_penalty * np.maximum(dismissed - settings.dismiss_floor, 0.0)
    keep = np.argsort(-raw, kind="stable")[:rerank] if rerank is not None else np.arange(n)
    term_history = None
    if terms is not None and settings.term_weight and len(keep):
        # Each part is its dense cosine plus term_weight x its TF-IDF cosine, the sum divided by 1 + term_weight,
        # so the raw score stays on a cosine's scale (a paper identical to the history scores 1).
        term_history, term_context = _term_similarities(terms, profile, context, labels[keep])
        fused = np.zeros(len(keep), np.float32)
        if term_context is not None:
            fused += cw * term_context
        if term_history is not None:
            fused += (1 - cw) * term_history
        if term_history is not None or term_context is not None:
            raw = raw.copy()
            raw[keep] = (raw[keep] + settings.term_weight * fused) / (1.0 + settings.term_weight)
    keep = keep[np.argsort(-raw[keep], kind="stable")]
    scores = calibrate(raw)
    terms_of = dict(zip(keep.tolist(), term_history.tolist())) if term_history is not None else {}
    return [Scored(label=int(labels[i]), score=float(scores[i]), raw=float(raw[i]),
                   context_similarity=None if context_sims is None else float(context_sims[i]),
                   history_similarity=None if history is None else float(history[i]),
                   nearest=int(profile.labels[nearest[i]]) if nearest[i] >= 0 else None,
                   nearest_similarity=float(nearest_sim[i]),
                   interest=int(interest[i]) if interest[i] >= 0 else None,
                   dismissed_similarity=float(dismissed[i]),
                   term_similarity=terms_of.get(i))
            for i in keep.tolist()]


def _term_similarities(terms, profile: Profile, context: Context, labels: np.ndarray):
    """(weighted mean TF-IDF cosine to the history papers or None, cosine to the context or None)."""
    targets = []
    if len(profile.labels):
        targets.append(terms.history_vector(profile.labels, profile.weights / (profile.weights.sum() or 1.0)))
    if context.label is not None:
        targets.append(terms.vector([context.label]))
    elif context.present and context.query:
        targets.append(terms.text_vector(context.query))
    sims = terms.cosines(labels, targets)
    history = sims[:, 0] if len(profile.labels) else None
    context_sims = sims[:, -1] if len(targets) > (history is not None) else None
    return history, context_sims


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
              diverse: bool = True, terms=None, adjust=None, near_profile=None) -> list[Scored]:
    """The k best candidates; `diverse` spreads them over the user's interests (what users see), otherwise
    they come in score order. `adjust` re-scores the scored candidates (the learned ranker, learn.Adjuster);
    `near_profile`: see candidate_labels."""
    labels = candidate_labels(profile, context, index, k, near_profile)
    if not len(labels):
        return []
    vectors = index.vectors(labels)
    scored = score(profile, context, labels, vectors, settings, terms, rerank=rerank_size(k))
    if adjust is not None:
        scored = adjust(scored)
    if not diverse:
        return scored[:k]
    row = {int(label): i for i, label in enumerate(labels)}
    return diversify(scored, vectors[[row[s.label] for s in scored]], k, settings.mmr_lambda)


def rerank_size(k: int) -> int:
    """How many of the best candidates by the dense score get the term similarity: enough to hold the list
    and its diversification pool (max(3k, k + 20)) with a little room for papers the terms lift."""
    return max(3 * k + 10, 40)

"""Ranking metrics of one user's list, and their means over users. A ranking is a list of ids, best first;
`relevant` maps id to grade (grade > 0 is relevant)."""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np


def recall_at(ranking: Sequence[str], relevant: dict[str, float], k: int) -> float:
    wanted = {pid for pid, grade in relevant.items() if grade > 0}
    return len(wanted.intersection(ranking[:k])) / len(wanted) if wanted else 0.0


def ndcg_at(ranking: Sequence[str], relevant: dict[str, float], k: int) -> float:
    """Gain 2^grade - 1, discount log2(rank + 1)."""
    dcg = sum((2 ** relevant.get(pid, 0) - 1) / math.log2(rank + 2) for rank, pid in enumerate(ranking[:k]))
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    best = sum((2 ** g - 1) / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / best if best else 0.0


def reciprocal_rank(ranking: Sequence[str], relevant: dict[str, float]) -> float:
    for rank, pid in enumerate(ranking, 1):
        if relevant.get(pid, 0) > 0:
            return 1.0 / rank
    return 0.0


def intra_list_similarity(vectors: np.ndarray) -> float:
    """Mean cosine similarity of the distinct pairs of a list's (unit) vectors: lower is more diverse."""
    n = len(vectors)
    if n < 2:
        return 0.0
    sims = vectors @ vectors.T
    return float((sims.sum() - np.trace(sims)) / (n * (n - 1)))


def coverage(top_lists: Iterable[Sequence[str]], corpus_size: int) -> float:
    """Share of the corpus that appears in at least one user's list."""
    shown = set().union(*map(set, top_lists))
    return len(shown) / corpus_size if corpus_size else 0.0


def user_metrics(ranking: Sequence[str], relevant: dict[str, float]) -> dict[str, float]:
    return {"recall@10": recall_at(ranking, relevant, 10), "recall@20": recall_at(ranking, relevant, 20),
            "ndcg@10": ndcg_at(ranking, relevant, 10), "mrr": reciprocal_rank(ranking, relevant)}

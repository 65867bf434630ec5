"""What moved a learned score: the reasons it supports, and what the model learned, in words.

A reason is kept when the features behind it contributed at least MIN_SHARE of the paper's positive score, and
they come largest first. "Because you read X" needs the nearest-history feature to dominate the other history
features; an author reason is never the only one.
"""
from __future__ import annotations

import numpy as np

from .features import INDEX

MIN_SHARE = 0.15
REASON_FEATURES = {
    "history": ("nearest",), "terms": ("terms_history", "terms_context"), "interest": ("interest", "top"),
    "context": ("context",), "author": ("authors_own", "authors_read"),
}
CHANGED = 0.25  # a weight this far (relative) from the formula's is worth a sentence
NEW_WEIGHT = 0.05  # a feature the formula lacks, weighted this much against the formula's scale


def _part(contributions: np.ndarray, names) -> float:
    return float(sum(contributions[INDEX[n]] for n in names))


def faithful(reasons: list[dict], contributions: np.ndarray) -> list[dict]:
    """The explainer's reasons that the learned score supports, by contribution, then the others (category,
    recency, a dismissal's penalty) as they came."""
    positive = float(np.clip(contributions, 0, None).sum()) or 1.0
    share = {kind: _part(contributions, names) / positive for kind, names in REASON_FEATURES.items()}
    history_parts = [contributions[INDEX[n]] for n in ("top", "interest", "terms_history")]
    nearest_dominates = contributions[INDEX["nearest"]] >= max(history_parts)
    kept = [r for r in reasons if r["kind"] not in share
            or share[r["kind"]] >= MIN_SHARE and (r["kind"] != "history" or nearest_dominates)]
    if share["author"] >= MIN_SHARE and not any(r["kind"] == "author" for r in kept):
        kept.append({"kind": "author", "authors": [], "text": "Shares authors with papers you wrote or read"})
    measured = sorted((r for r in kept if r["kind"] in share), key=lambda r: -share[r["kind"]])
    if [r["kind"] for r in measured] == ["author"]:  # an author alone is never the reason: add the best other
        others = [r for r in reasons if r["kind"] in share and r["kind"] != "author"]
        measured += sorted(others, key=lambda r: -share[r["kind"]])[:1]
    return measured + [r for r in kept if r["kind"] not in share]


SENTENCES = {  # feature: (when it counts more, when it counts less)
    "context": ("The page you are on counts more in what you open", "The page you are on counts less"),
    "nearest": ("Closeness to a single paper you read counts more for you",
                "Closeness to a single paper you read counts less for you"),
    "top": ("Closeness to several papers you read counts more", "Closeness to several papers you read counts less"),
    "interest": ("Your broad interests count more than single papers",
                 "Your broad interests count less than single papers"),
    "dismissed": ("Papers close to those you marked not interested are pushed down less",
                  "Papers close to those you marked not interested are pushed down harder"),
    "terms_context": ("Shared words with the page count more than meaning alone",
                      "Shared words with the page count less than meaning alone"),
    "terms_history": ("Shared words with your reading count more than meaning alone",
                      "Shared words with your reading count less than meaning alone"),
    "authors_own": ("You open papers that share authors with yours more than topic alone predicts",
                    "You open papers that share authors with yours less than topic alone predicts"),
    "authors_read": ("You open papers by authors you have read more than topic alone predicts",
                     "You open papers by authors you have read less than topic alone predicts"),
    "age": ("You open older papers more than topic alone predicts", "You prefer recent papers"),
    "position": ("You open papers further down a list more than the top ones",
                 "You open the top of a list more (learned apart, so it does not count as interest)"),
}


def describe(weights: np.ndarray, prior: np.ndarray, supported: np.ndarray | None = None) -> list[str]:
    """Sentences for the weights that moved, largest move first, of the features `supported` marks (default:
    all). The weights are compared after taking out a common factor (a uniformly larger weighting ranks the
    same)."""
    scale = float(weights @ prior / (prior @ prior)) or 1.0
    relative = weights / scale
    moves = []
    for name, i in INDEX.items():
        if supported is not None and not supported[i]:
            continue
        if prior[i]:
            change = (relative[i] - prior[i]) / abs(prior[i])
            if abs(change) >= CHANGED:
                moves.append((abs(change), SENTENCES[name][0 if change > 0 else 1]))
        elif abs(relative[i]) >= NEW_WEIGHT:
            moves.append((abs(relative[i]) / NEW_WEIGHT, SENTENCES[name][0 if relative[i] > 0 else 1]))
    return [text for _, text in sorted(moves, key=lambda m: -m[0])]

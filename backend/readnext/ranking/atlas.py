"""The map on the Your ReadNext page: the papers of the history and the current recommendations in two
dimensions (the first two principal components of their vectors), each with the interest it belongs to."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .profile import Profile


@dataclass
class MapPoint:
    id: str
    title: str
    x: float  # -1..1
    y: float  # -1..1
    interest: int | None  # index into the profile's interests; None for a paper close to none
    kind: str  # "history" or "recommended"
    state: str | None  # read / saved / own for history papers


def project(vectors: np.ndarray) -> np.ndarray:
    """PCA to two dimensions, scaled into -1..1. Deterministic: each axis is turned so that its largest
    loading is positive, so the same history draws the same map."""
    n = len(vectors)
    if n == 0:
        return np.zeros((0, 2), np.float32)
    centred = vectors - vectors.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    axes = components[:2]
    axes = axes * np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])[:, None]
    points = centred @ axes.T
    if points.shape[1] < 2:  # a single paper, or all of them on one line
        points = np.hstack([points, np.zeros((n, 2 - points.shape[1]))])
    scale = np.abs(points).max(axis=0)
    return (points / np.where(scale > 0, scale, 1.0)).astype(np.float32)


def reading_map(profile: Profile, recommended: list[tuple[int, str, str]], index) -> dict:
    """`recommended`: (label, id, title) of the papers recommended now. History papers take the interest that
    holds them; a recommendation the interest whose centroid is nearest."""
    interest_of = {label: i for i, interest in enumerate(profile.interests) for label in interest.members}
    history = [int(label) for label in profile.labels if int(label) in profile.papers]
    in_history = set(history)
    labels = history + [label for label, _, _ in recommended if label not in in_history]
    vectors = index.vectors(np.array(labels, dtype=np.int64)) if labels else np.zeros((0, 1), np.float32)
    coords = project(vectors)
    centroids = np.stack([i.centroid for i in profile.interests]) if profile.interests else None
    titles = {label: (pid, title) for label, pid, title in recommended}
    points = []
    for row, label in enumerate(labels):
        if label in interest_of:
            interest = interest_of[label]
        elif centroids is not None:
            interest = int(np.argmax(centroids @ vectors[row]))
        else:
            interest = None
        if row < len(history):
            paper_id, title, kind = profile.papers[label].id, profile.papers[label].title, "history"
        else:
            (paper_id, title), kind = titles[label], "recommended"
        points.append(MapPoint(id=paper_id, title=title, x=round(float(coords[row, 0]), 4),
                               y=round(float(coords[row, 1]), 4), interest=interest, kind=kind,
                               state=profile.states.get(label) if kind == "history" else None))
    return {"interests": [{"label": i.label, "weight": round(i.weight, 3)} for i in profile.interests],
            "points": [asdict(p) for p in points]}

"""The user's interests, derived from the event log: weighted, time-decayed, in several labelled centroids."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ..store.history import READ_EVENTS, Event
from ..records.papers import Paper
from .catalogue import Catalogue
from .sparse import Bag

HALF_LIFE_DAYS = 120
MAX_HISTORY = 2000  # heaviest papers kept in the profile; older, lighter ones have decayed to nothing anyway
MAX_INTERESTS = 6
MERGE_SIMILARITY = 0.75  # two centroids this close are one topic, not two
DAY_MS = 86_400_000


@dataclass
class Interest:
    label: str
    terms: list[str]
    weight: float  # share of the positive history weight
    centroid: np.ndarray
    members: list[int]  # paper labels, heaviest first


@dataclass
class Profile:
    labels: np.ndarray  # positive history papers (index labels)
    weights: np.ndarray
    vectors: np.ndarray
    interests: list[Interest]
    negative_labels: np.ndarray
    negative_vectors: np.ndarray
    negative_weights: np.ndarray
    states: dict[int, str]  # read / saved / own / dismissed / hidden
    papers: dict[int, Paper]  # metadata of every paper in `states`
    queries: list[str] = field(default_factory=list)
    # what is computed from the profile once, when first needed (explain.py: the history's authors)
    derived: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        return len(self.labels) == 0


def decay(ts_ms: int, now_ms: int) -> float:
    return 0.5 ** (max(now_ms - ts_ms, 0) / DAY_MS / HALF_LIFE_DAYS)


def summarise(events: list[Event], label_of, now_ms: int):
    """States and (decayed) positive and negative weights of each paper the events name."""
    states: dict[int, str] = {}
    positive: dict[int, float] = defaultdict(float)
    saved_at: dict[int, int | None] = {}
    authored_at: dict[int, int] = {}
    dismissed_at: dict[int, int] = {}
    hidden: set[int] = set()
    for event in sorted(events, key=lambda e: e.ts):
        if event.paper_id is None or event.type == "impression":
            continue
        label = label_of(event.paper_id)
        if label is None:
            continue
        if event.type in READ_EVENTS:
            positive[label] += event.weight() * decay(event.ts, now_ms)
            states.setdefault(label, "read")
        elif event.type == "save":
            saved_at[label] = event.ts
            dismissed_at.pop(label, None)
        elif event.type == "unsave":
            saved_at[label] = None
        elif event.type == "authored":
            authored_at[label] = event.ts
        elif event.type == "unauthored":
            authored_at.pop(label, None)
        elif event.type == "dismiss":
            dismissed_at[label] = event.ts
            saved_at.pop(label, None)
        elif event.type == "undismiss":
            dismissed_at.pop(label, None)
        elif event.type == "hide":
            hidden.add(label)
        elif event.type == "unhide":
            hidden.discard(label)
    negative: dict[int, float] = {}
    for label, ts in saved_at.items():
        if ts is not None:
            positive[label] += 3.0 * decay(ts, now_ms)
            states[label] = "saved"
        elif label not in positive:
            states.pop(label, None)
    for label, ts in authored_at.items():  # the user's own papers: the cold start from their own work
        positive[label] += 3.0 * decay(ts, now_ms)
        states[label] = "own"
    for label, ts in dismissed_at.items():
        negative[label] = 2.0 * decay(ts, now_ms)
        positive.pop(label, None)
        states[label] = "dismissed"
    for label in hidden:
        positive.pop(label, None)
        states[label] = "hidden"
    return states, dict(positive), negative


def _spherical_kmeans(vectors: np.ndarray, weights: np.ndarray, k: int, rounds: int = 20) -> np.ndarray:
    """Cluster assignment of each row; deterministic (farthest-point seeding from the heaviest paper)."""
    centres = [int(np.argmax(weights))]
    while len(centres) < k:
        nearest = (vectors @ vectors[centres].T).max(axis=1)
        centres.append(int(np.argmin(nearest)))
    centroids = vectors[centres].copy()
    assign = np.zeros(len(vectors), dtype=int)
    for _ in range(rounds):
        new = np.argmax(vectors @ centroids.T, axis=1)
        if _ and np.array_equal(new, assign):
            break
        assign = new
        for c in range(k):
            members = assign == c
            if members.any():
                mean = (vectors[members] * weights[members, None]).sum(0)
                centroids[c] = mean / (np.linalg.norm(mean) or 1.0)
    return assign


def cluster(vectors: np.ndarray, weights: np.ndarray) -> list[np.ndarray]:
    """Row indices of each interest, heaviest interest first."""
    n = len(vectors)
    k = 1 if n < 4 else min(MAX_INTERESTS, max(1, round(math.sqrt(n / 2))))
    assign = _spherical_kmeans(vectors, weights, k) if k > 1 else np.zeros(n, dtype=int)
    groups = [np.flatnonzero(assign == c) for c in range(k) if (assign == c).any()]
    merged = True
    while merged and len(groups) > 1:  # k-means splits one broad topic in two: join such halves again
        merged = False
        cents = np.stack([_centroid(vectors[g], weights[g]) for g in groups])
        sims = cents @ cents.T
        np.fill_diagonal(sims, -1)
        a, b = np.unravel_index(np.argmax(sims), sims.shape)
        if sims[a, b] >= MERGE_SIMILARITY:
            groups[a] = np.concatenate([groups[a], groups[b]])
            del groups[b]
            merged = True
    return sorted(groups, key=lambda g: -weights[g].sum())


def _centroid(vectors: np.ndarray, weights: np.ndarray) -> np.ndarray:
    mean = (vectors * weights[:, None]).sum(0)
    return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)


def label_terms(bag: Bag, groups: list[np.ndarray], weights: np.ndarray, n_docs: int, top: int = 3) -> list[list[str]]:
    """For each group of papers (rows of `bag`), the terms that most distinguish it: used by much of the group's
    weight, rare in the corpus and in the other groups. Ties go to the term the group's papers use most (weighted
    by how much each paper counts), never to the alphabet first: a paper's rare words all tie on their idf."""
    used, column = np.unique(bag.ids, return_inverse=True)
    df = np.zeros(len(used))
    df[column] = bag.df
    idf = np.log((n_docs + 1) / (df + 1)) + 1.0
    length = np.maximum(np.bincount(bag.rows, weights=bag.counts, minlength=len(weights)), 1.0)
    group_of = np.full(len(weights), -1)
    for number, rows in enumerate(groups):
        group_of[rows] = number
    entry_group = group_of[bag.rows]
    presence = np.zeros((len(groups), len(used)), bool)
    grouped = entry_group >= 0
    presence[entry_group[grouped], column[grouped]] = True
    in_groups = presence.sum(axis=0)
    labels = []
    for number, rows in enumerate(groups):
        mine = entry_group == number
        share_of_entry = weights[bag.rows[mine]] / (float(weights[rows].sum()) or 1.0)
        share = np.bincount(column[mine], weights=share_of_entry, minlength=len(used))
        usage = np.bincount(column[mine], weights=share_of_entry * bag.counts[mine] / length[bag.rows[mine]],
                            minlength=len(used))
        eligible = np.flatnonzero(presence[number] & (share * len(rows) >= min(2, len(rows))))
        # in_groups counts this group too: 1 + the other groups that use the term
        score = np.round(share[eligible] * idf[eligible] / in_groups[eligible], 9)
        order = np.lexsort((-usage[eligible], -score))
        score, use, term = score[order], usage[eligible][order], used[eligible][order]
        end = top  # the alphabet orders only what still ties at the cut
        while end < len(order) and score[end] == score[top - 1] and use[end] == use[top - 1]:
            end += 1
        block = sorted(zip(-score[:end], -use[:end], (bag.terms[t] for t in term[:end])))
        labels.append([word for _, _, word in block[:top]])
    return labels


def interest_label(terms: list[str], papers: list[Paper]) -> str:
    """An interest of one paper is that paper: its title says more than three of its rarest words."""
    if len(papers) == 1 or not terms:
        title = papers[0].title
        return title if len(title) <= 60 else title[:59].rstrip() + "…"
    return " · ".join(terms)


def join_groups(groups: list[np.ndarray], rows: list[tuple[int, int]]) -> list[np.ndarray]:
    """Groups joined where the user merged two interests: each pair of rows (the interests' heaviest papers when
    the user chose) ends up in one group, whatever the clustering made of them since."""
    groups = [g for g in groups]
    for a, b in rows:
        ga = next((i for i, g in enumerate(groups) if a in g), None)
        gb = next((i for i, g in enumerate(groups) if b in g), None)
        if ga is not None and gb is not None and ga != gb:
            groups[ga] = np.concatenate([groups[ga], groups[gb]])
            del groups[gb]
    return groups


def build_profile(events: list[Event], catalogue: Catalogue, now_ms: int, merges: list[list[str]] = (),
                  label_of=None) -> Profile:
    """`merges`: pairs of papers whose interests the user joined. `label_of`: the corpus's lookup, or a cached
    one (the engine's): over a long history, one SQLite lookup per event, made again on every change of the
    history, adds up."""
    corpus, index = catalogue.corpus, catalogue.index
    label_of = label_of or corpus.label_of
    states, positive, negative = summarise(events, label_of, now_ms)
    indexed = set(index.present([*positive, *negative]))
    heaviest = sorted((l for l in positive if l in indexed and positive[l] > 0), key=lambda l: -positive[l])
    labels = np.array(heaviest[:MAX_HISTORY], dtype=np.int64)
    weights = np.array([positive[l] for l in labels], dtype=np.float32)
    vectors = index.vectors(labels)
    neg_labels = np.array([l for l in negative if l in indexed], dtype=np.int64)
    papers = corpus.by_labels(set(states) | set(labels.tolist()))
    row_of = {int(label): row for row, label in enumerate(labels)}
    merged_rows = [(row_of.get(label_of(a)), row_of.get(label_of(b))) for a, b in merges]
    merged_rows = [(a, b) for a, b in merged_rows if a is not None and b is not None]
    interests = _interests(labels, weights, vectors, papers, corpus.count(), catalogue.terms,
                           merged_rows) if len(labels) else []
    queries = [e.query for e in sorted(events, key=lambda e: -e.ts) if e.type == "search"][:10]
    return Profile(labels=labels, weights=weights, vectors=vectors, interests=interests,
                   negative_labels=neg_labels, negative_vectors=index.vectors(neg_labels),
                   negative_weights=np.array([negative[l] for l in neg_labels], dtype=np.float32),
                   states=states, papers=papers, queries=queries)


def _interests(labels, weights, vectors, papers, n_docs: int, terms, merged_rows=()) -> list[Interest]:
    groups = join_groups(cluster(vectors, weights), merged_rows)
    groups = sorted(groups, key=lambda g: -weights[g].sum())
    names = label_terms(terms.bag(labels.tolist()), groups, weights.astype(np.float64), max(n_docs, 1))
    total = float(weights.sum()) or 1.0
    interests = []
    for group, group_terms in zip(groups, names):
        order = group[np.argsort(-weights[group])]
        interests.append(Interest(
            label=interest_label(group_terms, [papers[int(labels[i])] for i in order if int(labels[i]) in papers]),
            terms=group_terms, weight=float(weights[group].sum() / total),
            centroid=_centroid(vectors[group], weights[group]), members=[int(labels[i]) for i in order]))
    return interests

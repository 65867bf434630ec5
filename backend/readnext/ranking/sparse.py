"""Term similarity (TF-IDF cosine) between a few hundred candidates and the user's papers: it catches what the
dense vectors blur, a rare term or a system's name two papers share.

Document frequencies come from the corpus's `terms` table, so the weights are those of the whole corpus while
the work per request stays proportional to the candidates, never to the corpus. Each paper's term counts are
kept in a bounded cache: the same papers come back request after request (the history, the nearby papers).
"""
from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..store.read_cache import ReadCache
from ..records.text import tokens

CACHE_PAPERS = 50_000


def term_counts(text: str) -> Counter:
    return Counter(tokens(text))


@dataclass(frozen=True)
class TermVector:
    """A sparse TF-IDF vector: sorted term ids and their values."""
    ids: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class Bag:
    """The words of some papers as arrays, one entry per (paper, word): what labelling interests needs over
    hundreds of papers without a dictionary per paper."""
    rows: np.ndarray  # the paper: its position among the labels asked for
    ids: np.ndarray  # the word's id; `terms[id]` is the word
    counts: np.ndarray  # how often the paper uses it
    df: np.ndarray  # in how many papers of the corpus it occurs
    terms: list[str]


class TermSimilarity:
    """Cosine similarities in TF-IDF space between candidate papers and query papers (or a query text).

    Each paper is cached as term ids and their sublinear tf; document frequencies are cached by term id and
    read again once the corpus has grown by more than 1 % since they were read (between those, a frequency off
    by a few papers is a negligible error in a weight, and re-reading them on every addition would put
    hundreds of SQLite lookups on every request while papers arrive)."""

    def __init__(self, corpus, cache_size: int = CACHE_PAPERS):
        self.corpus = corpus
        self.lock = threading.Lock()  # the caches are shared by the server's threads
        self._vocabulary: dict[str, int] = {}
        self._terms: list[str] = []  # id -> term
        self._papers = ReadCache(corpus, cache_size)  # label -> (term ids, tf)
        self._df = np.full(0, -1, dtype=np.int64)  # by term id; -1: not read yet
        self._df_corpus_size = -1
        self._df_generation = 0  # counts the times the frequencies were read afresh
        self._history: tuple[tuple, TermVector] | None = None  # see history_vector

    def _term_id(self, term: str) -> int:
        found = self._vocabulary.get(term)
        if found is None:
            found = self._vocabulary[term] = len(self._terms)
            self._terms.append(term)
        return found

    def _encode(self, counts) -> tuple[np.ndarray, np.ndarray]:
        ids = np.array([self._term_id(t) for t in counts], dtype=np.int64)
        tf = np.array([1.0 + math.log(c) for c in counts.values()], dtype=np.float32)
        return ids, tf

    def _rows_of(self, labels: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each paper's encoded words, read again when its text was written after they were read."""
        read_at = self.corpus.writes
        found, missing = self._papers.get(labels)
        fetched = {label: self._encode(counts) for label, counts in self.corpus.term_counts(missing).items()}
        self._papers.put(fetched, read_at)
        rows, empty = found | fetched, (np.zeros(0, np.int64), np.zeros(0, np.float32))
        return [rows.get(label, empty) for label in labels]

    def _idf(self, ids: np.ndarray) -> np.ndarray:
        n_docs = self.corpus.count()
        if len(self._df) < len(self._terms):
            self._df = np.concatenate([self._df, np.full(len(self._terms) - len(self._df), -1, np.int64)])
        if abs(n_docs - self._df_corpus_size) > 0.01 * self._df_corpus_size:
            self._df[:] = -1
            self._df_corpus_size = n_docs
            self._df_generation += 1
        unknown = ids[self._df[ids] < 0]
        if len(unknown):
            found = self.corpus.document_frequencies(self._terms[i] for i in unknown.tolist())
            self._df[unknown] = [found.get(self._terms[i], 0) for i in unknown.tolist()]
        return np.log((n_docs + 1) / (self._df[ids] + 1)).astype(np.float32) + 1.0

    def words(self, labels) -> tuple[dict[int, dict[str, int]], dict[str, int]]:
        """The word counts of these papers (by label) and their document frequencies, from the caches: what the
        explanations' shared terms need (the interests' labels take a `bag`)."""
        labels = [int(x) for x in labels]
        with self.lock:
            rows = self._rows_of(labels)
            ids = np.unique(np.concatenate([r[0] for r in rows])) if rows else np.zeros(0, np.int64)
            self._idf(ids)
            df = {self._terms[i]: int(self._df[i]) for i in ids.tolist()}
            return {label: {self._terms[i]: round(math.exp(tf - 1.0)) for i, tf in zip(*map(np.ndarray.tolist, row))}
                    for label, row in zip(labels, rows)}, df

    def bag(self, labels) -> Bag:
        labels = [int(x) for x in labels]
        with self.lock:
            ids, tf, row_of = _flat(self._rows_of(labels))
            self._idf(ids)
            df = self._df[ids].copy()
        counts = np.rint(np.exp(tf.astype(np.float64) - 1.0)).astype(np.int64)  # tf = 1 + log(count)
        return Bag(row_of, ids, counts, df, self._terms)

    def _normalised(self, rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(term ids, L2-normalised tf-idf values, the row of each entry) of encoded rows; under the lock."""
        ids, tf, row_of = _flat(rows)
        values = tf * self._idf(ids)
        norms = np.sqrt(np.bincount(row_of, weights=np.square(values, dtype=np.float64), minlength=len(rows)))
        return ids, (values / np.where(norms == 0, 1.0, norms)[row_of]).astype(np.float32), row_of

    def vector(self, labels, weights=None) -> TermVector:
        """The papers' normalised TF-IDF rows summed, each times its weight (one paper: its row)."""
        labels = [int(x) for x in labels]
        with self.lock:
            ids, values, row_of = self._normalised(self._rows_of(labels))
        if weights is not None:
            values = values * np.asarray(weights, np.float32)[row_of]
        return _summed(ids, values)

    def text_vector(self, text: str) -> TermVector:
        with self.lock:
            ids, values, _ = self._normalised([self._encode(term_counts(text))])
        return _summed(ids, values)

    def history_vector(self, labels: np.ndarray, weights: np.ndarray) -> TermVector:
        """`vector` of the history papers with their weights, kept while the history and the document
        frequencies stay the same. A candidate's cosine to it is the weighted sum of its cosines to each history
        paper: one sparse product per candidate, whatever the length of the history."""
        key = (np.asarray(labels).tobytes(), np.asarray(weights).tobytes(), self._df_generation)
        kept = self._history
        if kept is None or kept[0] != key:
            kept = self._history = (key, self.vector(labels, weights))
        return kept[1]

    def cosines(self, candidates, targets: list[TermVector]) -> np.ndarray:
        """(len(candidates), len(targets)): each candidate's normalised row times each target vector."""
        candidates = [int(x) for x in candidates]
        with self.lock:
            ids, values, row_of = self._normalised(self._rows_of(candidates))
        out = np.zeros((len(candidates), len(targets)), np.float32)
        for column, target in enumerate(targets):
            if not len(target.ids) or not len(ids):
                continue
            at = np.minimum(np.searchsorted(target.ids, ids), len(target.ids) - 1)
            hit = target.ids[at] == ids
            out[:, column] = np.bincount(row_of[hit], weights=values[hit] * target.values[at[hit]],
                                         minlength=len(candidates))
        return out

    def similarities(self, candidates, queries, query_text: str | None = None) -> np.ndarray:
        """(len(candidates), len(queries) [+ 1 for the query text]) cosine similarities."""
        targets = [self.vector([q]) for q in queries] + ([self.text_vector(query_text)] if query_text else [])
        return self.cosines(candidates, targets)


def _flat(rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Encoded rows as one array of term ids, one of their tf and the row of each entry."""
    ids = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int64)
    tf = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0, np.float32)
    return ids, tf, np.repeat(np.arange(len(rows)), [len(r[0]) for r in rows])


def _summed(ids: np.ndarray, values: np.ndarray) -> TermVector:
    unique, inverse = np.unique(ids, return_inverse=True)
    return TermVector(unique, np.bincount(inverse, weights=values, minlength=len(unique)).astype(np.float32))

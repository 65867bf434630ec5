"""Term similarity (TF-IDF cosine) between a few hundred candidates and the user's papers: it catches what the
dense vectors blur, a rare term or a system's name two papers share.

Document frequencies come from the corpus's `terms` table, so the weights are those of the whole corpus while
the work per request stays proportional to the candidates, never to the corpus. Each paper's term counts are
kept in a bounded cache: the same papers come back request after request (the history, the nearby papers).
"""
from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict

import numpy as np

from .text import tokens

CACHE_PAPERS = 50_000


def term_counts(text: str) -> Counter:
    return Counter(tokens(text))


class TermSimilarity:
    """Cosine similarities in TF-IDF space between candidate papers and query papers (or a query text).

    Each paper is cached as term ids and their sublinear tf; document frequencies are cached by term id and
    read again once the corpus has grown by more than 1 % since they were read (between those, a frequency off
    by a few papers is a negligible error in a weight, and re-reading them on every addition would put
    hundreds of SQLite lookups on every request while papers arrive)."""

    def __init__(self, corpus, cache_size: int = CACHE_PAPERS):
        self.corpus = corpus
        self.cache_size = cache_size
        self.lock = threading.Lock()  # the caches are shared by the server's threads
        self._vocabulary: dict[str, int] = {}
        self._terms: list[str] = []  # id -> term
        self._papers: OrderedDict[tuple[int, str | None], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._df = np.full(0, -1, dtype=np.int64)  # by term id; -1: not read yet
        self._df_corpus_size = -1

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
        hashes = self.corpus.hash_of(labels)
        missing = [l for l in labels if (l, hashes.get(l)) not in self._papers]
        for label, counts in self.corpus.term_counts(missing).items():
            self._papers[(label, hashes.get(label))] = self._encode(counts)
        empty = (np.zeros(0, np.int64), np.zeros(0, np.float32))
        rows = []
        for label in labels:
            key = (label, hashes.get(label))
            if key in self._papers:
                self._papers.move_to_end(key)
            rows.append(self._papers.get(key, empty))
        while len(self._papers) > self.cache_size:
            self._papers.popitem(last=False)
        return rows

    def _idf(self, ids: np.ndarray) -> np.ndarray:
        n_docs = self.corpus.count()
        if len(self._df) < len(self._terms):
            self._df = np.concatenate([self._df, np.full(len(self._terms) - len(self._df), -1, np.int64)])
        if abs(n_docs - self._df_corpus_size) > 0.01 * self._df_corpus_size:
            self._df[:] = -1
            self._df_corpus_size = n_docs
        unknown = ids[self._df[ids] < 0]
        if len(unknown):
            found = self.corpus.document_frequencies(self._terms[i] for i in unknown.tolist())
            self._df[unknown] = [found.get(self._terms[i], 0) for i in unknown.tolist()]
        return np.log((n_docs + 1) / (self._df[ids] + 1)).astype(np.float32) + 1.0

    def words(self, labels) -> tuple[dict[int, dict[str, int]], dict[str, int]]:
        """The word counts of these papers (by label) and their document frequencies, from the caches: what the
        explanations' shared terms and the interests' labels need."""
        labels = [int(x) for x in labels]
        with self.lock:
            rows = self._rows_of(labels)
            ids = np.unique(np.concatenate([r[0] for r in rows])) if rows else np.zeros(0, np.int64)
            self._idf(ids)
            df = {self._terms[i]: int(self._df[i]) for i in ids.tolist()}
            return {label: {self._terms[i]: round(math.exp(tf - 1.0)) for i, tf in zip(*map(np.ndarray.tolist, row))}
                    for label, row in zip(labels, rows)}, df

    def similarities(self, candidates, queries, query_text: str | None = None) -> np.ndarray:
        """(len(candidates), len(queries) [+ 1 for the query text]) cosine similarities."""
        candidates, queries = [int(x) for x in candidates], [int(x) for x in queries]
        with self.lock:
            rows = self._rows_of(candidates + queries)
            if query_text:
                rows.append(self._encode(term_counts(query_text)))
            ids = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int64)
            tf = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0, np.float32)
            idf = self._idf(ids)
        # a dense matrix over the terms these rows use (a few thousand): plain numpy, no sparse machinery,
        # whose per-call overhead was most of the cost at this size
        used, columns = np.unique(ids, return_inverse=True)
        row_of = np.repeat(np.arange(len(rows)), [len(r[0]) for r in rows])
        matrix = np.zeros((len(rows), max(len(used), 1)), np.float32)
        matrix[row_of, columns] = tf * idf
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix /= np.where(norms == 0, 1.0, norms)
        n = len(candidates)
        return matrix[:n] @ matrix[n:].T

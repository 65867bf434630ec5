"""Term similarity (TF-IDF cosine) between a few hundred candidates and the user's papers: it catches what the
dense vectors blur, a rare term or a system's name two papers share.

Document frequencies come from the corpus's `terms` table, so the weights are those of the whole corpus while
the work per request stays proportional to the candidates, never to the corpus. Each paper's term counts are
kept in a bounded cache: the same papers come back request after request (the history, the nearby papers).
"""
from __future__ import annotations

import math
from collections import Counter, OrderedDict

import numpy as np
from scipy import sparse

from .text import tokens

CACHE_PAPERS = 50_000


def term_counts(text: str) -> Counter:
    return Counter(tokens(text))


class TermSimilarity:
    """Cosine similarities in TF-IDF space between candidate papers and query papers (or a query text).

    Each paper is cached as term ids and their sublinear tf; document frequencies are cached by term and
    dropped whenever the corpus's size changes (a merge that changes a text without changing the size leaves a
    frequency off by one until then: a negligible error in a weight)."""

    def __init__(self, corpus, cache_size: int = CACHE_PAPERS):
        self.corpus = corpus
        self.cache_size = cache_size
        self._vocabulary: dict[str, int] = {}
        self._terms: list[str] = []  # id -> term
        self._papers: OrderedDict[tuple[int, str | None], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._df: dict[int, int] = {}
        self._df_corpus_size = -1

    def _term_id(self, term: str) -> int:
        found = self._vocabulary.get(term)
        if found is None:
            found = self._vocabulary[term] = len(self._terms)
            self._terms.append(term)
        return found

    def _encode(self, counts: Counter) -> tuple[np.ndarray, np.ndarray]:
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
        if n_docs != self._df_corpus_size:
            self._df, self._df_corpus_size = {}, n_docs
        unknown = [i for i in ids.tolist() if i not in self._df]
        if unknown:
            found = self.corpus.document_frequencies(self._terms[i] for i in unknown)
            self._df.update({i: found.get(self._terms[i], 0) for i in unknown})
        df = np.array([self._df[i] for i in ids.tolist()], dtype=np.float32)
        return np.log((n_docs + 1) / (df + 1)) + 1.0

    def similarities(self, candidates, queries, query_text: str | None = None) -> np.ndarray:
        """(len(candidates), len(queries) [+ 1 for the query text]) cosine similarities."""
        candidates, queries = [int(x) for x in candidates], [int(x) for x in queries]
        rows = self._rows_of(candidates + queries)
        if query_text:
            rows.append(self._encode(term_counts(query_text)))
        ids = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int64)
        tf = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0, np.float32)
        used, columns = np.unique(ids, return_inverse=True)
        indptr = np.concatenate([[0], np.cumsum([len(r[0]) for r in rows])])
        matrix = sparse.csr_matrix((tf * self._idf(used)[columns], columns, indptr),
                                   shape=(len(rows), max(len(used), 1)))
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        matrix = sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)
        n = len(candidates)
        return np.asarray((matrix[:n] @ matrix[n:].T).todense(), dtype=np.float32)

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


def tfidf_rows(counts: list[Counter], df: dict[str, int], n_docs: int) -> sparse.csr_matrix:
    """Unit rows of sublinear tf x smoothed idf over the union of the rows' terms."""
    vocabulary: dict[str, int] = {}
    indptr, indices, data = [0], [], []
    for row in counts:
        for term, count in row.items():
            indices.append(vocabulary.setdefault(term, len(vocabulary)))
            data.append((1.0 + math.log(count)) * (math.log((n_docs + 1) / (df.get(term, 0) + 1)) + 1.0))
        indptr.append(len(indices))
    matrix = sparse.csr_matrix((np.array(data, np.float32), indices, indptr),
                               shape=(len(counts), max(len(vocabulary), 1)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


class TermSimilarity:
    """Cosine similarities in TF-IDF space between candidate papers and query papers (or a query text)."""

    def __init__(self, corpus, cache_size: int = CACHE_PAPERS):
        self.corpus = corpus
        self.cache_size = cache_size
        self._counts: OrderedDict[tuple[int, str], Counter] = OrderedDict()

    def _counts_of(self, labels: list[int]) -> list[Counter]:
        hashes = self.corpus.hash_of(labels)
        missing = [l for l in labels if (l, hashes.get(l)) not in self._counts]
        for label, paper in self.corpus.by_labels(missing).items():
            self._counts[(label, hashes.get(label))] = term_counts(paper.text())
        found = []
        for label in labels:
            key = (label, hashes.get(label))
            if key in self._counts:
                self._counts.move_to_end(key)
            found.append(self._counts.get(key, Counter()))
        while len(self._counts) > self.cache_size:
            self._counts.popitem(last=False)
        return found

    def similarities(self, candidates, queries, query_text: str | None = None) -> np.ndarray:
        """(len(candidates), len(queries) [+ 1 for the query text]) cosine similarities."""
        candidates, queries = [int(x) for x in candidates], [int(x) for x in queries]
        counts = self._counts_of(candidates + queries)
        if query_text:
            counts.append(term_counts(query_text))
        df = self.corpus.document_frequencies(set().union(*counts) if counts else set())
        rows = tfidf_rows(counts, df, self.corpus.count())
        n = len(candidates)
        return np.asarray((rows[:n] @ rows[n:].T).todense(), dtype=np.float32)

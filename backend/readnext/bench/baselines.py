"""What researchers use today, scored over the same candidates as the product: each baseline maps a user's
history (and the page being read, when given) to one score per candidate row of the corpus."""
from __future__ import annotations

import numpy as np

from ..errors import ReadNextError

MIN_DF, MAX_DF, MAX_FEATURES = 5, 0.1, 20_000  # arxiv-sanity-lite's TF-IDF settings
SMALL_CORPUS = 1000  # below this the document-frequency limits would drop every topic word: keep all terms
SVM_C = 0.01


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector


class RandomBaseline:
    name = "random"

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(seed)

    def scores(self, history: list[int], context: int | None, candidates: np.ndarray) -> np.ndarray:
        return self.rng.random(len(candidates))


class _Tfidf:
    """The corpus as arxiv-sanity-lite sees it: 1-2-grams, sublinear tf, l2 rows."""

    def __init__(self, texts: list[str]):
        try:  # here, not at the top: scikit-learn is the benchmarks' (the bench extra), not the product's
            from sklearn.feature_extraction.text import TfidfVectorizer
        except ImportError as error:
            raise ReadNextError("the TF-IDF baselines need scikit-learn, the bench extra: `make bench-extra` "
                                "or `pip install -e '.[bench]'`") from error
        vectorizer = TfidfVectorizer(strip_accents="unicode", lowercase=True, stop_words="english",
                                     token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2),
                                     max_features=MAX_FEATURES, norm="l2", sublinear_tf=True,
                                     min_df=MIN_DF if len(texts) >= SMALL_CORPUS else 1,
                                     max_df=MAX_DF if len(texts) >= SMALL_CORPUS else 1.0)
        self.matrix = vectorizer.fit_transform(texts).tocsr()


class TfidfMeanBaseline(_Tfidf):
    name = "tfidf-mean"

    def scores(self, history, context, candidates):
        query = _unit(np.asarray(self.matrix[history].mean(axis=0)).ravel()) if history else 0.0
        if context is not None:
            query = query + self.matrix[context].toarray().ravel()
        return np.asarray(self.matrix[candidates] @ np.ravel(query)).ravel()


class TfidfSvmBaseline(_Tfidf):
    """arxiv-sanity-lite's ranking: a linear SVM with the user's papers as positives, every other paper as a
    negative, and the distance to its hyperplane as the score."""
    name = "tfidf-svm"

    def scores(self, history, context, candidates):
        from sklearn.svm import LinearSVC
        positives = list(history) + ([context] if context is not None else [])
        labels = np.zeros(self.matrix.shape[0])
        labels[positives] = 1
        svm = LinearSVC(C=SVM_C, class_weight="balanced", max_iter=10_000, tol=1e-6)
        svm.fit(self.matrix, labels)
        return svm.decision_function(self.matrix[candidates])


class DenseMeanBaseline:
    """One mean user vector of the default model's embeddings (the product's own cached vectors)."""
    name = "minilm-mean"

    def __init__(self, vectors: np.ndarray):
        self.vectors = vectors

    def scores(self, history, context, candidates):
        query = _unit(self.vectors[history].mean(axis=0)) if history else np.zeros(self.vectors.shape[1])
        if context is not None:
            query = query + self.vectors[context]
        return self.vectors[candidates] @ query

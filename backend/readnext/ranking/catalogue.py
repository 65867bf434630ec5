"""The papers a profile and a ranking read, together: their records, their vectors and their words."""
from __future__ import annotations

from dataclasses import dataclass

from ..store.corpus import Corpus
from ..vectors.index import VectorIndex
from .sparse import TermSimilarity


@dataclass(frozen=True)
class Catalogue:
    corpus: Corpus  # the paper records, by label
    index: VectorIndex  # their vectors, under the same labels (or an index with the same labels: bench speed)
    terms: TermSimilarity  # their words, for the TF-IDF side of the scores

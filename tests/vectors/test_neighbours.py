import numpy as np

from readnext.vectors.index import VectorIndex
from readnext.vectors.neighbours import Neighbourhoods


class CountingIndex(VectorIndex):
    searches = 0

    def search(self, queries, k):
        self.searches += len(np.atleast_2d(queries))
        return super().search(queries, k)


def unit(rows):
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_a_query_close_to_one_searched_before_reuses_its_papers_until_the_index_changes():
    rng = np.random.default_rng(0)
    index = CountingIndex(16, "test")
    index.add(np.arange(1, 201), unit(rng.normal(size=(200, 16))))
    near = Neighbourhoods(index)
    query = unit(rng.normal(size=(1, 16)))[0]
    first = near.near([query], 20)
    assert index.searches == 1 and len(first) == 20
    moved = unit(query[None] + 0.01 * rng.normal(size=(1, 16)))[0]  # an interest's centroid after one more view
    assert np.array_equal(near.near([moved], 10), first[:10]) and index.searches == 1
    assert len(near.near([moved], 40)) == 40 and index.searches == 2  # more papers than were kept: searched
    other = unit(rng.normal(size=(1, 16)))[0]
    near.near([other], 10)
    assert index.searches == 3  # another direction: searched
    index.add([201], query[None])  # a new paper right on the query
    assert 201 in near.near([query], 10).tolist() and index.searches == 4

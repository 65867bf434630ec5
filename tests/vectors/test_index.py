import numpy as np

from readnext.vectors.index import VectorIndex


def clustered(n=3000, dim=32, clusters=30, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    x = centres[rng.integers(0, clusters, n)] + 0.4 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_recall_against_exact_search():
    data = clustered()
    index = VectorIndex(32, "m")
    index.add(np.arange(len(data)), data)
    queries = clustered(200, seed=1)
    exact = np.argsort(-(queries @ data.T), axis=1)[:, :10]
    found, sims = index.search(queries, 10)
    recall = np.mean([len(set(exact[i]) & set(found[i])) / 10 for i in range(len(queries))])
    assert recall >= 0.95
    assert np.allclose(sims, np.einsum('qd,qkd->qk', queries, data[found]), atol=1e-4)


def test_save_load_round_trip(tmp_path):
    data = clustered(500)
    index = VectorIndex(32, "m")
    index.add(np.arange(100, 600), data)
    index.remove([100, 101])
    index.save(tmp_path / "i.hnsw")
    loaded = VectorIndex.load(tmp_path / "i.hnsw", 32, "m")
    assert loaded is not None and len(loaded) == 498
    assert loaded.labels() == set(range(102, 600))
    assert np.allclose(loaded.vectors([300]), data[200:201])
    assert VectorIndex.load(tmp_path / "i.hnsw", 32, "another-model") is None
    assert VectorIndex.load(tmp_path / "missing.hnsw", 32, "m") is None


def test_deleted_labels_are_never_returned():
    data = clustered(400)
    index = VectorIndex(32, "m")
    index.add(np.arange(400), data)
    gone = list(range(0, 400, 2))
    index.remove(gone)
    found, _ = index.search(data[:50], 50)
    assert not set(found.ravel().tolist()) & set(gone)
    index.remove([10_000])  # unknown label: nothing to do, no error
    index.add([0], data[:1])  # re-adding a deleted label brings it back
    assert 0 in index.search(data[:1], 1)[0][0]


def test_grows_past_capacity_and_updates_in_place():
    index = VectorIndex(32, "m", capacity=10)
    data = clustered(100)
    index.add(np.arange(100), data)
    assert len(index) == 100
    index.add([5], data[50:51])
    assert len(index) == 100
    assert np.allclose(index.vectors([5]), data[50:51])


def test_search_on_empty_index():
    labels, sims = VectorIndex(8, "m").search(np.ones(8, np.float32), 5)
    assert labels.shape == (1, 0)


def test_queries_run_side_by_side_and_additions_wait_for_them():
    import threading
    rng = np.random.default_rng(3)
    index = VectorIndex(16, "test")
    vectors = rng.normal(size=(3000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index.add(np.arange(1, 1001), vectors[:1000])
    errors = []

    def query(k):
        try:
            for _ in range(50):
                labels, sims = index.search(vectors[:4], k)
                assert labels.shape == (4, k) and (labels >= 1).all() and (labels <= 3000).all()
        except Exception as error:  # reported below: a thread's failure must fail the test
            errors.append(error)

    def grow():
        for start in range(1000, 3000, 100):
            index.add(np.arange(start + 1, start + 101), vectors[start:start + 100])

    threads = [threading.Thread(target=query, args=(k,)) for k in (5, 5, 200, 10)] + [threading.Thread(target=grow)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(index) == 3000 and index.search(vectors[2999:], 1)[0][0, 0] == 3000


def test_reading_every_vector_leaves_the_recent_rows_alone(tmp_path):
    rng = np.random.default_rng(4)
    index = VectorIndex(8, "test", path=tmp_path / "index.hnsw")
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    index.add(np.arange(1, 51), vectors)
    index.vectors([3, 4])
    kept = dict(index._recent)
    assert np.allclose(index.all_vectors(range(1, 51)), vectors)
    assert index._recent.keys() == kept.keys()


def test_what_the_index_holds_is_read_from_its_file_not_from_the_header(tmp_path):
    # a kill between the rename of a new index file and the write of its header leaves the older header beside it
    data = clustered(300)
    path = tmp_path / "i.hnsw"
    index = VectorIndex(32, "m")
    index.add(np.arange(100), data[:100])
    index.save(path)
    old_header = (tmp_path / "i.hnsw.json").read_bytes()
    index.add(np.arange(100, 300), data[100:])
    index.remove([5, 150])
    index.save(path)
    (tmp_path / "i.hnsw.json").write_bytes(old_header)
    loaded = VectorIndex.load(path, 32, "m")
    assert loaded is not None and loaded.labels() == set(range(300)) - {5, 150} and len(loaded) == 298
    (tmp_path / "i.hnsw.json").write_text('{"model": "m", "dim": 16}')
    assert VectorIndex.load(path, 16, "m") is None  # a header naming another dimension than the file's

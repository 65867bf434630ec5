"""The scheduling rule: a request's embedding is never queued behind a bulk, only behind one background batch."""
from held_embedder import WAIT_S, HeldEmbedder, in_thread, until
from readnext.engine import ReadNext
from readnext.records.papers import Paper
from readnext.vectors.gate import BACKGROUND_BATCH


def test_a_query_arriving_during_a_bulk_embedding_runs_after_at_most_one_background_batch(config):
    embedder = HeldEmbedder()
    engine = ReadNext(config, embedder=embedder, learn_in_background=False)
    threads = []
    try:
        bulk = 10 * BACKGROUND_BATCH
        engine.store_papers([Paper(id=f"bulk{i}", title=f"bulk paper {i} about galaxies") for i in range(bulk)])
        embedder.held.set()
        background = in_thread(lambda: engine.embed_pending(batch=bulk), threads)  # the job system's way
        assert embedder.entered.acquire(timeout=WAIT_S)  # its first batch holds the model
        answers = []
        request = in_thread(lambda: answers.append(engine.recommend({"query": "reader query words"}, k=3)), threads)
        until(lambda: engine.indexer.gate.waiting == 1, "the request waits for the model")
        embedder.let_through(1)  # the background batch in progress ends
        assert embedder.entered.acquire(timeout=WAIT_S)
        assert embedder.calls[1] == ["reader query words"]  # the request's turn came next
        embedder.let_through(1)
        request.join(WAIT_S)
        assert answers and background.is_alive()  # answered while the bulk is still embedding
        embedder.let_through()
        background.join(WAIT_S)
        assert len(embedder.calls) == 1 + 10 and all(len(c) == BACKGROUND_BATCH for c in embedder.calls[2:])
        assert len(engine.index) == bulk
    finally:
        embedder.held.clear()
        embedder.let_through()
        for thread in threads:  # none may still write to the index when it closes
            thread.join(WAIT_S)
        engine.close()


def test_background_embedding_gives_the_vectors_of_one_call_in_the_texts_order(config):
    embedder = HeldEmbedder()
    engine = ReadNext(config, embedder=embedder, learn_in_background=False)
    try:
        texts = [f"text number {i} " + "word " * (i % 5) for i in range(40)]
        with engine.indexer.background():
            assert engine.indexer.gate.in_background
            background = engine.indexer.embed(texts)
        assert not engine.indexer.gate.in_background
        assert (background == embedder.embed(texts)).all()  # batched, sorted by length, put back in order
    finally:
        engine.close()

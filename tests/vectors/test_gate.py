"""The scheduling rule: a request's embedding is never queued behind a bulk, only behind one background batch."""
import threading
import time

from readnext.engine import ReadNext
from readnext.records.papers import Paper
from readnext.vectors.embed import HashingEmbedder
from readnext.vectors.gate import BACKGROUND_BATCH

WAIT_S = 10.0


class HeldEmbedder(HashingEmbedder):
    """The test embedder, made slow deterministically: each call waits until the test lets one call through,
    and the calls are logged in the order they reached the model."""

    def __init__(self):
        super().__init__(64)
        self.calls: list[list[str]] = []
        self.entered = threading.Semaphore(0)
        self.proceed = threading.Semaphore(0)
        self.held = threading.Event()  # while set, every call waits for its permit

    def embed(self, texts):
        if self.held.is_set():
            self.calls.append(list(texts))
            self.entered.release()
            assert self.proceed.acquire(timeout=WAIT_S), "the test never let this call through"
        return super().embed(texts)

    def let_through(self, calls: int = 10_000) -> None:
        for _ in range(calls):
            self.proceed.release()


def until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.001)


def in_thread(work, started: list) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    started.append(thread)
    return thread


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

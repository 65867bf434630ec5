"""Who uses the model next: the reader's page first. One model serves every caller, one call at a time; a request's
embedding (a page's new papers, a query) goes ahead of background embedding (a backfill, an import, following
arXiv), which takes the model one small batch at a time and lets any waiting request go before its next batch.
So a request waits for at most one background batch, never for a whole bulk."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import numpy as np

# Texts a background caller embeds per turn: a request arriving meanwhile waits for at most these (about 0.4 s
# with MiniLM on an idle 2-core CPU), while batches stay large enough to keep the model's throughput.
BACKGROUND_BATCH = 16


class EmbeddingGate:
    def __init__(self, background_batch: int = BACKGROUND_BATCH):
        self.background_batch = background_batch
        self._turn = threading.Condition()
        self._busy = False  # the model is embedding for someone
        self.waiting = 0  # requests waiting for their turn: background callers let them go first
        self._threads = threading.local()  # how deep the calling thread is in background() blocks

    @contextmanager
    def background(self):
        """Within this block, the calling thread's embedding is background work (nestable)."""
        self._threads.depth = getattr(self._threads, "depth", 0) + 1
        try:
            yield
        finally:
            self._threads.depth -= 1

    @property
    def in_background(self) -> bool:
        return getattr(self._threads, "depth", 0) > 0

    def embed(self, embedder, texts: list[str]) -> np.ndarray:
        """The embedder's vectors of these texts, taking the model at the calling thread's priority."""
        if not self.in_background:
            with self._request():
                return embedder.embed(texts)
        out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths batch without padding
        for start in range(0, len(order), self.background_batch):
            batch = order[start:start + self.background_batch]
            with self._background_batch():
                out[batch] = embedder.embed([texts[i] for i in batch])
        return out

    @contextmanager
    def _request(self):
        with self._turn:
            self.waiting += 1
            try:
                self._turn.wait_for(lambda: not self._busy)
            finally:
                self.waiting -= 1
            self._busy = True
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def _background_batch(self):
        with self._turn:
            self._turn.wait_for(lambda: not self._busy and not self.waiting)
            self._busy = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self._turn:
            self._busy = False
            self._turn.notify_all()

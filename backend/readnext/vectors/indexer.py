"""The vector index of the corpus, from start-up to close: opened (or rebuilt from the vector cache), kept in
step with the corpus as papers come, go and change, saved off the request path, and each save recorded in the
corpus (which texts the saved index holds) so that a restart after a crash re-adds only what it lacks."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..records.papers import Paper
from ..store.corpus import Corpus
from .embed import Embedder
from .gate import EmbeddingGate
from .index import VectorIndex
from .saver import IndexSaver

CACHE_CHUNK = 10_000  # vectors read from the cache and added to the index at a time, at start-up


class Indexer:
    def __init__(self, corpus: Corpus, embedder: Embedder, path: Path, save_every: int):
        self.corpus, self.embedder, self.path = corpus, embedder, path
        self.model = embedder.name
        self.save_every = save_every
        self.version = 0  # bumped when papers are indexed, removed or changed: derived state knows to rebuild
        self.gate = EmbeddingGate()  # the reader's page before background embedding: vectors/gate.py
        self._unsaved: dict[int, str] = {}  # label -> text hash added to the index since its last save
        self._unsaved_lock = threading.Lock()
        self._save_lock = threading.Lock()
        self.index = self._open()
        self._index_from_cache()
        self._saver = IndexSaver(self.save, lambda: len(self._unsaved), self._save_due).start()

    # --- start-up: the index, the vectors and the corpus must agree ------------------------------------------
    def _open(self) -> VectorIndex:
        index = VectorIndex.load(self.path, self.embedder.dim, self.model)
        if index is None:  # missing, damaged or another model's: rebuild from the cache, never serve wrong ids
            self.corpus.clear_indexed()
            index = VectorIndex(self.embedder.dim, self.model, capacity=max(1024, self.corpus.count()),
                                path=self.path)
        live = index.labels()
        claimed = self.corpus.indexed_labels()
        index.remove(live - claimed)  # vectors of papers that are gone, or of text that changed since
        if claimed - live:  # the corpus says indexed but the index lacks them (an older index file)
            self.corpus.mark_indexed((label, None) for label in claimed - live)
        return index

    def _index_from_cache(self) -> int:
        pending = list(self.corpus.unindexed(self.model))
        for start in range(0, len(pending), CACHE_CHUNK):
            chunk = pending[start:start + CACHE_CHUNK]
            cached = self.corpus.cached_vectors(self.model, [h for _, h in chunk])
            self.index.add([label for label, _ in chunk], np.stack([cached[h] for _, h in chunk]))
            self._mark_unsaved(chunk)
        if pending:
            self.save()
        return len(pending)

    def save(self) -> None:
        """Save the index, then record in the corpus which texts it holds (in that order: see corpus.py).
        Every addition taken here is in the index already, so in the snapshot the save writes."""
        with self._save_lock:
            with self._unsaved_lock:
                added, self._unsaved = self._unsaved, {}
            try:
                self.index.save(self.path)
            except BaseException:
                self._mark_unsaved(added.items())
                raise
            self.corpus.mark_indexed(added.items())

    def _mark_unsaved(self, entries) -> None:
        with self._unsaved_lock:
            self._unsaved.update(entries)

    def _save_due(self) -> int:
        # a save writes the whole index (seconds at a million papers): at scale, wait for 1 % of it, which a
        # restart after a crash re-adds from the vector cache in seconds
        return max(self.save_every, len(self.index) // 100)

    def close(self) -> None:
        self._saver.stop()
        if self._unsaved:
            self.save()

    # --- papers ----------------------------------------------------------------------------------------------
    def add(self, papers: list[Paper], by_user: bool = False) -> list[tuple[int, Paper]]:
        """Store papers, embed those whose text is new (each text once per model), index them. `by_user`: they
        come from the user, not from a corpus source (Corpus.upsert)."""
        result = self.corpus.upsert(papers, by_user)
        self.index.remove(result.removed)
        self.embed_and_index(result.changed)
        if result.changed or result.removed:
            self.version += 1
        return result.papers

    def store(self, papers: list[Paper]) -> list[tuple[int, Paper]]:
        """Store papers without embedding them: `embed_pending` does that later (a backfill's thousands)."""
        result = self.corpus.upsert(papers)
        self.index.remove(result.removed)
        if result.removed:
            self.version += 1
        return result.papers

    def remove(self, labels, save: bool = False) -> None:
        """Delete these papers from the corpus and the index, and save the index (also when `save`, though none
        is left to delete). Their vectors are overwritten with zeros first: hnswlib keeps a deleted vector in
        the file, and a forgotten paper's must not be read back from it."""
        present = self.index.present(labels)
        self.index.add(present, np.zeros((len(present), self.embedder.dim), np.float32))
        self.index.remove(present)
        if self.corpus.remove_labels(labels) or present:
            self.version += 1
            save = True
        if save:
            self.save()

    def embed(self, texts: list[str]) -> np.ndarray:
        """The model's vectors of these texts; one caller at a time (the model is not shared), a request before
        background work (inside `background()`), which yields between small batches."""
        return self.gate.embed(self.embedder, texts)

    def background(self):
        """A block whose embedding, in this thread, is background work: imports, backfills, following arXiv."""
        return self.gate.background()

    def embed_and_index(self, entries: list[tuple[int, Paper]]) -> None:
        if not entries:
            return
        hashes = {label: paper.content_hash() for label, paper in entries}
        cached = self.corpus.cached_vectors(self.model, hashes.values())
        missing = {hashes[label]: paper.text() for label, paper in entries if hashes[label] not in cached}
        if missing:
            fresh = dict(zip(missing.keys(), self.embed(list(missing.values()))))
            self.corpus.store_vectors(self.model, fresh)
            cached.update(fresh)
        self.index.add(list(hashes), np.stack([cached[hashes[label]] for label in hashes]))
        self._mark_unsaved(hashes.items())
        self._saver.changed()  # the saver's thread saves; no request waits for it

    def add_new(self, papers: list[Paper], vectors: np.ndarray) -> list[int]:
        """Papers known to be new whose vectors were computed elsewhere (a bulk build): no merging, no embedding."""
        labels = self.corpus.add_new(papers, self.model, vectors)
        self.index.add(labels, vectors)
        self._mark_unsaved(zip(labels, (p.content_hash() for p in papers)))
        self._saver.changed()
        self.version += 1
        return labels

    def embed_pending(self, batch: int = 64) -> int:
        """Embed stored papers that have no vector for this model yet (an interrupted import, a model change)."""
        pending = self.corpus.unembedded(self.model, limit=batch)
        with self.background():
            self.embed_and_index(pending)
        return len(pending)

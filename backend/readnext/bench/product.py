"""The product under test, driven through `ReadNext` exactly as the API drives it: the history goes in as
reading events, the recommendation comes out of `recommend` (or `score_papers` when the user comes with
candidates), and the history is forgotten before the next user. The held-out papers never go in."""
from __future__ import annotations

import itertools
import time

import numpy as np

from ..engine import ReadNext
from ..errors import ValidationError
from ..records.papers import paper_from_dict
from ..validation import MAX_K
from .data import Benchmark, BenchUser

HOUR_MS = 3_600_000
READ_SECONDS = 120  # a paper read for two minutes: a full-weight view


class Product:
    def __init__(self, engine: ReadNext, bench: Benchmark, diversify: bool = True):
        self.engine = engine
        self.bench = bench
        self.diversify = diversify
        self.prefix = bench.name
        self._ids = itertools.count()
        self._run = f"bench{time.time_ns()}"

    def paper_id(self, bench_id: str) -> str:
        return f"{self.prefix}:{bench_id}"

    def load(self, batch: int = 256, progress=None) -> np.ndarray:
        """Add the corpus (embedding only texts the home has not seen) and return its vectors in corpus order."""
        papers = [paper_from_dict({"id": self.paper_id(p["id"]), "title": p.get("title") or "",
                                   "abstract": p.get("abstract") or "",
                                   **{k: p[k] for k in ("authors", "date") if p.get(k)}}) for p in self.bench.papers]
        labels = []
        for start in range(0, len(papers), batch):
            labels += [label for label, _ in self.engine.add_papers(papers[start:start + batch])]
            if progress:
                progress(min(start + batch, len(papers)), len(papers))
        if self.engine.corpus.count() != len(papers):
            raise ValidationError(f"the home {self.engine.home} holds {self.engine.corpus.count()} papers, not the "
                                  f"benchmark's {len(papers)}: use a --home of its own")
        self.engine.save_index()
        return self.engine.index.vectors(labels)

    def _events(self, kind: str, bench_ids: list[str], now: int, **extra) -> list[dict]:
        return [{"id": f"{self._run}-{next(self._ids)}", "type": kind, "paper_id": self.paper_id(pid),
                 "ts": now - (len(bench_ids) - i) * HOUR_MS, **extra} for i, pid in enumerate(bench_ids)]

    def start(self, user: BenchUser, now: int | None = None) -> None:
        """A fresh history of the user's papers, read an hour apart before `now` (ms; default the clock)."""
        self.engine.forget(None)
        now = int(time.time() * 1000) if now is None else now
        self.engine.record(self._events("view", user.history, now, seconds=READ_SECONDS))

    def react(self, saved: list[str], dismissed: list[str]) -> None:
        now = int(time.time() * 1000)
        self.engine.record(self._events("save", saved, now) + self._events("dismiss", dismissed, now))

    def rank(self, user: BenchUser, use_context: bool) -> tuple[list[str], dict[str, float] | None]:
        """(ranking best first, scores of the candidates or None)."""
        context = {"paper_id": self.paper_id(user.context)} if use_context and user.context else None
        if user.candidates is not None:
            _, items = self.engine.score_papers([{"id": self.paper_id(c)} for c in user.candidates], context)
            scores = {self._bench_id(i.paper.id): i.score for i in items}
            return sorted(scores, key=lambda pid: -scores[pid]), scores
        result = self.engine.recommend(context, MAX_K, diversify=self.diversify, explain=False)
        return [self._bench_id(i.paper.id) for i in result.items], None

    def _bench_id(self, paper_id: str) -> str:
        return paper_id.split(":", 1)[1]

"""ReadNext as a library: the one object the API, the CLI and the benchmarks call."""
from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import numpy as np
from threadpoolctl import threadpool_limits

from . import __version__, storage
from .config import Config
from .corpus import Corpus
from .embed import Embedder, load_embedder
from .errors import NotFound, ValidationError
from .explain import Explainer
from .history import MAX_BATCH, History, parse_event
from .index import VectorIndex
from .papers import Paper, canonical_id, paper_from_dict
from .profile import Profile, build_profile
from .sparse import TermSimilarity
from .rank import DEFAULT, Context, RankSettings, Scored, profile_queries, recommend, score
from .saver import IndexSaver

MAX_K = 100
MAX_SCORE_PAPERS = 500


@dataclass
class Recommendation:
    paper: Paper
    score: float
    reasons: list[dict]
    state: str | None = None

    def to_dict(self) -> dict:
        return {"paper": self.paper.to_dict(), "score": round(self.score, 4), "reasons": self.reasons,
                "state": self.state}


@dataclass
class Recommendations:
    mode: str  # personal, context or empty
    note: str
    items: list[Recommendation] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"mode": self.mode, "note": self.note, "interests": self.interests,
                "items": [item.to_dict() for item in self.items]}


class ReadNext:
    def __init__(self, config: Config, embedder: Embedder | None = None, ranking: RankSettings = DEFAULT):
        self.config = config
        self.ranking = ranking
        # numpy's BLAS threads spin for work: on ranking's small matrices, with another thread or process on
        # the other core, they made each product ~7x slower (3 ms against 20 ms, measured on this machine)
        threadpool_limits(1, user_api="blas")
        self.home = storage.ensure_home(config.home)
        self.embedder = embedder or load_embedder(config.model, config.device)
        self.model = self.embedder.name
        self.corpus = Corpus(self.home / "papers.sqlite")
        self.terms = TermSimilarity(self.corpus)
        self.history = History(self.home)
        self.token = storage.load_or_create_token(self.home / "token")
        self.index_path = self.home / "index.hnsw"
        self._embed_lock = threading.Lock()
        self._profile_lock = threading.Lock()
        self._profile: tuple[tuple, Profile] | None = None
        self._near: tuple[Profile, int, np.ndarray] | None = None  # see _near_profile
        self._labels: tuple[int, dict[str, int | None]] = (-1, {})  # see _cached_label_of
        self._papers_version = 0
        self._unsaved: dict[int, str] = {}  # label -> text hash added to the index since its last save
        self._unsaved_lock = threading.Lock()
        self._save_lock = threading.Lock()
        self.index = self._open_index()
        self._saver = IndexSaver(self.save_index, lambda: len(self._unsaved), self._save_due).start()

    # --- start-up: the index, the vectors and the corpus must agree ------------------------------------------
    def _open_index(self) -> VectorIndex:
        index = VectorIndex.load(self.index_path, self.embedder.dim, self.model)
        if index is None:  # missing, damaged or another model's: rebuild from the cache, never serve wrong ids
            self.corpus.clear_indexed()
            index = VectorIndex(self.embedder.dim, self.model, capacity=max(1024, self.corpus.count()),
                                path=self.index_path)
        live = index.labels()
        claimed = self.corpus.indexed_labels()
        index.remove(live - claimed)  # vectors of papers that are gone, or of text that changed since
        if claimed - live:  # the corpus says indexed but the index lacks them (an older index file)
            self.corpus.mark_indexed((label, None) for label in claimed - live)
        self.index = index
        self._index_from_cache()
        return index

    def _index_from_cache(self) -> int:
        pending = list(self.corpus.unindexed(self.model))
        for start in range(0, len(pending), 10_000):
            chunk = pending[start:start + 10_000]
            cached = self.corpus.cached_vectors(self.model, [h for _, h in chunk])
            self.index.add([label for label, _ in chunk], np.stack([cached[h] for _, h in chunk]))
            self._mark_unsaved(chunk)
        if pending:
            self.save_index()
        return len(pending)

    def save_index(self) -> None:
        """Save the index, then record in the corpus which texts it holds (in that order: see corpus.py).
        Every addition taken here is in the index already, so in the snapshot the save writes."""
        with self._save_lock:
            with self._unsaved_lock:
                added, self._unsaved = self._unsaved, {}
            try:
                self.index.save(self.index_path)
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
        return max(self.config.index_save_every, len(self.index) // 100)

    def close(self) -> None:
        self._saver.stop()
        if self._unsaved:
            self.save_index()
        self.history.close()
        self.corpus.close()

    # --- papers ----------------------------------------------------------------------------------------------
    def add_papers(self, papers: list[Paper]) -> list[tuple[int, Paper]]:
        """Store papers, embed those whose text is new (each text once per model), index them."""
        result = self.corpus.upsert(papers)
        self.index.remove(result.removed)
        self.embed_and_index(result.changed)
        if result.changed or result.removed:
            self._papers_version += 1
        return result.papers

    def embed_and_index(self, entries: list[tuple[int, Paper]]) -> None:
        if not entries:
            return
        hashes = {label: paper.content_hash() for label, paper in entries}
        cached = self.corpus.cached_vectors(self.model, hashes.values())
        missing = {hashes[label]: paper.text() for label, paper in entries if hashes[label] not in cached}
        if missing:
            with self._embed_lock:
                vectors = self.embedder.embed(list(missing.values()))
            fresh = dict(zip(missing.keys(), vectors))
            self.corpus.store_vectors(self.model, fresh)
            cached.update(fresh)
        self.index.add(list(hashes), np.stack([cached[hashes[label]] for label in hashes]))
        self._mark_unsaved(hashes.items())
        self._saver.changed()  # the saver's thread saves; no request waits for it

    def add_new_papers(self, papers: list[Paper], vectors: np.ndarray) -> list[int]:
        """Papers known to be new whose vectors were computed elsewhere (a bulk build): no merging, no embedding."""
        labels = self.corpus.add_new(papers, self.model, vectors)
        self.index.add(labels, vectors)
        self._mark_unsaved(zip(labels, (p.content_hash() for p in papers)))
        self._saver.changed()
        self._papers_version += 1
        return labels

    def use_index(self, index) -> None:
        """Rank over another index with the same labels (the exact-search baseline of the speed benchmark)."""
        self.index = index
        self._papers_version += 1

    def embed_pending(self, batch: int = 64) -> int:
        """Embed stored papers that have no vector for this model yet (an interrupted import, a model change)."""
        pending = self.corpus.unembedded(self.model, limit=batch)
        self.embed_and_index(pending)
        return len(pending)

    def paper(self, paper_id: str) -> Paper:
        found = self.corpus.get(paper_id)
        if found is None:
            raise NotFound(f"no paper '{paper_id}' in the corpus")
        return found

    def in_corpus(self, paper: Paper) -> bool:
        """Whether the corpus holds this paper already, under its id or any alias (arXiv id, DOI)."""
        return any(self.corpus.label_of(i) is not None for i in (paper.id, *paper.aliases))

    # --- events ----------------------------------------------------------------------------------------------
    def record(self, raw_events: list) -> dict:
        if not isinstance(raw_events, list):
            raise ValidationError("'events' must be a list")
        if len(raw_events) > MAX_BATCH:
            raise ValidationError(f"at most {MAX_BATCH} events per request")
        now = int(time.time() * 1000)
        parsed, rejected = [], []
        for position, raw in enumerate(raw_events):
            try:
                parsed.append(parse_event(raw, now))
            except ValidationError as error:
                event_id = raw.get("id") if isinstance(raw, dict) else None
                rejected.append({"index": position, "id": event_id, "error": str(error)})
        papers = [paper for _, paper in parsed if paper is not None]
        stored = {paper.id: stored.id for paper, (_, stored) in zip(papers, self.add_papers(papers))}
        events = []
        for event, paper in parsed:
            if paper is not None:
                event.paper_id = stored[paper.id]  # a merged copy may have changed the paper's id
            events.append(event)
        fresh, duplicates = self.history.record(events)
        return {"accepted": len(fresh), "duplicates": duplicates, "rejected": rejected}

    def profile(self) -> Profile:
        key = (self.history.version, self._papers_version)
        with self._profile_lock:
            if self._profile is None or self._profile[0] != key:
                now = int(time.time() * 1000)
                self._profile = (key, build_profile(self.history.events(), self.corpus, self.index, now,
                                                    self._cached_label_of(), self.terms.words))
            return self._profile[1]

    def _cached_label_of(self):
        """corpus.label_of, remembered until the papers change (a merge can move an id to another label)."""
        if self._labels[0] != self._papers_version:
            self._labels = (self._papers_version, {})
        known = self._labels[1]

        def label_of(paper_id: str) -> int | None:
            if paper_id not in known:
                known[paper_id] = self.corpus.label_of(paper_id)
            return known[paper_id]
        return label_of

    # --- recommendations -------------------------------------------------------------------------------------
    def context(self, spec) -> Context:
        if spec is None:
            return Context()
        if not isinstance(spec, dict):
            raise ValidationError("'context' must be an object with 'paper', 'paper_id' or 'query'")
        if spec.get("paper") is not None:
            label, paper = self.add_papers([paper_from_dict(spec["paper"])])[0]
            return Context(vector=self.index.vectors([label])[0], label=label)
        if spec.get("paper_id") is not None:
            if not isinstance(spec["paper_id"], str):
                raise ValidationError("'paper_id' must be a string")
            label = self.corpus.label_of(spec["paper_id"])
            if label is None or not self.index.present([label]):
                raise NotFound(f"no paper '{spec['paper_id']}' in the corpus; send the paper itself as 'paper'")
            return Context(vector=self.index.vectors([label])[0], label=label)
        query = spec.get("query")
        if query is not None:
            if not isinstance(query, str) or not query.strip():
                raise ValidationError("'query' must be a non-empty string")
            with self._embed_lock:
                vector = self.embedder.embed([" ".join(query.split())[:1000]])[0]
            return Context(vector=vector, query=query)
        return Context()

    def recommend(self, context_spec=None, k: int = 10, diversify: bool = True,
                  explain: bool = True) -> Recommendations:
        """The k papers to read next. `diversify=False` returns them in score order and `explain=False`
        without reasons: the benchmark's way to measure the ranking itself."""
        k = _check_k(k)
        context = self.context(context_spec)
        profile = self.profile()
        mode, note = _mode(profile, context)
        if mode == "empty":
            return Recommendations(mode=mode, note=note)
        ranked = recommend(profile, context, self.index, k, self.ranking, diverse=diversify, terms=self.terms,
                           near_profile=self._near_profile(profile))
        return Recommendations(mode=mode, note=note, items=self._explained(profile, ranked, explain, context.query),
                               interests=[i.label for i in profile.interests])

    def _near_profile(self, profile: Profile):
        """The labels near this profile's queries, searched once per profile and fetch size."""
        def near(fetch: int) -> np.ndarray:
            kept = self._near
            if kept is None or kept[0] is not profile or kept[1] != fetch:
                queries = profile_queries(profile)
                labels = self.index.search(np.stack(queries), fetch)[0].ravel() if queries else np.zeros(0, np.int64)
                kept = self._near = (profile, fetch, labels)
            return kept[2]
        return near

    def score_papers(self, raw_papers, context_spec=None) -> tuple[str, list[Recommendation]]:
        """Score a page's own papers for this user, in the order given."""
        if not isinstance(raw_papers, list) or not raw_papers:
            raise ValidationError("'papers' must be a non-empty list of papers")
        if len(raw_papers) > MAX_SCORE_PAPERS:
            raise ValidationError(f"at most {MAX_SCORE_PAPERS} papers per request")
        stored = self.add_papers([paper_from_dict(p) for p in raw_papers])
        context = self.context(context_spec)
        profile = self.profile()
        mode, _ = _mode(profile, context)
        labels = np.array([label for label, _ in stored], dtype=np.int64)
        vectors = self.index.vectors(labels)
        if mode == "empty":
            scored = [Scored(int(l), 0.0, 0.0, None, None, None, 0.0, None, 0.0) for l in labels]
        else:
            by_label = {s.label: s for s in score(profile, context, labels, vectors, self.ranking, self.terms)}
            scored = [by_label[int(l)] for l in labels]  # the page's order
        return mode, self._explained(profile, scored, query=context.query)

    def _explained(self, profile: Profile, ranked: list[Scored], explain: bool = True,
                   query: str | None = None) -> list[Recommendation]:
        papers = self.corpus.by_labels([s.label for s in ranked])
        if not explain:
            return [Recommendation(paper=papers[s.label], score=s.score, reasons=[],
                                   state=profile.states.get(s.label)) for s in ranked if s.label in papers]
        words, df = self.terms.words({s.label for s in ranked} | {s.nearest for s in ranked if s.nearest})
        explainer = Explainer(profile, df, self.corpus.count(), words, query)
        return [Recommendation(paper=papers[s.label], score=s.score, reasons=explainer.reasons(s, papers[s.label]),
                               state=profile.states.get(s.label))
                for s in ranked if s.label in papers]

    # --- what the user can see, export and reset -------------------------------------------------------------
    def history_items(self, limit: int = 50, offset: int = 0) -> dict:
        profile = self.profile()
        per_paper: dict[str, dict] = {}
        for event in sorted(self.history.events(), key=lambda e: -e.ts):
            if event.paper_id is None or event.type == "impression":
                continue
            label = self.corpus.label_of(event.paper_id)
            if label is None:
                continue
            entry = per_paper.setdefault(str(label), {"label": label, "events": {}, "seconds": 0.0, "last": event.ts})
            entry["events"][event.type] = entry["events"].get(event.type, 0) + 1
            entry["seconds"] += event.seconds or 0.0
        rows = list(per_paper.values())
        page = rows[offset:offset + limit]
        papers = self.corpus.by_labels([r["label"] for r in page])
        return {"total": len(rows), "items": [
            {"paper": papers[r["label"]].to_dict(), "state": profile.states.get(r["label"]), "events": r["events"],
             "seconds": round(r["seconds"], 1), "last": r["last"]} for r in page if r["label"] in papers]}

    def forget(self, paper_id: str | None) -> int:
        if paper_id is None:
            return self.history.forget(None)
        label = self.corpus.label_of(paper_id)
        paper = self.corpus.by_labels([label]).get(label) if label is not None else None
        ids = {canonical_id(paper_id)} | ({paper.id, *paper.aliases} if paper else set())
        removed = self.history.forget(ids)
        if not removed:
            raise NotFound(f"no events for paper '{paper_id}'")
        return removed

    def profile_summary(self) -> dict:
        profile = self.profile()
        weights = dict(zip(profile.labels.tolist(), profile.weights.tolist()))
        return {
            "events": len(self.history),
            "interests": [{
                "label": i.label, "terms": i.terms, "weight": round(i.weight, 3),
                "papers": [{"id": profile.papers[l].id, "title": profile.papers[l].title,
                            "weight": round(weights[l], 3)}
                           for l in i.members[:20] if l in profile.papers]} for i in profile.interests],
            "dismissed": [{"id": profile.papers[l].id, "title": profile.papers[l].title}
                          for l, s in profile.states.items() if s == "dismissed" and l in profile.papers],
            "recent_queries": profile.queries,
        }

    def library(self, states: tuple[str, ...] = ("read", "saved", "own")) -> list[Paper]:
        """The papers of the history in these states (read, saved, own, dismissed, hidden), in the order they
        joined the corpus."""
        profile = self.profile()
        return [profile.papers[label] for label, state in sorted(profile.states.items())
                if state in states and label in profile.papers]

    def export(self) -> dict:
        events = self.history.events()
        labels = {self.corpus.label_of(e.paper_id) for e in events if e.paper_id}
        papers = self.corpus.by_labels(l for l in labels if l is not None)
        return {"version": __version__, "exported_at": datetime.now(timezone.utc).isoformat(),
                "events": [asdict(e) for e in events], "settings": self.history.settings(),
                "papers": [p.to_dict() for p in papers.values()]}

    def status(self) -> dict:
        return {"name": "readnext", "version": __version__, "model": self.model, "dim": self.embedder.dim,
                "device": getattr(self.embedder, "device", "cpu"), "corpus": self.corpus.count(),
                "index": len(self.index), "history": len(self.history), "home": str(self.home)}


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ValidationError(f"'k' must be a whole number from 1 to {MAX_K}")
    return k


def _mode(profile: Profile, context: Context) -> tuple[str, str]:
    if not profile.empty:
        return "personal", ""
    if context.present:
        return "context", "No reading history yet: ranked by the page you are reading alone."
    return "empty", "No reading history yet: read a few papers on arXiv or Scholar, or save some, to start."

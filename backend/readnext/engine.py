"""ReadNext as a library: the one object the API, the CLI and the benchmarks call."""
from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import numpy as np
from threadpoolctl import threadpool_limits

from . import __version__
from .store import storage
from .ranking.atlas import reading_map
from .learned.attribution import describe, faithful
from .learned.choices import choice_sets
from .config import Config
from .store.corpus import Corpus
from .vectors.embed import Embedder, embedder_status, load_embedder
from .errors import DamagedData, NotFound, ValidationError
from .ranking.explain import Explainer
from .store.history import MAX_BATCH, History, parse_event
from .vectors.index import VectorIndex
from .learned.learn import BackgroundTrainer, Learner
from .vectors.neighbours import Neighbourhoods
from .records.papers import Paper, canonical_id, check_text, paper_from_dict
from .ranking.profile import Profile, build_profile
from .ranking.sparse import TermSimilarity
from .ranking.rank import DEFAULT, Context, RankSettings, Scored, profile_queries, recommend, score
from .vectors.saver import IndexSaver

MAX_K = 100
MAX_SCORE_PAPERS = 500
MAX_EXCLUDE = 500  # a page's own papers, left out of its "more for you"
MAP_RECOMMENDATIONS = 20
ORDER_NOTE = ("Ordered for variety, not by score alone: a paper on another of your interests may come before one "
              "with a higher score.")


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
    def __init__(self, config: Config, embedder: Embedder | None = None, ranking: RankSettings = DEFAULT,
                 learn_in_background: bool = True):
        self.config = config
        self.ranking = ranking
        # numpy's BLAS threads spin for work: on ranking's small matrices, with another thread or process on
        # the other core, they made each product ~7x slower (3 ms against 20 ms, measured on this machine)
        threadpool_limits(1, user_api="blas")
        self.home = storage.ensure_home(config.home)
        storage.remove_temporaries(self.home)  # a killed save's; one engine writes a data directory at a time
        self.embedder = embedder or load_embedder(config)
        self.model = self.embedder.name
        self.corpus = Corpus(self.home / "papers.sqlite")
        self.terms = TermSimilarity(self.corpus)
        self.history = History(self.home)
        if self.corpus.count() == 0 and self.history.paper_copies:  # lost or replaced: the log can restore it
            raise DamagedData(self.home / "papers.sqlite", "holds no papers but events.jsonl holds copies of "
                              f"{self.history.paper_copies} papers of your history")
        self.token = storage.load_or_create_token(self.home / "token")
        self.index_path = self.home / "index.hnsw"
        self._embed_lock = threading.Lock()
        self._profile_lock = threading.Lock()
        self._profile: tuple[tuple, int, Profile] | None = None  # see profile
        self._building: tuple[int, int] | None = None  # the key of the profile being built
        self._labels: tuple[int, dict[str, int | None]] = (-1, {})  # see _cached_label_of
        self._papers_version = 0
        self._unsaved: dict[int, str] = {}  # label -> text hash added to the index since its last save
        self._unsaved_lock = threading.Lock()
        self._save_lock = threading.Lock()
        self.index = self._open_index()
        self._neighbourhoods = Neighbourhoods(self.index)
        self.learner = Learner(self.home, ranking)
        self._trainer = BackgroundTrainer(self.retrain_from_log) if learn_in_background else None
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
        if self._trainer is not None:
            self._trainer.close()
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

    def store_papers(self, papers: list[Paper]) -> list[tuple[int, Paper]]:
        """Store papers without embedding them: `embed_pending` does that later (a backfill's thousands)."""
        result = self.corpus.upsert(papers)
        self.index.remove(result.removed)
        if result.removed:
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
        self._neighbourhoods = Neighbourhoods(index)
        self._papers_version += 1

    def embed_pending(self, batch: int = 64) -> int:
        """Embed stored papers that have no vector for this model yet (an interrupted import, a model change)."""
        pending = self.corpus.unembedded(self.model, limit=batch)
        self.embed_and_index(pending)
        return len(pending)

    def embed_all_pending(self) -> int:
        """Embed and index every stored paper left without a vector, and save the index."""
        done = 0
        while count := self.embed_pending():
            done += count
        self.save_index()
        return done

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
        fresh, duplicates = self.history.record(events, self._paper_copies(events))
        if fresh and self._trainer is not None and self.history.lists:  # no list shown, no choice to learn from
            self._trainer.poke()
        return {"accepted": len(fresh), "duplicates": duplicates, "rejected": rejected}

    def _paper_copies(self, events) -> dict[str, dict]:
        """The stored papers of the events that make the history (impressions do not), for the log to keep."""
        ids = {e.paper_id for e in events if e.paper_id and e.type != "impression"}
        return {paper.id: paper.to_dict() for paper in filter(None, map(self.corpus.get, ids))}

    def profile(self) -> Profile:
        """The profile of every event acknowledged before the call. One thread builds at a time; a caller waits
        for the build under way when that build knows what the caller knows. When it does not (events came
        after it started) and only reading happened since the last profile (one more view changes a list a
        little), the last profile serves, so concurrent requests do not queue behind build after build; a save,
        a dismissal or a forget is never left out."""
        wanted = self._profile_key()
        kept = self._profile
        if kept is not None and _covers(kept[0], wanted):
            return kept[2]
        building = self._building
        if (building is not None and not _covers(building, wanted) and kept is not None
                and kept[1] == self.history.decisive_version):
            return kept[2]
        with self._profile_lock:
            kept = self._profile
            if kept is not None and _covers(kept[0], wanted):  # built meanwhile
                return kept[2]
            key, decisive = self._profile_key(), self.history.decisive_version
            self._building = key
            try:
                merges = self.history.settings().get("interest_merges", [])
                profile = build_profile(self.history.events(), self.corpus, self.index, int(time.time() * 1000),
                                        merges, self._cached_label_of(), self.terms)
            finally:
                self._building = None
            self._profile = (key, decisive, profile)
            return profile

    def _profile_key(self) -> tuple[int, int]:
        return self.history.version, self._papers_version

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
            check_text(query, "'query'")
            with self._embed_lock:
                vector = self.embedder.embed([" ".join(query.split())[:1000]])[0]
            return Context(vector=vector, query=query)
        return Context()

    def recommend(self, context_spec=None, k: int = 10, diversify: bool = True,
                  explain: bool = True, exclude=None) -> Recommendations:
        """The k papers to read next, none of those in `exclude` (ids: the papers the page already lists).
        `diversify=False` returns them in score order and `explain=False` without reasons: the benchmark's way
        to measure the ranking itself."""
        k = _check_k(k)
        excluded = self._labels_of(exclude)
        context = self.context(context_spec)
        profile = self.profile()
        mode, note = _mode(profile, context)
        if mode == "empty":
            return Recommendations(mode=mode, note=note)
        adjust = self.learner.adjuster(profile, context, self.index, self.corpus, self.terms)
        ranked = recommend(profile, context, self.index, k + len(excluded), self.ranking, diverse=diversify,
                           terms=self.terms, adjust=adjust, near_profile=self._near_profile(profile))
        ranked = [s for s in ranked if s.label not in excluded][:k]
        items = self._explained(profile, ranked, explain, context.query, adjust)
        if any(first.score < second.score for first, second in zip(items, items[1:])):
            note = " ".join(filter(None, [note, ORDER_NOTE]))  # diversification moved one up: say why
        return Recommendations(mode=mode, note=note, items=items, interests=[i.label for i in profile.interests])

    def _labels_of(self, ids) -> set[int]:
        if ids is None:
            return set()
        if not isinstance(ids, list) or len(ids) > MAX_EXCLUDE or not all(isinstance(i, str) for i in ids):
            raise ValidationError(f"'exclude' must be a list of at most {MAX_EXCLUDE} paper ids")
        return {label for label in map(self.corpus.label_of, ids) if label is not None}

    def _near_profile(self, profile: Profile):
        """The labels near this profile's queries, for a fetch size (rank.candidate_labels)."""
        queries = profile_queries(profile)
        return lambda fetch: self._neighbourhoods.near(queries, fetch)

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
        adjust = None
        if mode == "empty":
            scored = [Scored(int(l), 0.0, 0.0, None, None, None, 0.0, None, 0.0) for l in labels]
        else:
            scored = score(profile, context, labels, vectors, self.ranking, self.terms)
            adjust = self.learner.adjuster(profile, context, self.index, self.corpus, self.terms)
            by_label = {s.label: s for s in (adjust(scored) if adjust else scored)}
            scored = [by_label[int(l)] for l in labels]  # the page's order
        return mode, self._explained(profile, scored, query=context.query, adjust=adjust)

    def _explained(self, profile: Profile, ranked: list[Scored], explain: bool = True,
                   query: str | None = None, adjust=None) -> list[Recommendation]:
        papers = self.corpus.by_labels([s.label for s in ranked])
        if not explain:
            return [Recommendation(paper=papers[s.label], score=s.score, reasons=[],
                                   state=profile.states.get(s.label)) for s in ranked if s.label in papers]
        words, df = self.terms.words({s.label for s in ranked} | {s.nearest for s in ranked if s.nearest})
        explainer = Explainer(profile, df, self.corpus.count(), words, query)

        def reasons(s: Scored) -> list[dict]:
            found = explainer.reasons(s, papers[s.label])
            return faithful(found, adjust.contributions[s.label]) if adjust and s.label in adjust.contributions else found
        return [Recommendation(paper=papers[s.label], score=s.score, reasons=reasons(s),
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
        """Forget one paper's events (under any of its ids), or everything with None; the number forgotten."""
        if paper_id is None:
            return self._forget(None)
        label = self.corpus.label_of(paper_id)
        paper = self.corpus.by_labels([label]).get(label) if label is not None else None
        removed = self._forget({canonical_id(paper_id)} | ({paper.id, *paper.aliases} if paper else set()))
        if not removed:
            raise NotFound(f"no events for paper '{paper_id}'")
        return removed

    def _forget(self, paper_ids: set[str] | None) -> int:
        """The one way events are forgotten. The learned ranker was learnt from them: it goes with them, and is
        learnt again, in the background, from what is left."""
        removed = self.history.forget(paper_ids)
        if removed or paper_ids is None:
            self.learner.forget()
            if self._trainer is not None and self.history.lists:  # no list left, nothing to learn from
                self._trainer.poke()
        return removed

    def retrain_from_log(self) -> dict:
        """Train the learned ranker again from the whole event log (`readnext train`, repairs)."""
        events = self.history.events()
        sets = choice_sets(events, self.corpus.label_of)
        model = self.learner.train(events, sets, self.corpus, self.index, self.terms)
        return {"choice_sets": model.choice_sets, "chosen": model.chosen, "active": self.learner.active}

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
            "hidden": [{"id": profile.papers[l].id, "title": profile.papers[l].title}
                       for l, s in profile.states.items() if s == "hidden" and l in profile.papers],
            "recent_queries": profile.queries,
            "learned": self._learned_summary(),
        }

    def merge_interests(self, first: str, second: str) -> dict:
        """Keep the interests of these two papers (each one's heaviest paper) together from now on."""
        labels = self._labels_of([first, second])
        holders = [i for i in self.profile().interests if labels & set(i.members)]
        if len(labels) != 2 or len(holders) != 2:
            raise NotFound("name two papers of two different interests")
        merges = self.history.settings().get("interest_merges", [])
        self.history.update_settings({"interest_merges": [*merges, [first, second]]})
        with self._profile_lock:
            self._profile = None  # the settings changed, not the history: the cached profile does not know
        return self.profile_summary()

    def remove_interest(self, paper_id: str) -> int:
        """Forget every paper of the interest that holds this paper; the number of events forgotten."""
        label = self.corpus.label_of(paper_id)
        interest = next((i for i in self.profile().interests if label in i.members), None)
        if interest is None:
            raise NotFound(f"no interest holds paper '{paper_id}'")
        papers = self.corpus.by_labels(interest.members)
        return self._forget({i for p in papers.values() for i in (p.id, *p.aliases)})

    def reading_map(self) -> dict:
        profile = self.profile()
        items = self.recommend(None, MAP_RECOMMENDATIONS, explain=False).items if not profile.empty else []
        recommended = [(self.corpus.label_of(i.paper.id), i.paper.id, i.paper.title) for i in items]
        return reading_map(profile, [r for r in recommended if r[0] is not None], self.index)

    def disk_usage(self) -> dict:
        return {"home": str(self.home), "bytes": storage.disk_usage(self.home)}

    def _learned_summary(self) -> dict:
        model = self.learner.model
        if model is None:
            return {"active": False, "choice_sets": 0, "min_choice_sets": self.learner.min_sets,
                    "learned": [], "note": "Ranked by the fixed formula until you have opened papers from lists."}
        return {"active": self.learner.active, "choice_sets": model.choice_sets, "chosen": model.chosen,
                "min_choice_sets": self.learner.min_sets, "learned": describe(model.weights, model.prior)}

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

    def public_status(self) -> dict:
        """What a caller without the token may know: that ReadNext runs, and the counts the extension shows."""
        return {"name": "readnext", "version": __version__, "corpus": self.corpus.count(),
                "history": len(self.history)}

    def status(self) -> dict:
        return {"name": "readnext", "version": __version__, "model": self.model, "dim": self.embedder.dim,
                **embedder_status(self.embedder), "corpus": self.corpus.count(),
                "index": len(self.index), "history": len(self.history), "home": str(self.home)}


def _covers(built: tuple[int, int], wanted: tuple[int, int]) -> bool:
    """Whether a profile built at one (history, papers) version knows everything of another: both only grow."""
    return built[0] >= wanted[0] and built[1] >= wanted[1]


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

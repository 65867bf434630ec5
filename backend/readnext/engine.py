"""ReadNext as a library: the one object the API, the CLI and the benchmarks call. It holds the parts of one data
directory and does what takes more than one of them; views.py makes the answers' JSON."""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from . import forgetting, validation
from .config import Config
from .errors import DamagedData, NotFound
from .learned.choices import choice_sets
from .learned.learn import BackgroundTrainer, Learner
from .ranking.atlas import reading_map
from .ranking.catalogue import Catalogue
from .ranking.profile import Profile, build_profile
from .ranking.profile_cache import LabelMemo, ProfileCache, Version
from .ranking.rank import DEFAULT, Context, RankSettings
from .ranking.sparse import TermSimilarity
from .recommender import Recommendation, Recommendations, Recommender
from .records.papers import Paper, canonical_id
from .store import storage
from .store.corpus import Corpus
from .store.history import History
from .vectors.embed import Embedder, load_embedder
from .vectors.indexer import Indexer

MAP_RECOMMENDATIONS = 20


class ReadNext:
    def __init__(self, config: Config, embedder: Embedder | None = None, ranking: RankSettings = DEFAULT,
                 learn_in_background: bool = True):
        self.config = config
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
        self.indexer = Indexer(self.corpus, self.embedder, self.home / "index.hnsw", config.index_save_every)
        self.catalogue = Catalogue(self.corpus, self.indexer.index, self.terms)
        self.learner = Learner(self.home, ranking)
        self.recommender = Recommender(self.catalogue, self.learner, ranking)
        self._labels = LabelMemo(self.corpus.label_of)
        self.profiles = ProfileCache(self._build_profile, lambda: Version(self.history.version, self.indexer.version),
                                     lambda: self.history.decisive_version)
        self._trainer = BackgroundTrainer(self.retrain_from_log) if learn_in_background else None
        if (cut_short := forgetting.unfinished(self.corpus))[0]:  # a kill during a forget: finish it
            self._forget(cut_short[1], finishing=True)

    @property
    def index(self):
        """The index the ranking reads: the indexer's, unless the speed benchmark swapped in another."""
        return self.catalogue.index

    @property
    def ranking(self) -> RankSettings:
        """The score's constants; a benchmark sets them between lists to measure variants through one engine."""
        return self.recommender.settings

    @ranking.setter
    def ranking(self, settings: RankSettings) -> None:
        self.recommender.settings = settings

    def close(self) -> None:
        if self._trainer is not None:
            self._trainer.close()
        try:
            self.indexer.close()  # its last save may fail (a full disk): the files are closed all the same
        finally:
            self.history.close()
            self.corpus.close()

    # --- papers: the indexer's (vectors/indexer.py) ----------------------------------------------------------
    def add_papers(self, papers: list[Paper], by_user: bool = False) -> list[tuple[int, Paper]]:
        return self.indexer.add(papers, by_user)

    def store_papers(self, papers: list[Paper]) -> list[tuple[int, Paper]]:
        return self.indexer.store(papers)

    def add_new_papers(self, papers: list[Paper], vectors: np.ndarray) -> list[int]:
        return self.indexer.add_new(papers, vectors)

    def embed_pending(self, batch: int = 64) -> int:
        return self.indexer.embed_pending(batch)

    def embed_all_pending(self) -> int:
        """Embed and index every stored paper left without a vector, and save the index."""
        done = 0
        while count := self.embed_pending():
            done += count
        self.save_index()
        return done

    def save_index(self) -> None:
        self.indexer.save()

    def use_index(self, index) -> None:
        """Rank over another index with the same labels (the exact-search baseline of the speed benchmark)."""
        self.catalogue = replace(self.catalogue, index=index)
        self.recommender = Recommender(self.catalogue, self.learner, self.ranking)
        self.profiles.drop()  # its vectors came from the other index

    def paper(self, paper_id: str) -> Paper:
        found = self.corpus.get(paper_id)
        if found is None:
            raise NotFound(f"no paper '{paper_id}' in the corpus")
        return found

    def in_corpus(self, paper: Paper) -> bool:
        """Whether the corpus holds this paper already, under its id or any alias (arXiv id, DOI)."""
        return any(self.corpus.label_of(i) is not None for i in (paper.id, *paper.aliases))

    # --- events and the profile ------------------------------------------------------------------------------
    def record(self, raw_events) -> dict:
        batch = validation.events(raw_events, int(time.time() * 1000))
        papers = [paper for _, paper in batch.valid if paper is not None]
        stored = {paper.id: stored.id for paper, (_, stored) in zip(papers, self.add_papers(papers, by_user=True))}
        events = []
        for event, paper in batch.valid:
            if paper is not None:
                event.paper_id = stored[paper.id]  # a merged copy may have changed the paper's id
            events.append(event)
        fresh, duplicates = self.history.record(events, self._paper_copies(events))
        if fresh and self._trainer is not None and self.history.lists:  # no list shown, no choice to learn from
            self._trainer.poke()
        return {"accepted": len(fresh), "duplicates": duplicates, "rejected": batch.rejected}

    def _paper_copies(self, events) -> dict[str, dict]:
        """The stored papers of the events that make the history (impressions do not), for the log to keep."""
        ids = {e.paper_id for e in events if e.paper_id and e.type != "impression"}
        return {paper.id: paper.to_dict() for paper in filter(None, map(self.corpus.get, ids))}

    def profile(self) -> Profile:
        """The profile of every event acknowledged before the call; when a build under way may serve instead,
        or the last profile: ranking/profile_cache.py."""
        return self.profiles.get()

    def _build_profile(self) -> Profile:
        merges = self.history.settings().get("interest_merges", [])
        return build_profile(self.history.events(), self.catalogue, int(time.time() * 1000), merges,
                             self._labels.lookup(self.indexer.version))

    # --- recommendations -------------------------------------------------------------------------------------
    def context(self, spec) -> Context:
        wanted = validation.context(spec)
        if wanted.paper is not None:
            label, _ = self.add_papers([wanted.paper], by_user=True)[0]
            return Context(vector=self.index.vectors([label])[0], label=label)
        if wanted.paper_id is not None:
            label = self.corpus.label_of(wanted.paper_id)
            if label is None or not self.index.present([label]):
                raise NotFound(f"no paper '{wanted.paper_id}' in the corpus; send the paper itself as 'paper'")
            return Context(vector=self.index.vectors([label])[0], label=label)
        if wanted.query is not None:
            return Context(vector=self.indexer.embed([" ".join(wanted.query.split())[:1000]])[0], query=wanted.query)
        return Context()

    def recommend(self, context_spec=None, k: int = 10, diversify: bool = True,
                  explain: bool = True, exclude=None) -> Recommendations:
        """The k papers to read next, none of those in `exclude` (ids: the papers the page already lists).
        `diversify=False` returns them in score order and `explain=False` without reasons: the benchmark's way
        to measure the ranking itself."""
        k = validation.list_size(k)
        excluded = self._labels_of(validation.excluded(exclude))
        context = self.context(context_spec)
        return self.recommender.recommend(self.profile(), context, k, excluded, diversify, explain)

    def score_papers(self, raw_papers, context_spec=None) -> tuple[str, list[Recommendation]]:
        """Score a page's own papers for this user, in the order given."""
        stored = self.add_papers(validation.papers_to_score(raw_papers), by_user=True)
        context = self.context(context_spec)
        labels = np.array([label for label, _ in stored], dtype=np.int64)
        return self.recommender.score(self.profile(), context, labels)

    def _labels_of(self, ids: list[str]) -> set[int]:
        return {label for label in map(self.corpus.label_of, ids) if label is not None}

    def reading_map(self) -> dict:
        profile = self.profile()
        items = self.recommend(None, MAP_RECOMMENDATIONS, explain=False).items if not profile.empty else []
        recommended = [(self.corpus.label_of(i.paper.id), i.paper.id, i.paper.title) for i in items]
        return reading_map(profile, [r for r in recommended if r[0] is not None], self.index)

    def library(self, states: tuple[str, ...] = ("read", "saved", "own")) -> list[Paper]:
        """The papers of the history in these states (read, saved, own, dismissed, hidden), in the order they
        joined the corpus."""
        profile = self.profile()
        return [profile.papers[label] for label, state in sorted(profile.states.items())
                if state in states and label in profile.papers]

    # --- what the user changes: interests, forgetting, the learned ranker ------------------------------------
    def merge_interests(self, first: str, second: str) -> None:
        """Keep the interests of these two papers (each one's heaviest paper) together from now on."""
        labels = self._labels_of([first, second])
        holders = [i for i in self.profile().interests if labels & set(i.members)]
        if len(labels) != 2 or len(holders) != 2:
            raise NotFound("name two papers of two different interests")
        merges = self.history.settings().get("interest_merges", [])
        self.history.update_settings({"interest_merges": [*merges, [first, second]]})
        self.profiles.drop()  # the settings changed, not the history: the cached profile does not know

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

    def remove_interest(self, paper_id: str) -> int:
        """Forget every paper of the interest that holds this paper; the number of events forgotten."""
        label = self.corpus.label_of(paper_id)
        interest = next((i for i in self.profile().interests if label in i.members), None)
        if interest is None:
            raise NotFound(f"no interest holds paper '{paper_id}'")
        papers = self.corpus.by_labels(interest.members)
        return self._forget({i for p in papers.values() for i in (p.id, *p.aliases)})

    def _forget(self, paper_ids: set[str] | None, finishing: bool = False) -> int:
        """The one way events are forgotten, with the papers only they brought (forgetting.py). The learned ranker
        was learnt from them: it goes with them, and is learnt again, in the background, from what is left."""
        removed = forgetting.forget(self.history, self.corpus, self.indexer, paper_ids, finishing)
        if removed or paper_ids is None or finishing:
            self.learner.forget()
            if self._trainer is not None and self.history.lists:  # no list left, nothing to learn from
                self._trainer.poke()
        return removed

    def retrain_from_log(self) -> dict:
        """Train the learned ranker again from the whole event log (`readnext train`, repairs)."""
        events = self.history.events()
        model = self.learner.train(events, choice_sets(events, self.corpus.label_of), self.catalogue)
        return {"choice_sets": model.choice_sets, "chosen": model.chosen, "active": self.learner.active}


"""The corpus every session starts from, and the two in-process twins of a session's backend that give the checks
their yardsticks:

- the formula twin: the same events, in step with the browser, in a `ReadNext` that never trains (no background
  trainer, no ranker.json), so it ranks by the fixed formula, exactly as the product does before its first list
  with a choice; the states of the history's papers come from it too (the same events make the same states);
- the page-alone twin: no history at all, so its score of a paper on a page is the score from the page alone.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from ...config import Config
from ...engine import ReadNext
from ...records.papers import Paper, paper_from_dict
from ...store import storage
from ...vectors.embed import load_embedder
from .backend import move_log_back

HOME_FILES = ("papers.sqlite", "index.hnsw", "precision.json")  # a home's corpus, without anyone's history


def prepare_base(home: Path, papers: list[Paper], model: str | None, log, embedder=None) -> None:
    """A home holding `papers`, embedded and indexed, and nothing else; kept between runs (only new texts are
    embedded again)."""
    config = Config.load(home=home, model=model)
    storage.ensure_home(config.home)
    with storage.exclusive_lock(config.home / "lock"):
        engine = ReadNext(config, embedder=embedder, learn_in_background=False)
        try:
            if engine.corpus.count() and {p.id for p in papers} != {p.id for _, p in engine.corpus.iter_papers()}:
                raise ValueError(f"{home} holds another corpus: give the benchmark a --work folder of its own")
            for start in range(0, len(papers), 128):
                engine.add_papers(papers[start:start + 128])
                log(f"corpus: {min(start + 128, len(papers))} of {len(papers)} papers embedded")
            engine.save_index()
        finally:
            engine.close()


def copy_home(base: Path, target: Path) -> Path:
    """A new home with the base's corpus: its own history, token and settings to come."""
    if target.exists():
        shutil.rmtree(target)
    storage.ensure_home(target)
    for name in HOME_FILES:
        if (base / name).exists():
            shutil.copy2(base / name, target / name)
    return target


class Twins:
    def __init__(self, base: Path, work: Path, model: str | None, embedder=None):
        self.embedder = embedder or load_embedder(Config.load(home=base, model=model))
        self.model = self.embedder.name
        self._formula_home = copy_home(base, work / "formula-home")
        self.formula = self._open(self._formula_home, model)
        self.alone = self._open(copy_home(base, work / "alone-home"), model)
        self._recorded: set[str] = set()

    def _open(self, home: Path, model: str | None) -> ReadNext:
        return ReadNext(Config.load(home=home, model=model), embedder=self.embedder, learn_in_background=False)

    def catch_up(self, events: list[dict], papers: list[dict]) -> None:
        """Record in the formula twin the served backend's events it has not seen yet (they come in log order),
        with their papers as the served backend stores them (merged with the copies the pages carried), in both
        twins."""
        for twin in (self.formula, self.alone):
            twin.add_papers([paper_from_dict(p) for p in papers])
        fresh = [e for e in events if e["id"] not in self._recorded]
        for start in range(0, len(fresh), 500):
            answer = self.formula.record([_as_sent(e) for e in fresh[start:start + 500]])
            if answer["rejected"]:
                raise ValueError(f"the formula twin refused events: {answer['rejected'][:3]}")
        self._recorded.update(e["id"] for e in fresh)

    def night(self, model: str | None) -> None:
        """The formula twin's log moves a day back with the served backend's."""
        self.formula.close()
        move_log_back(self._formula_home)
        self.formula = self._open(self._formula_home, model)

    def states(self) -> dict[str, str]:
        """What each paper of the history is to the reader (read, saved, own, dismissed, hidden), by id, as the
        served backend had it: the same events make the same states."""
        profile = self.formula.profile()
        return {profile.papers[l].id: s for l, s in profile.states.items() if l in profile.papers}

    def formula_list(self, context: dict | None, exclude: list[str], k: int = 10) -> list[str]:
        return [item.paper.id for item in self.formula.recommend(context, k, exclude=exclude, explain=False).items]

    def alone_scores(self, paper_ids: list[str], context: dict | None) -> dict[str, float]:
        """The score of each paper from the page alone (no history); {} without a page."""
        if context is None or not paper_ids:
            return {}
        papers = [self.alone.paper(i).to_dict() for i in paper_ids if self.alone.in_corpus(Paper(id=i))]
        if not papers:
            return {}
        _, items = self.alone.score_papers(papers, context)
        return {item.paper.id: item.score for item in items}

    def close(self) -> None:
        self.formula.close()
        self.alone.close()


def _as_sent(event: dict) -> dict:
    """An exported event as a client sends it."""
    return {key: value for key, value in event.items() if value is not None}

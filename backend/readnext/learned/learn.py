"""The learned ranker: the fixed formula's weights (features.prior), moved by what the user chose.

A linear score over features.FEATURES, trained by gradient descent on -log softmax of each chosen paper over
its choice set (rejected papers count REJECT_WEIGHT times in the denominator; a NOISE share of opens is taken
as saying nothing about the paper; a feature without spread inside a list, features.spread, is left out of that
list, so that it teaches nothing from it), plus L2 * |w - prior|^2, so
that without choices the weights are the formula's and a few choices cannot move them far. Training happens
off the request path (BackgroundTrainer), the model lives in the home (MODEL_FILE, versioned), forgetting the
history removes it and `ReadNext.retrain_from_log` rebuilds it from the log.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from . import features
from ..store import storage
from .attribution import describe
from .choices import CHOSEN, REJECTED, ChoiceSet
from ..ranking.catalogue import Catalogue
from ..ranking.profile import build_profile
from ..ranking.rank import DEFAULT, Context, RankSettings, Scored

MODEL_FILE = "ranker.json"
FORMAT = 3  # bumped when the features or the file change: an older file is retrained from the log
# Lists with something chosen before the learned weights rank, measured by `make bench` (docs/benchmarks.md,
# "The threshold"): the smallest number from which, at every number measured, the learned ranker is at least as
# good as the formula where there is something to learn (the planted-preference simulation on arXiv records)
# and not worse by two standard errors where there is almost nothing (CiteSeer), in both halves of the users.
MIN_CHOICE_SETS = 1
L2 = 30.0  # one chosen paper moves the weights by about a tenth of their size
STEPS = 200
LEARNING_RATE, BETAS = 0.01, (0.9, 0.999)
SCALE = 20.0  # softmax temperature 1/20: a page's raw scores differ by tenths
REJECT_WEIGHT = 3.0
# Share of opens that say nothing about the paper's fit (curiosity, a misclick): a robust likelihood, so that a
# paper opened far from everything the user reads does not teach that closeness does not matter. Chosen on the
# browsing simulation's tune half against 0.1 (docs/benchmarks.md).
NOISE = 0.5
log = logging.getLogger(__name__)


@dataclass
class Model:
    weights: np.ndarray
    prior: np.ndarray
    choice_sets: int  # lists with at least one paper chosen
    chosen: int
    trained_at: int
    spread_sets: np.ndarray  # per feature, the lists in which it varied (features.spread): what it learned from

    def to_json(self) -> dict:
        return {"format": FORMAT, "features": list(features.FEATURES), "weights": self.weights.tolist(),
                "prior": self.prior.tolist(), "choice_sets": self.choice_sets,
                "chosen": self.chosen, "trained_at": self.trained_at, "spread_sets": self.spread_sets.tolist()}

    @classmethod
    def from_json(cls, data) -> Model | None:
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("features") != list(features.FEATURES):
            return None
        return cls(weights=np.array(data["weights"], np.float64), prior=np.array(data["prior"], np.float64),
                   choice_sets=int(data["choice_sets"]), chosen=int(data["chosen"]),
                   trained_at=int(data["trained_at"]),
                   spread_sets=np.array(data["spread_sets"], np.int64))


@dataclass
class Example:
    features: np.ndarray  # (papers, FEATURES)
    outcomes: np.ndarray  # CHOSEN, PASSED, REJECTED


def fit(examples: list[Example], prior: np.ndarray, l2: float = L2, steps: int = STEPS) -> np.ndarray:
    """Weights minimising the sum over chosen papers of -log P(chosen | its list) + l2 |w - prior|^2, where
    P = (1 - NOISE) softmax + NOISE / len(list): one choice
    moves them little, many consistent choices far. Full-batch Adam, written out (torch.optim's first use
    imports the compiler stack: seconds on a busy machine), deterministic."""
    import torch
    examples = [e for e in examples if (e.outcomes == CHOSEN).any() and len(e.outcomes) > 1]
    if not examples:
        return prior.copy()
    width = max(len(e.outcomes) for e in examples)
    x = torch.zeros(len(examples), width, len(prior), dtype=torch.float64)
    log_weight = torch.full((len(examples), width), -torch.inf, dtype=torch.float64)  # padding weighs nothing
    chosen = torch.zeros(len(examples), width, dtype=torch.bool)
    for i, example in enumerate(examples):
        n = len(example.outcomes)
        # a constant feature shifts every logit of the list alike: the softmax, and so the gradient, ignore it
        x[i, :n] = torch.from_numpy(np.where(features.spread(example.features), example.features, 0.0))
        log_weight[i, :n] = torch.from_numpy(np.where(example.outcomes == REJECTED, np.log(REJECT_WEIGHT), 0.0))
        chosen[i, :n] = torch.from_numpy(example.outcomes == CHOSEN)
    anchor = torch.from_numpy(prior)
    count = int(chosen.sum())
    sizes = torch.tensor([[len(e.outcomes)] for e in examples], dtype=torch.float64)
    log_uniform = np.log(NOISE) - sizes.log()  # an open that says nothing about the paper: any of the list
    weights = anchor.clone().requires_grad_()
    first, second = torch.zeros_like(anchor), torch.zeros_like(anchor)
    for step in range(1, steps + 1):
        logits = SCALE * (x * weights).sum(-1)  # not a matmul: BLAS threads on products this small only wait
        log_softmax = logits - torch.logsumexp(logits + log_weight, dim=1, keepdim=True)
        log_p = torch.logaddexp(np.log(1 - NOISE) + log_softmax, log_uniform)
        loss = (-log_p[chosen].sum() + l2 * ((weights - anchor) ** 2).sum()) / count
        (grad,) = torch.autograd.grad(loss, weights)
        first = BETAS[0] * first + (1 - BETAS[0]) * grad
        second = BETAS[1] * second + (1 - BETAS[1]) * grad ** 2
        move = (first / (1 - BETAS[0] ** step)) / ((second / (1 - BETAS[1] ** step)).sqrt() + 1e-8)
        weights = (weights - LEARNING_RATE * move).detach().requires_grad_()
    return weights.detach().numpy().copy()


class Adjuster:
    """Re-orders a ranked list with the learned weights: the formula's raw score plus (w - prior) . features, so
    the part the model did not change is the formula to the last bit. The score shown stays the formula's
    (rank.calibrate of its raw score): it means the same in every call, while the learned weights, which move
    with every choice, only order (before, a few clicks moved every figure, down to 0 %). Keeps each paper's
    contributions."""

    def __init__(self, model: Model, profile, context: Context, catalogue: Catalogue, settings: RankSettings):
        self.model, self.profile, self.context = model, profile, context
        self.catalogue, self.settings = catalogue, settings
        self.contributions: dict[int, np.ndarray] = {}

    def __call__(self, scored: list[Scored]) -> list[Scored]:
        if not scored:
            return scored
        labels = np.array([s.label for s in scored], dtype=np.int64)
        x = features.compute(self.profile, self.context, labels, self.catalogue.index.vectors(labels),
                             self.catalogue.corpus.by_labels(labels.tolist()), self.catalogue.terms, self.settings)
        delta = x @ (self.model.weights - self.model.prior)
        self.contributions = {int(l): row for l, row in zip(labels, x * self.model.weights)}
        raw = np.array([s.raw for s in scored], np.float32) + delta.astype(np.float32)  # rank.score's precision
        adjusted = [replace(s, raw=float(r)) for s, r in zip(scored, raw)]
        return [adjusted[i] for i in np.argsort(-raw, kind="stable")]


class Learner:
    """The user's model in the home, and the features of past choice sets (each is computed once)."""

    def __init__(self, home: Path, settings: RankSettings = DEFAULT, min_sets: int = MIN_CHOICE_SETS,
                 l2: float = L2):
        self.path = home / MODEL_FILE
        self.l2 = l2
        self.settings = settings
        self.min_sets = min_sets
        self.lock = threading.Lock()
        self._generation = 0  # bumped by forget: a training that started before must not save
        self._cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self.model = Model.from_json(storage.read_json(self.path)) if self.path.exists() else None

    @property
    def active(self) -> bool:
        return self.model is not None and self.model.choice_sets >= self.min_sets

    def claims(self) -> list[str]:
        """What the model says it learned, in words (attribution.describe): only once it ranks (min_sets
        lists with a choice), and of a feature only when it varied in that many of them."""
        model = self.model
        if model is None or not self.active:
            return []
        return describe(model.weights, model.prior, supported=model.spread_sets >= self.min_sets)

    def forget(self) -> None:
        with self.lock:
            self._generation += 1
            self._cache.clear()
            self.model = None
            storage.remove(self.path)

    def train(self, events, sets: list[ChoiceSet], catalogue: Catalogue) -> Model:
        with self.lock:
            generation = self._generation
        examples = [e for e in (self._example(events, s, catalogue) for s in sets) if e is not None]
        prior = features.prior(self.settings)
        if not examples:  # nothing chosen yet: the formula ranks, and no file says otherwise
            with self.lock:
                if generation == self._generation and self.model is not None:
                    self.model = None
                    storage.remove(self.path)
            return Model(prior, prior, 0, 0, int(time.time() * 1000), np.zeros(len(prior), np.int64))
        weights = fit(examples, prior, self.l2)
        model = Model(weights=weights, prior=prior, choice_sets=len(examples),
                      chosen=int(sum((e.outcomes == CHOSEN).sum() for e in examples)),
                      trained_at=int(time.time() * 1000),
                      spread_sets=np.sum([features.spread(e.features) for e in examples], axis=0).astype(np.int64))
        with self.lock:
            if generation == self._generation:
                storage.atomic_write_json(self.path, model.to_json())
                self.model = model
        return model

    def _example(self, events, choice: ChoiceSet, catalogue: Catalogue) -> Example | None:
        """The set's features with the profile as it was when the list was shown (so an opened paper is not
        its own nearest history paper); papers already read, saved or dismissed by then are left out."""
        if CHOSEN not in choice.outcomes:
            return None
        key = (choice.key, tuple(choice.labels))
        if key not in self._cache:
            before = [e for e in events if e.ts < choice.ts]
            profile = build_profile(before, catalogue, choice.ts)
            present = set(catalogue.index.present(choice.labels))
            keep = np.array([i for i, l in enumerate(choice.labels) if l not in profile.states and l in present],
                            dtype=np.int64)
            labels = np.array(choice.labels, dtype=np.int64)[keep]
            x = features.compute(profile, Context(), labels, catalogue.index.vectors(labels),
                                 catalogue.corpus.by_labels(labels.tolist()), catalogue.terms, self.settings,
                                 today=_day(choice.ts), positions=keep)
            self._cache[key] = (keep, x)
        keep, x = self._cache[key]
        outcomes = np.array(choice.outcomes, dtype=np.int64)[keep]
        return Example(x, outcomes) if (outcomes == CHOSEN).any() and len(outcomes) > 1 else None

    def adjuster(self, profile, context: Context, catalogue: Catalogue) -> Adjuster | None:
        model = self.model
        if model is None or not self.active or profile.empty:
            return None
        return Adjuster(model, profile, context, catalogue, self.settings)


def _day(ts_ms: int) -> date:
    return datetime.fromtimestamp(ts_ms / 1000, timezone.utc).date()


class BackgroundTrainer:
    """Runs `work` on its own thread after each poke, never inside a request; pokes during a run coalesce."""

    def __init__(self, work):
        self._work = work
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def poke(self) -> None:
        with self._lock:
            if self._closed:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="readnext-train", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self._closed:
                return
            self._wake.clear()
            try:
                self._work()
            except Exception:  # a failed training leaves the last model in place; the server goes on
                log.exception("training the ranker failed")

    def close(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout)

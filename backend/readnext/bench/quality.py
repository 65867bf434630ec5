"""`readnext bench quality`: the product's ranking and today's baselines on one benchmark, in one run.

Every method ranks the same candidates: the whole corpus minus the history (and minus the context page when
the context is given), or exactly a user's `candidates`. Two settings: `history` (the reading history alone)
and `context` (the history and the page being read). Feedback mode: the simulated user saves the relevant
papers of the first ten shown and dismisses the first two irrelevant ones; the list is ranked again and both
lists are scored on the relevant papers not yet found (the residual collection), so the gain is not the
saved papers counted twice.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import numpy as np

from . import metrics
from .baselines import DenseMeanBaseline, RandomBaseline, TfidfMeanBaseline, TfidfSvmBaseline
from .data import Benchmark, BenchUser
from .product import Product

TOP = 10
RANKED = 100  # ids written per whole-corpus user (FORMAT.md asks for at least 100)
METRICS = ("recall@10", "recall@20", "ndcg@10", "mrr", "ils@10", "coverage", "ms/user")


@dataclass
class Result:
    method: str
    setting: str
    per_user: list[dict] = field(default_factory=list)
    top_lists: list[list[str]] = field(default_factory=list)
    similarities: list[float] = field(default_factory=list)
    seconds: float = 0.0
    predictions: dict = field(default_factory=dict)

    def add(self, user: BenchUser, ranking: list[str], scores: dict | None, vectors, rows) -> None:
        self.per_user.append(metrics.user_metrics(ranking, user.relevant))
        top = ranking[:TOP]
        self.top_lists.append(top)
        self.similarities.append(metrics.intra_list_similarity(vectors[[rows[p] for p in top]]))
        self.predictions[user.user] = scores if scores is not None else ranking[:RANKED]

    def summary(self, corpus_size: int) -> dict:
        n = max(len(self.per_user), 1)
        row = {name: sum(u[name] for u in self.per_user) / n for name in ("recall@10", "recall@20", "ndcg@10", "mrr")}
        row["ils@10"] = float(np.mean(self.similarities)) if self.similarities else 0.0
        row["coverage"] = metrics.coverage(self.top_lists, corpus_size)
        row["ms/user"] = 1000 * self.seconds / n
        return {"method": self.method, "setting": self.setting, **{k: round(v, 4) for k, v in row.items()}}


def candidate_rows(bench: Benchmark, user: BenchUser, use_context: bool) -> np.ndarray:
    if user.candidates is not None:
        return np.array([bench.rows[c] for c in user.candidates], dtype=np.int64)
    excluded = [bench.rows[h] for h in user.history]
    if use_context and user.context is not None:
        excluded.append(bench.rows[user.context])
    keep = np.ones(len(bench.papers), dtype=bool)
    keep[excluded] = False
    return np.flatnonzero(keep)


def run_baseline(bench: Benchmark, method, setting: str, vectors: np.ndarray) -> Result:
    result = Result(method.name, setting)
    ids = [p["id"] for p in bench.papers]
    for user in bench.users:
        use_context = setting == "context" and user.context is not None
        started = time.perf_counter()
        candidates = candidate_rows(bench, user, use_context)
        scores = method.scores([bench.rows[h] for h in user.history],
                               bench.rows[user.context] if use_context else None, candidates)
        order = candidates[np.argsort(-scores, kind="stable")[:RANKED]]
        result.seconds += time.perf_counter() - started
        ranking = [ids[r] for r in order]
        given = {ids[r]: float(s) for r, s in zip(candidates, scores)} if user.candidates is not None else None
        result.add(user, ranking, given, vectors, bench.rows)
    return result


def run_product(bench: Benchmark, product: Product, name: str, setting: str, vectors: np.ndarray,
                feedback: list | None = None) -> Result:
    result = Result(name, setting)
    for user in bench.users:
        use_context = setting == "context"
        started = time.perf_counter()
        product.start(user)
        ranking, scores = product.rank(user, use_context)
        result.seconds += time.perf_counter() - started
        result.add(user, ranking, scores, vectors, bench.rows)
        if feedback is not None:
            feedback.append(_feedback_round(product, user, ranking, use_context))
    return result


def _feedback_round(product: Product, user: BenchUser, first: list[str], use_context: bool) -> dict | None:
    shown = first[:TOP]
    saved = [p for p in shown if user.relevant.get(p, 0) > 0]
    dismissed = [p for p in shown if user.relevant.get(p, 0) <= 0][:2]
    rest = {p: g for p, g in user.relevant.items() if p not in saved}
    if not any(g > 0 for g in rest.values()):
        return None  # everything relevant was found in the first list: nothing left to learn
    product.react(saved, dismissed)
    second, _ = product.rank(user, use_context)
    touched = set(saved) | set(dismissed)
    before = [p for p in first if p not in touched]
    return {"before": metrics.user_metrics(before, rest), "after": metrics.user_metrics(second, rest)}


def feedback_summary(name: str, setting: str, rounds: list) -> dict:
    rounds = [r for r in rounds if r is not None]
    row = {"method": name, "setting": setting, "users": len(rounds)}
    for key in ("recall@10", "recall@20", "ndcg@10", "mrr"):
        before = float(np.mean([r["before"][key] for r in rounds])) if rounds else 0.0
        after = float(np.mean([r["after"][key] for r in rounds])) if rounds else 0.0
        row[key] = {"before": round(before, 4), "after": round(after, 4), "gain": round(after - before, 4)}
    return row


def format_table(rows: list[dict]) -> str:
    lines = [f"| {'method':<26} | {'setting':<7} | " + " | ".join(f"{m:>9}" for m in METRICS) + " |",
             "|---|---|" + "---|" * len(METRICS)]
    for row in rows:
        cells = [f"{row[m]:>9.3f}" if m != "ms/user" else f"{row[m]:>9.1f}" for m in METRICS]
        lines.append(f"| {row['method']:<26} | {row['setting']:<7} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_feedback(rows: list[dict]) -> str:
    lines = ["| method | setting | users | recall@10 before → after | recall@20 before → after | "
             "nDCG@10 before → after |", "|---|---|---|---|---|---|"]
    for row in rows:
        cells = [f"{row[k]['before']:.3f} → {row[k]['after']:.3f} ({row[k]['gain']:+.3f})"
                 for k in ("recall@10", "recall@20", "ndcg@10")]
        lines.append(f"| {row['method']} | {row['setting']} | {row['users']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def baselines(bench: Benchmark, vectors: np.ndarray, seed: int = 0) -> list:
    texts = [bench.text(row) for row in range(len(bench.papers))]
    return [RandomBaseline(seed), TfidfMeanBaseline(texts), TfidfSvmBaseline(texts), DenseMeanBaseline(vectors)]


def run_quality(bench: Benchmark, engine, variants: dict, settings: list[str], with_baselines: bool = True,
                feedback: bool = True, log=print) -> dict:
    """Everything in one run; `variants` maps a product name to its ranking settings and list order."""
    product = Product(engine, bench)
    vectors = product.load(progress=lambda done, total: log(f"corpus {done}/{total}") if done == total else None)
    settings = [s for s in settings if s == "history" or any(u.context for u in bench.users)]
    rows, feedback_rows, predictions = [], [], {}
    for setting in settings:
        for method in baselines(bench, vectors) if with_baselines else []:
            rows.append(run_baseline(bench, method, setting, vectors).summary(len(bench.papers)))
            log(f"  {method.name} [{setting}] done")
        for name, (ranking, diversify) in variants.items():
            engine.ranking, product.diversify = ranking, diversify
            rounds = [] if feedback and diversify else None  # feedback acts on the list users see
            result = run_product(bench, product, name, setting, vectors, rounds)
            rows.append(result.summary(len(bench.papers)))
            predictions.setdefault(name, {})[setting] = result.predictions
            if rounds is not None:
                feedback_rows.append(feedback_summary(name, setting, rounds))
            log(f"  {name} [{setting}] done")
    engine.forget(None)
    return {"benchmark": bench.name, "users": len(bench.users), "papers": len(bench.papers), "results": rows,
            "feedback": feedback_rows, "predictions": predictions}


def report(outcome: dict) -> str:
    """The tables, then the metrics as one JSON object on the last line."""
    text = [f"{outcome['benchmark']}: {outcome['users']} users, {outcome['papers']} papers", "",
            format_table(outcome["results"])]
    if outcome["feedback"]:
        text += ["", "Feedback (residual collection: relevant papers not yet saved):",
                 format_feedback(outcome["feedback"])]
    summary = {k: v for k, v in outcome.items() if k != "predictions"}
    return "\n".join(text + ["", json.dumps(summary, separators=(",", ":"))])

"""The browsing simulation of `readnext bench quality --browse`: does the ranking learn from what a user opens?

After the history, each user sees PAGES pages of PAGE_SIZE papers: FROM_LIST papers of the product's own list
(today's formula, with what was opened so far in the history) mixed with random corpus papers, shuffled, as a
daily listing is. The user opens a relevant paper with probability OPEN_RELEVANT and any other with OPEN_OTHER,
both times an examination probability that falls with the position (position bias). Each page reaches the
engine as the extension sends it (impressions of one page address, a `view` of each opened paper) and the
learned ranker is trained on the choice sets after each page, as the background trainer would.

After 0, 1, 3 and 5 pages three methods rank the corpus minus the history, the context and everything shown,
scored on the relevant papers never shown: the fixed formula (today's behaviour: opened papers join the
history), the learned ranker (the same engine with its model; min_sets 1), and arxiv-sanity's TF-IDF SVM
retrained with the history and the opened papers as positives. Users are split, seeded, into a tune half and
a report half.
"""
from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from ..engine import MAX_K
from . import metrics
from .baselines import TfidfSvmBaseline
from .data import Benchmark, BenchUser
from .product import HOUR_MS, Product

PAGES, PAGE_SIZE, FROM_LIST = 5, 25, 10
OPEN_RELEVANT, OPEN_OTHER = 0.8, 0.02
CHECKPOINTS = (0, 1, 3, 5)
METHODS = ("formula", "learned", "svm")
OPEN_SECONDS = 60
NEVER = 10**9  # min_sets that keeps the learned weights out: the fixed formula


def split(users: list[BenchUser], seed: int = 0) -> tuple[list[BenchUser], list[BenchUser]]:
    """(tune half, report half), the same for a seed."""
    order = np.random.default_rng(seed).permutation(len(users))
    half = len(users) // 2
    return [users[i] for i in sorted(order[:half])], [users[i] for i in sorted(order[half:])]


def examined(position: int) -> float:
    """Chance the user looks at a paper this far down a page."""
    return 0.9 ** (position / 4)


class Browsing:
    def __init__(self, bench: Benchmark, product: Product, seed: int = 0):
        self.bench, self.product, self.engine = bench, product, product.engine
        self.seed = seed
        self.ids = [p["id"] for p in bench.papers]
        self.svm = TfidfSvmBaseline([bench.text(r) for r in range(len(bench.papers))])

    def run(self, users: list[BenchUser], settings: tuple[str, ...], log=print) -> dict:
        """{(setting, method, pages): [per-user metrics]} plus the page statistics."""
        results: dict = defaultdict(list)
        stats = defaultdict(float)
        for number, user in enumerate(users):
            self._user(number, user, settings, results, stats)
            if (number + 1) % 10 == 0:
                log(f"  browsing {number + 1}/{len(users)}")
        self.engine.learner.min_sets = NEVER
        self.engine.forget(None)
        return {"results": results, "stats": dict(stats), "users": len(users)}

    def _user(self, number: int, user: BenchUser, settings, results, stats) -> None:
        rng = np.random.default_rng([self.seed, number])
        product, engine = self.product, self.engine
        product.start(user)
        start = int(time.time() * 1000)
        shown: set[str] = set()
        opened: list[str] = []
        self._evaluate(user, settings, 0, shown, opened, results)
        for page in range(1, PAGES + 1):
            papers = self._page(user, shown, rng)
            ts = start + page * 3 * HOUR_MS
            chosen = [p for pos, p in enumerate(papers)
                      if rng.random() < examined(pos) * (OPEN_RELEVANT if user.relevant.get(p, 0) > 0 else OPEN_OTHER)]
            engine.record([{"id": f"{product._run}-{number}-{page}-i{pos}", "type": "impression",
                            "paper_id": product.paper_id(p), "url": f"https://bench/{user.user}/{page}",
                            "ts": ts + pos} for pos, p in enumerate(papers)]
                          + [{"id": f"{product._run}-{number}-{page}-v{i}", "type": "view", "seconds": OPEN_SECONDS,
                              "paper_id": product.paper_id(p), "ts": ts + 60_000 + i} for i, p in enumerate(chosen)])
            shown.update(papers)
            opened += chosen
            stats["pages"] += 1
            stats["opened"] += len(chosen)
            stats["opened relevant"] += sum(user.relevant.get(p, 0) > 0 for p in chosen)
            engine.retrain_from_log()
            if page in CHECKPOINTS:
                self._evaluate(user, settings, page, shown, opened, results)

    def _page(self, user: BenchUser, shown: set[str], rng) -> list[str]:
        """FROM_LIST papers of today's list not shown before, random unseen papers, shuffled."""
        self.engine.learner.min_sets = NEVER
        listed = [self.product._bench_id(i.paper.id)
                  for i in self.engine.recommend(None, min(MAX_K, 2 * FROM_LIST + len(shown)), explain=False).items]
        page = [p for p in listed if p not in shown][:FROM_LIST]
        taken = set(user.history) | {user.context} | shown | set(page)
        pool = [p for p in rng.permutation(self.ids).tolist()[:4 * PAGE_SIZE] if p not in taken]
        page += pool[:PAGE_SIZE - len(page)]
        return [page[i] for i in rng.permutation(len(page))]

    def _evaluate(self, user: BenchUser, settings, pages: int, shown: set[str], opened: list[str], results) -> None:
        target = {p: g for p, g in user.relevant.items() if p not in shown}
        if not any(g > 0 for g in target.values()):
            return
        for setting in settings:
            use_context = setting == "context" and user.context is not None
            for method in METHODS:
                ranking = [p for p in self._rank(method, user, use_context, opened) if p not in shown]
                results[(setting, method, pages)].append(metrics.user_metrics(ranking, target))

    def _rank(self, method: str, user: BenchUser, use_context: bool, opened: list[str]) -> list[str]:
        if method == "svm":
            rows = self.bench.rows
            positives = [rows[p] for p in user.history + opened]
            excluded = set(positives) | ({rows[user.context]} if use_context else set())
            candidates = np.array([r for r in range(len(self.ids)) if r not in excluded], dtype=np.int64)
            scores = self.svm.scores(positives, rows[user.context] if use_context else None, candidates)
            return [self.ids[r] for r in candidates[np.argsort(-scores, kind="stable")[:MAX_K + 2 * PAGE_SIZE]]]
        self.engine.learner.min_sets = 1 if method == "learned" else NEVER
        ranking, _ = self.product.rank(user, use_context)
        return ranking


def summary(outcome: dict) -> list[dict]:
    rows = []
    for (setting, method, pages), per_user in sorted(outcome["results"].items(),
                                                     key=lambda kv: (kv[0][0], kv[0][2], METHODS.index(kv[0][1]))):
        rows.append({"setting": setting, "pages": pages, "method": method, "users": len(per_user),
                     **{k: round(float(np.mean([u[k] for u in per_user])), 4) for k in ("recall@20", "ndcg@10")}})
    return rows


def format_browsing(rows: list[dict]) -> str:
    lines = ["| setting | pages | method | users | recall@20 | nDCG@10 |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['setting']} | {r['pages']} | {r['method']} | {r['users']} | {r['recall@20']:.3f} | "
              f"{r['ndcg@10']:.3f} |" for r in rows]
    return "\n".join(lines)

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

from ..validation import MAX_K
from ..errors import ValidationError
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
    pages, page_size, from_list, checkpoints = PAGES, PAGE_SIZE, FROM_LIST, CHECKPOINTS

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

    def opens(self, user: BenchUser, paper: str) -> float:
        """Chance the user opens a paper they looked at."""
        return OPEN_RELEVANT if user.relevant.get(paper, 0) > 0 else OPEN_OTHER

    def checkpoint(self, page: int, sets: int) -> int | None:
        """The row this moment is scored in (pages here; a subclass may count choice sets), or None."""
        return page if page in self.checkpoints else None

    def _user(self, number: int, user: BenchUser, settings, results, stats) -> None:
        rng = np.random.default_rng([self.seed, number])
        product, engine = self.product, self.engine
        # The whole session in the past, the last page about now: the event log refuses events more than a day
        # ahead of the clock (the pages are 3 hours apart), and the history comes before the first page.
        start = int(time.time() * 1000) - (self.pages + 1) * 3 * HOUR_MS
        product.start(user, now=start)
        shown: set[str] = set()
        opened: list[str] = []
        done = {0}
        self._evaluate(user, settings, 0, 0, shown, opened, results)
        for page in range(1, self.pages + 1):
            papers = self._page(user, shown, rng)
            ts = start + page * 3 * HOUR_MS
            chosen = [p for pos, p in enumerate(papers) if rng.random() < examined(pos) * self.opens(user, p)]
            answer = engine.record([{"id": f"{product._run}-{user.user}-{page}-i{pos}", "type": "impression",
                            "paper_id": product.paper_id(p), "url": f"https://bench/{user.user}/{page}",
                            "ts": ts + pos} for pos, p in enumerate(papers)]
                          + [{"id": f"{product._run}-{user.user}-{page}-v{i}", "type": "view", "seconds": OPEN_SECONDS,
                              "paper_id": product.paper_id(p), "ts": ts + 60_000 + i} for i, p in enumerate(chosen)])
            if answer["rejected"]:  # a simulation that loses its own events measures something else
                raise ValidationError(f"the simulation's events were refused: {answer['rejected'][0]['error']}")
            shown.update(papers)
            opened += chosen
            stats["pages"] += 1
            stats["opened"] += len(chosen)
            stats["opened relevant"] += sum(user.relevant.get(p, 0) > 0 for p in chosen)
            sets = engine.retrain_from_log()["choice_sets"]
            key = self.checkpoint(page, sets)
            if key is not None and key not in done:
                done.add(key)
                self._evaluate(user, settings, key, sets, shown, opened, results)
            if done >= set(self.checkpoints):
                break

    def _page(self, user: BenchUser, shown: set[str], rng) -> list[str]:
        """FROM_LIST papers of today's list not shown before, random unseen papers, shuffled."""
        self.engine.learner.min_sets = NEVER
        listed = [self.product._bench_id(i.paper.id)
                  for i in self.engine.recommend(None, min(MAX_K, 2 * self.from_list + len(shown)), explain=False).items]
        page = [p for p in listed if p not in shown][:self.from_list]
        taken = set(user.history) | {user.context} | shown | set(page)
        pool = [p for p in rng.permutation(self.ids).tolist() if p not in taken]
        page += pool[:self.page_size - len(page)]
        return [page[i] for i in rng.permutation(len(page))]

    def _evaluate(self, user: BenchUser, settings, key: int, sets: int, shown: set[str], opened: list[str],
                  results) -> None:
        target = {p: g for p, g in user.relevant.items() if p not in shown}
        if not any(g > 0 for g in target.values()):
            return
        for setting in settings:
            use_context = setting == "context" and user.context is not None
            for method in METHODS:
                ranking = [p for p in self._rank(method, user, use_context, opened) if p not in shown]
                results[(setting, method, key)].append({**metrics.user_metrics(ranking, target), "sets": sets})

    def _rank(self, method: str, user: BenchUser, use_context: bool, opened: list[str]) -> list[str]:
        if method == "svm":
            rows = self.bench.rows
            positives = [rows[p] for p in user.history + opened]
            excluded = set(positives) | ({rows[user.context]} if use_context else set())
            candidates = np.array([r for r in range(len(self.ids)) if r not in excluded], dtype=np.int64)
            scores = self.svm.scores(positives, rows[user.context] if use_context else None, candidates)
            return [self.ids[r] for r in candidates[np.argsort(-scores, kind="stable")[:MAX_K + self.pages * self.page_size]]]
        self.engine.learner.min_sets = 1 if method == "learned" else NEVER
        ranking, _ = self.product.rank(user, use_context)
        return ranking


def summary(outcome: dict) -> list[dict]:
    """Mean metrics per (setting, checkpoint, method), with the mean number of choice sets the model had."""
    rows = []
    for (setting, method, key), per_user in sorted(outcome["results"].items(),
                                                   key=lambda kv: (kv[0][0], kv[0][2], METHODS.index(kv[0][1]))):
        rows.append({"setting": setting, "at": key, "method": method, "users": len(per_user),
                     **{k: round(float(np.mean([u[k] for u in per_user])), 4) for k in ("sets", "recall@20", "ndcg@10")}})
    return rows


def format_browsing(rows: list[dict], at: str = "pages") -> str:
    lines = [f"| setting | {at} | method | users | mean choice sets | recall@20 | nDCG@10 |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['setting']} | {r['at']} | {r['method']} | {r['users']} | {r['sets']:.1f} | {r['recall@20']:.3f} | "
              f"{r['ndcg@10']:.3f} |" for r in rows]
    return "\n".join(lines)


def gains_by_sets(outcome: dict) -> list[dict]:
    """Learned minus formula, paired per user, grouped by the number of choice sets the model had (every
    checkpoint after the first page), with the standard error of the mean difference."""
    groups: dict = defaultdict(lambda: defaultdict(list))
    for (setting, method, key), learned in outcome["results"].items():
        if method != "learned" or key == 0:
            continue
        for mine, formula in zip(learned, outcome["results"][(setting, "formula", key)]):
            for metric in ("recall@20", "ndcg@10"):
                groups[(setting, mine["sets"])][metric].append(mine[metric] - formula[metric])
    rows = []
    for (setting, sets), diffs in sorted(groups.items()):
        row = {"setting": setting, "sets": sets, "users": len(diffs["recall@20"])}
        for metric, values in diffs.items():
            error = float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("inf")
            row[metric] = (float(np.mean(values)), error)
        rows.append(row)
    return rows


def format_gains(rows: list[dict]) -> str:
    lines = ["| setting | choice sets | user-checkpoints | recall@20 learned - formula | nDCG@10 learned - formula |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['setting']} | {r['sets']} | {r['users']} | {r['recall@20'][0]:+.3f} ± {r['recall@20'][1]:.3f} | "
              f"{r['ndcg@10'][0]:+.3f} ± {r['ndcg@10'][1]:.3f} |" for r in rows]
    return "\n".join(lines)

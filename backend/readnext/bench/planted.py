"""The planted-preference browsing simulation of `readnext bench quality`: from how many choice sets does the
learned ranker beat the formula when there is something to learn?

On CiteSeer (browsing.py) a user has 2-3 relevant papers and no authors or dates, so a per-user model has
almost nothing to learn. Here the papers are real arXiv records (../shared/data/arxiv-sample.jsonl: titles,
abstracts, authors, dates) and the simulated researcher has a preference the formula cannot see but the
features can: an AREA researcher who has read HISTORY older papers of the area and, besides the topic, wants
new work. Every paper of the area dated NEW_SINCE or later is relevant and opened with OPEN_RELEVANT when looked
at; an older paper of the area (the topic without the preference) with OPEN_AREA; anything else with
OPEN_OTHER, all times browsing.examined(position). The pages are PAGE_SIZE papers: FROM_LIST of the formula's
own list and random unseen papers, shuffled. The methods are scored, as on CiteSeer, on the relevant papers
never shown, each time the model reaches one of CHECKPOINTS choice sets (lists with something opened).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .browsing import Browsing
from ..errors import ValidationError
from .data import Benchmark, BenchUser

AREA, NEW_SINCE = "astro-ph", "2020"
USERS, HISTORY = 100, 5
OPEN_RELEVANT, OPEN_AREA, OPEN_OTHER = 0.8, 0.1, 0.02
PAGES, PAGE_SIZE, FROM_LIST = 40, 10, 4
CHECKPOINTS = (0, 1, 2, 3, 4, 6, 8, 10, 12, 15, 20)


def area_of(record: dict) -> str:
    return (record.get("primary_category") or "").split(".")[0]


def planted_benchmark(records: list[dict], users: int = USERS, seed: int = 0, area: str = AREA,
                      new_since: str = NEW_SINCE, history: int = HISTORY) -> Benchmark:
    """Researchers of `area` with `history` older papers of it read; relevant: the area's papers from
    `new_since` on. Papers keep their authors and dates (the features see them; the formula does not)."""
    papers = [{"id": r["id"], "title": r.get("title") or "", "abstract": r.get("abstract") or "",
               "authors": list(r.get("authors_list") or []), "date": r.get("date"), "area": area_of(r)}
              for r in records]
    new = [p["id"] for p in papers if p["area"] == area and (p["date"] or "") >= new_since]
    old = [p["id"] for p in papers if p["area"] == area and p["date"] and p["date"] < new_since]
    if len(new) < 2 * history or len(old) < 2 * history:
        raise ValidationError(f"the sample has {len(new)} new and {len(old)} older {area} papers: too few to simulate")
    rng = np.random.default_rng(seed)
    people = [BenchUser(user=f"{area}-{n}", history=sorted(rng.choice(old, history, replace=False).tolist()),
                        relevant={pid: 1.0 for pid in new}) for n in range(users)]
    return Benchmark(name="arxivsample", papers=papers, users=people)


def load_sample(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


class Planted(Browsing):
    pages, page_size, from_list, checkpoints = PAGES, PAGE_SIZE, FROM_LIST, CHECKPOINTS

    def __init__(self, bench: Benchmark, product, seed: int = 0, area: str = AREA):
        super().__init__(bench, product, seed)
        self.in_area = {p["id"] for p in bench.papers if p["area"] == area}

    def opens(self, user: BenchUser, paper: str) -> float:
        if user.relevant.get(paper, 0) > 0:
            return OPEN_RELEVANT
        return OPEN_AREA if paper in self.in_area else OPEN_OTHER

    def checkpoint(self, page: int, sets: int) -> int | None:
        """Scored by choice sets, not pages: a page adds at most one."""
        return sets if sets in self.checkpoints else None


def threshold(planted: list[dict], citeseer: list[dict], noise: float = 2.0) -> tuple[int | None, list[str]]:
    """(MIN_CHOICE_SETS as measured, the table it follows from). `planted`: browsing.summary rows of this
    simulation (`at` = choice sets); `citeseer`: browsing.gains_by_sets rows. A number of choice sets passes
    when here the learned ranker's mean recall@20 and nDCG@10 are at least the formula's, and on CiteSeer no
    setting has learned minus formula below -noise standard errors. The threshold is the smallest measured
    number past the last that fails (None: none past it, the formula keeps ranking)."""
    means = {(r["at"], r["method"]): r for r in planted if r["setting"] == "history"}
    measured = sorted(({at for at, _ in means} | {r["sets"] for r in citeseer}) - {0})
    lines = ["| choice sets | planted: learned - formula, recall@20 / nDCG@10 | CiteSeer: worst learned - formula "
             "(in standard errors) | passes |", "|---|---|---|---|"]
    failing = []
    for sets in measured:
        learned, formula = means.get((sets, "learned")), means.get((sets, "formula"))
        gains = [(r[m][0], _errors(*r[m])) for r in citeseer if r["sets"] == sets for m in ("recall@20", "ndcg@10")]
        worst = min(gains, key=lambda g: g[1]) if gains else None
        ok = ((learned is None or all(learned[m] >= formula[m] for m in ("recall@20", "ndcg@10")))
              and (worst is None or worst[1] >= -noise))
        failing += [] if ok else [sets]
        lines.append(f"| {sets} | " + (f"{learned['recall@20'] - formula['recall@20']:+.3f} / "
                                       f"{learned['ndcg@10'] - formula['ndcg@10']:+.3f}" if learned else "not reached")
                     + " | " + (f"{worst[0]:+.3f} ({worst[1]:+.1f})" if worst else "not reached")
                     + f" | {'yes' if ok else 'no'} |")
    past = [s for s in measured if not failing or s > max(failing)]
    return (past[0] if past else None), lines


def _errors(mean: float, error: float) -> float:
    """The mean in standard errors; a difference every user shares (no spread) counts in full."""
    return mean / error if error > 0 else 0.0 if mean == 0 else float(np.copysign(np.inf, mean))

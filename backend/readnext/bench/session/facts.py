"""The facts a card's reasons are checked against, recomputed from the vectors in the session's home: papers.sqlite
keeps each paper's text hash and the embedding cache by model and text hash (store/corpus.py), read here without
writing; a query is embedded by the same model in this process. The history and the interests are the profile
the backend had when it drew the list (recorder.py); what is near what is computed here."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from ...ranking.reasons import HISTORY_STATES, CardFacts, HistoryPaper
from ...records.papers import Paper, canonical_id
from ...records.text import term_set
from ...store import storage


class HomeReader:
    """The papers of a home and their vectors for one model, read only."""

    def __init__(self, home: Path, model: str, embed):
        self.conn = storage.open_sqlite_readonly(Path(home) / "papers.sqlite")
        self.model, self.embed = model, embed
        self._papers: dict[str, tuple[Paper, str] | None] = {}
        self._queries: dict[str, np.ndarray] = {}

    def close(self) -> None:
        self.conn.close()

    def _row(self, paper_id: str) -> tuple[Paper, str] | None:
        if paper_id not in self._papers:
            key = canonical_id(paper_id)
            row = self.conn.execute("SELECT data, hash FROM papers WHERE id = ?", (key,)).fetchone() or \
                self.conn.execute("SELECT p.data, p.hash FROM papers p JOIN aliases a ON a.label = p.label "
                                  "WHERE a.alias = ?", (key,)).fetchone()
            self._papers[paper_id] = (Paper(**json.loads(row[0])), row[1]) if row else None
        return self._papers[paper_id]

    def paper(self, paper_id: str) -> Paper | None:
        row = self._row(paper_id)
        return row[0] if row else None

    def vector(self, paper_id: str) -> np.ndarray | None:
        row = self._row(paper_id)
        if row is None:
            return None
        found = self.conn.execute("SELECT vec FROM vectors WHERE model = ? AND hash = ?", (self.model, row[1])).fetchone()
        return _unit(np.frombuffer(found[0], dtype=np.float32)) if found else None

    def query_vector(self, query: str) -> np.ndarray:
        if query not in self._queries:
            self._queries[query] = _unit(np.asarray(self.embed([" ".join(query.split())[:1000]])[0], np.float32))
        return self._queries[query]

    def field(self, paper_id: str) -> str:
        paper = self.paper(paper_id)
        return paper.categories[0].split(".")[0] if paper and paper.categories else ""

    def cosine(self, a: str, b: str) -> float | None:
        va, vb = self.vector(a), self.vector(b)
        return None if va is None or vb is None else float(va @ vb)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / (np.linalg.norm(vector) or 1.0)


def page_vector(home: HomeReader, page: dict) -> np.ndarray | None:
    """The page's paper's vector, or its query's; None on a listing."""
    if page.get("paper_id"):
        return home.vector(page["paper_id"])
    return home.query_vector(page["query"]) if page.get("query") else None


def card_facts(home: HomeReader, card_id: str, page: dict, profile: dict, today: date | None = None) -> CardFacts:
    vector = home.vector(card_id)
    if vector is None:
        raise ValueError(f"no vector for card {card_id} in the home")
    paper = home.paper(card_id)
    context = page_vector(home, page)
    history = []
    for paper_id, state in profile["states"].items():
        other, other_vector = home.paper(paper_id), home.vector(paper_id)
        if state in HISTORY_STATES and other is not None and other_vector is not None:
            history.append(HistoryPaper(paper_id, other.title, state, float(vector @ other_vector),
                                        frozenset(term_set(other.text())), tuple(other.authors),
                                        other.categories[0] if other.categories else None))
    dismissed = [home.vector(i) for i, s in profile["states"].items() if s == "dismissed"]
    dismissed = [v for v in dismissed if v is not None]
    return CardFacts(
        page_paper_id=page.get("paper_id"),
        context_similarity=None if context is None else float(vector @ context),
        history=history, nearest_interest=nearest_interest(home, vector, profile["interests"]),
        interests=len(profile["interests"]), words=frozenset(term_set(paper.text())), authors=tuple(paper.authors),
        category=paper.categories[0] if paper.categories else None, age_days=_age(paper, today),
        dismissed_similarity=max((float(vector @ v) for v in dismissed), default=0.0))


def nearest_interest(home: HomeReader, vector: np.ndarray, interests: list[dict]) -> str | None:
    """The label of the interest whose centroid (its members' weighted mean, made unit) is nearest."""
    best, label = -2.0, None
    for interest in interests:
        parts = [(home.vector(i), w) for i, w in interest["members"]]
        parts = [(v, w) for v, w in parts if v is not None]
        if not parts:
            continue
        centroid = _unit(sum(w * v for v, w in parts))
        similarity = float(vector @ centroid)
        if similarity > best:
            best, label = similarity, interest["label"]
    return label


def identified_interest(label: str, interests: list[dict]) -> str:
    """The label, in `interests`, of the interest a reason names. An interest's label may flicker between two
    builds of one profile (its term weights decay with the clock, and ties between terms then fall the other way:
    "anisotropy · take · approximation" and "anisotropy · take · contrast" for the same four papers), so a label
    no interest has names the one sharing most of its terms, when that one is unique and shares more than half."""
    labels = [i["label"] for i in interests]
    if label in labels:
        return label
    words = set(label.split(" · "))
    overlap = sorted(((len(words & set(other.split(" · "))), other) for other in labels), reverse=True)
    if overlap and 2 * overlap[0][0] > len(words) and (len(overlap) == 1 or overlap[1][0] < overlap[0][0]):
        return overlap[0][1]
    return label


def best_history_similarity(home: HomeReader, entries: list[str], profile: dict) -> float | None:
    """The largest cosine of an unread paper of the page to a paper of the history; None without history."""
    history = [home.vector(i) for i, s in profile["states"].items() if s in HISTORY_STATES]
    history = [v for v in history if v is not None]
    unread = [home.vector(i) for i in entries if i not in profile["states"]]
    unread = [v for v in unread if v is not None]
    if not history or not unread:
        return None
    return float((np.stack(unread) @ np.stack(history).T).max())


def _age(paper: Paper, today: date | None) -> int | None:
    try:
        return ((today or datetime.now(timezone.utc).date()) - date.fromisoformat(paper.date[:10])).days
    except ValueError:
        return None

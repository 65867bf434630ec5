"""A benchmark as ../shared/bench/FORMAT.md defines it: a corpus and users, read and checked."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ValidationError


@dataclass
class BenchUser:
    user: str
    history: list[str]
    relevant: dict[str, float]
    context: str | None = None
    candidates: list[str] | None = None


@dataclass
class Benchmark:
    name: str
    papers: list[dict]  # corpus order; row i of every matrix the baselines build
    users: list[BenchUser]
    rows: dict[str, int] = field(default_factory=dict)  # paper id -> row

    def __post_init__(self):
        self.rows = {paper["id"]: row for row, paper in enumerate(self.papers)}

    def text(self, row: int) -> str:
        paper = self.papers[row]
        return f"{paper.get('title') or ''} {paper.get('abstract') or ''}".strip()


def _read_lines(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_benchmark(corpus_path: str | Path, users_path: str | Path, limit: int | None = None) -> Benchmark:
    corpus_path = Path(corpus_path)
    papers = _read_lines(corpus_path)
    users = []
    for row in _read_lines(Path(users_path))[:limit]:
        users.append(BenchUser(user=str(row["user"]), history=list(row.get("history") or []),
                               relevant={k: float(v) for k, v in (row.get("relevant") or {}).items()},
                               context=row.get("context"), candidates=row.get("candidates")))
    name = re.sub(r"[^a-z0-9]", "", corpus_path.resolve().parent.name.lower()) or "bench"
    bench = Benchmark(name=name, papers=papers, users=users)
    if len(bench.rows) != len(papers):
        raise ValidationError(f"{corpus_path}: paper ids are not unique")
    for user in users:
        named = user.history + [user.context] * (user.context is not None) + (user.candidates or [])
        missing = [pid for pid in named if pid not in bench.rows]
        if missing:
            raise ValidationError(f"user {user.user}: papers not in the corpus: {', '.join(missing[:5])}")
    return bench

"""The arXiv sample (../shared/data/arxiv-sample.jsonl) as the papers the sessions' pages show and the corpus
holds: each record through the product's own paper_from_dict, so that a page parsed by the extension gives back
the paper the corpus has, and its field (the archive of its first category: cond-mat, astro-ph, math, ...)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ...records.papers import Paper, paper_from_dict


@dataclass(frozen=True)
class SamplePaper:
    paper: Paper
    comments: str = ""
    journal_ref: str = ""

    @property
    def id(self) -> str:
        return self.paper.id

    @property
    def field(self) -> str:
        return field_of(self.paper.categories)


def field_of(categories) -> str:
    """The archive of the first category: cond-mat.str-el -> cond-mat, math.PR -> math, astro-ph -> astro-ph."""
    return categories[0].split(".")[0] if categories else ""


def load_sample(path: Path) -> list[SamplePaper]:
    papers = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            paper = paper_from_dict({
                "id": record["id"], "title": record["title"], "abstract": record["abstract"],
                "authors": record["authors_list"], "categories": record["categories"],
                "date": (record.get("date") or "")[:10], "source": "arxiv"})
            papers.append(SamplePaper(paper, record.get("comments") or "", record.get("journal_ref") or ""))
    return papers

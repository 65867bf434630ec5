"""`readnext bench speed`, beside a backfill: the reader's page timed while a backfill-sized background embedding
runs as a running server runs it (server/jobs.py's Embedding over papers stored without a vector). The page's
embedding goes first (vectors/gate.py); this phase measures what that leaves a page to wait."""
from __future__ import annotations

import itertools
import time

from ..records.papers import Paper
from ..server.jobs import Embedding

PAGE_PAPERS = 25  # a listing page's papers, all new to the corpus: each page embeds 25 texts


def _backfill(sample: list[Paper], count: int, run: int) -> list[Paper]:
    """Papers a backfill stores: new ids and texts (each is embedded), from the sample's."""
    return [Paper(id=f"backfill:{run}-{i}", title=f"{p.title} (backfill {run}-{i})", abstract=p.abstract,
                  authors=p.authors, categories=p.categories, date=p.date, year=p.year, source="bench")
            for i, p in zip(range(count), itertools.cycle(sample))]


def _page(sample: list[Paper], run: int, page: int) -> list[dict]:
    start = page * PAGE_PAPERS
    return [{"id": f"page:{run}-{page}-{i}", "title": paper.title,
             "abstract": f"{paper.abstract} (page {run}-{page})"}
            for i, paper in enumerate(sample[(start + j) % len(sample)] for j in range(PAGE_PAPERS))]


def measure_beside_backfill(engine, sample: list[Paper], contexts: list[str], backfill: int = 2000,
                            pages: int = 20) -> dict:
    """`pages` page scores of 25 new papers and a /recommend for each context, while `backfill` stored papers
    are embedded in the background; then the phase's papers are removed, leaving the corpus as it was. The
    times are in ms, one per request, in `score_ms` and `recommend_ms`."""
    run = time.time_ns()
    stored = engine.store_papers(_backfill(sample, backfill, run))
    embedding = Embedding(engine).start()
    score, recommend, page_ids = [], [], []
    began = time.perf_counter()
    try:
        for page in range(pages):
            papers = _page(sample, run, page)
            page_ids += [paper["id"] for paper in papers]
            tick = time.perf_counter()
            engine.score_papers(papers)
            score.append((time.perf_counter() - tick) * 1000)
            for context in contexts[page::pages]:
                tick = time.perf_counter()
                engine.recommend({"paper_id": context}, 10)
                recommend.append((time.perf_counter() - tick) * 1000)
    finally:
        seconds = time.perf_counter() - began
        ran_throughout = embedding.pending() > 0  # the background had work left when the last page was timed
        embedding.stop.set()
        embedding.wake.set()
        embedding.thread.join()
    embedded = len(engine.index.present([label for label, _ in stored]))
    page_labels = [label for label in map(engine.corpus.label_of, page_ids) if label is not None]
    engine.indexer.remove([label for label, _ in stored] + page_labels)
    return {"backfill_papers": backfill, "background_embedded": embedded,
            "background_papers_per_s": embedded / seconds, "background_ran_throughout": ran_throughout,
            "score_ms": score, "recommend_ms": recommend, "error": embedding.error}

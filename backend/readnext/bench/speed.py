"""`readnext bench speed`: index scale, recommendation latency against exact search in the same run, event
ingest latency, the page beside a background backfill (beside_backfill.py) and embedding throughput, all through
the product's own code.

The corpus is built from the real sample's papers: each synthetic paper has a real one's text and a vector
made from real vectors (see MIX, NOISE), so the vectors cluster as real embeddings do (uniform random vectors
are HNSW's worst case and nothing like a corpus). Building is one process; measuring is a fresh one, so its peak RSS is what
a server holding that corpus needs.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from ..store import storage
from ..config import Config
from ..ingest.sources.snapshot import SnapshotReader
from ..records.papers import Paper
from .beside_backfill import measure_beside_backfill

# A synthetic paper is a real one, pulled towards a second real one and moved by noise in a low-dimensional
# subspace: real embeddings lie near a manifold of low intrinsic dimension, with a steep fall of similarity
# past the nearest neighbours. Noise spread over all 384 dimensions would instead make hundreds of papers
# near-ties for every top 10, which no real corpus is and on which any approximate index looks broken.
MIX = 0.7
NOISE = 0.35
NOISE_DIMENSIONS = 16
CHUNK = 50_000
USER_TOPICS = ("astro-ph", "math", "cond-mat")


def _memory_mb() -> dict:
    """This process image's peak resident memory (VmHWM: unlike ru_maxrss, not carried over from the parent
    that started it), and what is resident now: anonymous memory (heap: the index, the model) and file pages
    mapped in (the vector file: page cache the kernel can drop under pressure)."""
    fields = {}
    for line in storage.read_text("/proc/self/status").splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "RssAnon", "RssFile"):
            fields[name] = int(value.split()[0]) / 1024
    return {"peak": fields["VmHWM"], "anon": fields["RssAnon"], "file": fields["RssFile"]}


def _percentiles(ms: list[float]) -> dict:
    return {"p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99)), "n": len(ms)}


def _sample_papers(path: Path) -> list[Paper]:
    return [paper for _, paper in SnapshotReader(path)]


class ExactIndex:
    """The baseline: the index's interface over a numpy matrix, searched exhaustively."""

    def __init__(self, labels: np.ndarray, matrix: np.ndarray):
        self.matrix = matrix
        self.dim = matrix.shape[1]
        self.generation = 0  # never changes: the baseline only searches
        self.label_array = labels
        self.rows = {int(label): row for row, label in enumerate(labels)}

    def __len__(self):
        return len(self.label_array)

    def present(self, labels):
        return [int(l) for l in labels if int(l) in self.rows]

    def vectors(self, labels):
        return self.matrix[[self.rows[int(l)] for l in labels]]

    def search(self, queries, k):
        queries = np.atleast_2d(queries).astype(np.float32)
        found = [self._search(queries[start:start + 64], k) for start in range(0, len(queries), 64)]
        return np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])

    def _search(self, queries, k):  # 64 queries hold 256 MB of similarities at a million papers
        with threadpool_limits(None, user_api="blas"):  # every core for the baseline (the engine ranks on one)
            sims = queries @ self.matrix.T
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(sims, top, axis=1).argsort(axis=1)[:, ::-1]
        top = np.take_along_axis(top, order, axis=1)
        return self.label_array[top], np.take_along_axis(sims, top, axis=1)


# --- phase 1: build ---------------------------------------------------------------------------------------------
def build(engine, sample: list[Paper], n: int, seed: int = 0, log=print) -> dict:
    """Fill the engine's corpus to n papers; returns timings. A corpus already built to n is reused."""
    if engine.corpus.get_meta("bench:speed:papers") == str(n):  # (measuring adds a few ingested papers)
        return {"reused": True}
    if engine.corpus.count():
        raise SystemExit(f"{engine.home} holds another corpus: give bench speed an empty --home")
    began = time.monotonic()
    engine.add_papers(sample)  # the real papers, embedded by the model
    labels = [engine.corpus.label_of(p.id) for p in sample]
    base = engine.index.vectors(labels)
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.normal(size=(base.shape[1], NOISE_DIMENSIONS)))[0].T  # orthonormal rows
    index_seconds = 0.0
    for start in range(len(sample), n, CHUNK):
        stop = min(start + CHUNK, n)
        source = np.arange(start, stop) % len(sample)
        second = rng.integers(0, len(sample), size=stop - start)
        mix = rng.uniform(0.0, MIX, size=(stop - start, 1))
        noise = rng.normal(scale=NOISE / np.sqrt(NOISE_DIMENSIONS), size=(stop - start, NOISE_DIMENSIONS)) @ basis
        vectors = (base[source] + mix * base[second] + noise).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        papers = [Paper(id=f"bench:{i}", title=f"{sample[s].title} ({i})", abstract=sample[s].abstract,
                        authors=sample[s].authors, categories=sample[s].categories, date=sample[s].date,
                        year=sample[s].year, source="bench") for i, s in zip(range(start, stop), source)]
        tick = time.monotonic()
        engine.add_new_papers(papers, vectors)
        index_seconds += time.monotonic() - tick
        log(f"  built {stop:,} / {n:,} papers ({time.monotonic() - began:.0f} s)")
    engine.save_index()
    engine.corpus.set_meta("bench:speed:papers", str(n))
    return {"reused": False, "build_seconds": time.monotonic() - began, "store_and_index_seconds": index_seconds,
            "build_peak_rss_mb": _memory_mb()["peak"]}


# --- phase 2: measure ------------------------------------------------------------------------------------------
def user_history(sample: list[Paper]) -> list[dict]:
    """The measured user: 30 papers read in three topics, an hour apart. The event ids are new in every run:
    the ids of a forgotten history are never recorded again."""
    picked = []
    for topic in USER_TOPICS:
        picked += [p for p in sample if p.categories and p.categories[0].startswith(topic)][:10]
    now, run = int(time.time() * 1000), time.time_ns()
    return [{"id": f"bench-view-{run}-{i}", "type": "view", "paper_id": p.id, "seconds": 120, "ts": now - i * 3_600_000}
            for i, p in enumerate(picked)]


def _user(engine, sample: list[Paper]) -> None:
    engine.history.forget(None)
    engine.record(user_history(sample))


def _time_recommendations(engine, contexts: list[str], k: int = 10) -> list[float]:
    times = []
    for paper_id in contexts:
        tick = time.perf_counter()
        result = engine.recommend({"paper_id": paper_id}, k)
        times.append((time.perf_counter() - tick) * 1000)
        assert result.items, "a recommendation came back empty"
    return times


def _embedding_throughput(embedder, texts: list[str]) -> dict:
    """The product's embed() against the model's bare forward pass on the same sorted batches."""
    torch = embedder._torch
    embedder.embed(texts[:8])  # warm-up
    tick = time.perf_counter()
    embedder.embed(texts)
    product = time.perf_counter() - tick
    order = sorted(texts, key=len)
    batches = [embedder.tokenizer(order[i:i + embedder.batch_size], padding=True, truncation=True,
                                  max_length=256, return_tensors="pt") for i in range(0, len(order), embedder.batch_size)]
    tick = time.perf_counter()
    with torch.inference_mode():
        for batch in batches:
            embedder.model(**{k: v.to(embedder.device) for k, v in batch.items()})
    raw = time.perf_counter() - tick
    return {"papers": len(texts), "product_papers_per_s": len(texts) / product,
            "raw_forward_papers_per_s": len(texts) / raw, "ratio": raw / product}


def measure(engine, sample: list[Paper], queries: int = 200, probes: int = 1000, seed: int = 1,
            backfill: int = 2000) -> dict:
    rng = np.random.default_rng(seed)
    n = int(engine.corpus.get_meta("bench:speed:papers") or engine.corpus.count())  # not the papers ingested
    _user(engine, sample)
    tick = time.perf_counter()
    engine.profile()
    profile_ms = (time.perf_counter() - tick) * 1000
    contexts = [f"bench:{i}" for i in rng.integers(len(sample), n, size=queries)]
    _time_recommendations(engine, [f"bench:{i}" for i in rng.integers(len(sample), n, size=10)])  # lazy imports
    hnsw = _time_recommendations(engine, contexts)  # rows read from disk for the first time: the cold case
    warm = _time_recommendations(engine, contexts)  # the same pages again, as a user's own neighbourhood is
    server_memory = _memory_mb()

    # recall@10 of the index against exact search, on queries near papers of the built corpus (the same
    # papers in every run: those a run ingests come after them)
    labels = np.array(sorted(engine.index.labels()), dtype=np.int64)
    matrix = engine.index.all_vectors(labels)  # not through the recent rows the requests use
    near = matrix[rng.integers(0, n, size=probes)]
    near = near + rng.normal(scale=0.3 / np.sqrt(matrix.shape[1]), size=near.shape)
    near = (near / np.linalg.norm(near, axis=1, keepdims=True)).astype(np.float32)
    exact_index = ExactIndex(labels, matrix)
    truth, _ = exact_index.search(near, 10)
    found, _ = engine.index.search(near, 10)
    recall = float(np.mean([len(set(truth[i]) & set(found[i])) / 10 for i in range(probes)]))

    # The same 200 contexts through the exact baseline, then through the index once more. After each swap of the
    # index the first request builds the profile and searches its neighbourhoods again; one request before the
    # compared ones does that, so both sides are timed as a running server answers
    real_index = engine.index
    engine.use_index(exact_index)
    try:
        _time_recommendations(engine, contexts[-1:])
        exact = _time_recommendations(engine, contexts)
    finally:
        engine.use_index(real_index)
    _time_recommendations(engine, contexts[-1:])
    hnsw_same = _time_recommendations(engine, contexts)

    ingest = []
    run = time.time_ns()  # papers new to this corpus in every run, so each one is embedded
    for i, paper in enumerate(sample[:30]):
        fresh = {"id": f"new:{run}-{i}", "title": paper.title, "abstract": f"{paper.abstract} (version {run})"}
        tick = time.perf_counter()
        engine.record([{"id": f"bench-ingest-{time.time()}-{i}", "type": "view", "paper": fresh, "seconds": 90}])
        engine.profile()
        ingest.append((time.perf_counter() - tick) * 1000)
    beside = measure_beside_backfill(engine, sample, contexts, backfill) if backfill else None
    if beside:
        beside.update(score_ms=_percentiles(beside["score_ms"]), recommend_ms=_percentiles(beside["recommend_ms"]))
    throughput = _embedding_throughput(engine.embedder, [p.text() for p in sample[:256]])
    engine.history.forget(None)
    return {
        "papers": n, "profile_build_ms": profile_ms,
        "recommend_ms": _percentiles(hnsw), "recommend_ms_warm": _percentiles(warm),
        "recommend_ms_same_contexts_as_exact": _percentiles(hnsw_same),
        "exact_recommend_ms": _percentiles(exact),
        "speedup_p50": float(np.median(exact) / np.median(hnsw_same)),
        "speedup_p99": float(np.percentile(exact, 99) / np.percentile(hnsw_same, 99)),
        "recall_at_10": recall, "server_memory_mb": server_memory,
        "with_exact_matrix_peak_rss_mb": _memory_mb()["peak"],
        "ingest_ms": _percentiles(ingest), "embedding": throughput, "beside_backfill": beside,
    }


def report(built: dict, measured: dict) -> str:
    rows = [
        ("papers", f"{measured['papers']:,}"),
        ("build: store + index (s)", "reused" if built.get("reused") else f"{built['store_and_index_seconds']:.0f}"),
        ("recommendation p50 / p99 (ms), first sight of the pages", "{p50:.2f} / {p99:.2f}".format(**measured["recommend_ms"])),
        ("recommendation p50 / p99 (ms), pages cached", "{p50:.2f} / {p99:.2f}".format(**measured["recommend_ms_warm"])),
        ("exact numpy recommendation p50 / p99 (ms)", "{p50:.1f} / {p99:.1f}".format(**measured["exact_recommend_ms"])),
        ("speed-up over exact, median / p99", f"{measured['speedup_p50']:.1f}x / {measured['speedup_p99']:.1f}x"),
        ("index recall@10 against exact", f"{measured['recall_at_10']:.3f}"),
        ("server RSS (MB): peak / now anonymous + file-mapped",
         "{peak:.0f} / {anon:.0f} + {file:.0f}".format(**measured["server_memory_mb"])),
        ("new paper ingest p50 / p99 (ms, embed + store + profile)", "{p50:.0f} / {p99:.0f}".format(**measured["ingest_ms"])),
        ("embedding papers/s: product / raw forward (ratio)",
         "{product_papers_per_s:.1f} / {raw_forward_papers_per_s:.1f} ({ratio:.0%})".format(**measured["embedding"])),
    ]
    beside = measured.get("beside_backfill")
    if beside:
        rows += [
            (f"beside a backfill ({beside['backfill_papers']:,} papers): page /score of 25 new, p50 / p99 (ms)",
             "{p50:.0f} / {p99:.0f} (n {n})".format(**beside["score_ms"])),
            ("beside a backfill: recommendation p50 / p99 (ms)", "{p50:.1f} / {p99:.1f} (n {n})".format(**beside["recommend_ms"])),
            ("beside a backfill: background papers embedded meanwhile, papers/s",
             f"{beside['background_embedded']:,}, {beside['background_papers_per_s']:.1f}"
             + ("" if beside["background_ran_throughout"] else " (it ran out before the last page)")),
        ]
    load = measured.get("load")
    if load:
        rows += [
            ("load: clients x seconds, requests/s", f"{load['clients']} x {load['seconds']:.0f} s, "
                                                     f"{load['requests_per_s']:.1f} requests/s"),
            ("load: errors", f"{load['errors']} {load['first_errors'] or ''}".strip()),
            ("load: recommendation p50 / p99 (ms)", "{p50:.0f} / {p99:.0f} (n {n})".format(**load["recommend_ms"])),
            ("load: event post p50 / p99 (ms)", "{p50:.0f} / {p99:.0f} (n {n})".format(**load["event_ms"])),
            ("load: acknowledged events missing from the log",
             f"{load['acknowledged_missing_from_log']} of {load['acknowledged_events']}"),
            ("load: server stop after SIGTERM (s)", f"{load['server_stop_seconds']:.2f} (exit {load['server_exit_code']})"),
        ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--papers", type=int, default=100_000, help="corpus size to build (default 100,000)")
    parser.add_argument("--home", help="data directory of the run (default bench-out/speed-<papers>-home)")
    parser.add_argument("--sample", default="../shared/data/arxiv-sample.jsonl",
                        help="real papers whose texts and vectors seed the corpus")
    parser.add_argument("--model")
    parser.add_argument("--clients", type=int, default=8, help="load phase: concurrent clients (default 8)")
    parser.add_argument("--load-seconds", type=float, default=60,
                        help="load phase: seconds of 60 %% event posts and 40 %% recommendations against a real "
                             "`readnext serve` (default 60; 0 skips it)")
    parser.add_argument("--backfill-papers", type=int, default=2000,
                        help="beside-a-backfill phase: papers stored without a vector and embedded in the background "
                             "while page scores and recommendations are timed (default 2,000; 0 skips it)")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)  # the measuring child
    parser.set_defaults(func=speed)


def speed(args) -> int:
    from ..engine import ReadNext

    home = Path(args.home or Path("bench-out") / f"speed-{args.papers}-home")
    sample = Path(args.sample)
    config = Config.load(home=home, model=args.model, index_save_every=10**9)
    storage.ensure_home(config.home)
    if not args.measure_only:
        with storage.exclusive_lock(config.home / "lock"):
            engine = ReadNext(config)
            built = build(engine, _sample_papers(sample), args.papers, log=lambda l: print(l, file=sys.stderr))
            engine.close()
        # measure in a fresh process: its peak RSS is what a server holding this corpus needs
        child = subprocess.run([sys.executable, "-m", "readnext.cli", "bench", "speed", "--papers", str(args.papers),
                                "--home", str(home), "--sample", str(sample), "--measure-only",
                                "--backfill-papers", str(args.backfill_papers),
                                *(["--model", args.model] if args.model else [])],
                               capture_output=True, text=True, check=False)
        if child.returncode:
            raise SystemExit(f"measurement failed:\n{child.stderr[-3000:]}")
        measured = json.loads(child.stdout.strip().splitlines()[-1])
        if args.load_seconds > 0:  # the corpus through a real `readnext serve`, under concurrent clients
            from .load import run_load
            papers = _sample_papers(sample)
            measured["load"] = run_load(home, args.papers, first_synthetic=len(papers), history=user_history(papers),
                                        clients=args.clients, seconds=args.load_seconds, model=args.model)
        print(report(built, measured))
        print(json.dumps({**built, **measured}))
        return 0
    with storage.exclusive_lock(config.home / "lock"):
        engine = ReadNext(config)
        measured = measure(engine, _sample_papers(sample), backfill=args.backfill_papers)
    print(json.dumps(measured))
    return 0

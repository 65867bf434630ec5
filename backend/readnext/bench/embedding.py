"""`readnext bench embed`: the model's raw forward pass in every candidate device and precision, and the
product's embed() in the precision the product chooses, on the same length-sorted batches, in one run.

Raw forward = the model alone on batches tokenized beforehand; embed() adds what the product does around it
(tokenizing, moving, pooling, normalising, copying out). Goal (issue 8): embed() >= 90 % of the fastest raw
forward whose vectors agree with fp32. Repeats are interleaved (every variant once, then again) so that load
from other jobs falls on all variants alike; medians are reported.

Needs only torch, transformers, numpy and threadpoolctl (not the storage layer), so it runs as
`python -m readnext.bench.embedding` on a bare GPU machine too (bench/gpu_check.py).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict

import numpy as np

from ..config import DEFAULT_MODEL
from ..process import configure_process, cpu_cores
from ..vectors import precision
from ..vectors.embed import TransformerEmbedder
from ..vectors.precision import REFERENCE, Candidate

GOAL = 0.90


def sample_texts(path: str, papers: int) -> list[str]:
    texts = []
    with open(path, encoding="utf-8") as handle:  # the bench reads its input file directly, like bench quality
        for line in handle:
            record = json.loads(line)
            texts.append(f"{record.get('title', '')}. {record.get('abstract', '')}")
            if len(texts) >= papers:
                break
    return texts


def _raw_forward(embedder: TransformerEmbedder, candidate: Candidate, batches: list[list[str]]):
    """A timer of the bare model over pre-tokenized batches, and the pooled vectors of one pass (for the cosine)."""
    torch = embedder._torch
    model = embedder.trial_model(candidate.device, candidate.precision)  # the product's model changes later
    tokens = [embedder._tokens(batch, candidate.device) for batch in batches]
    vectors = np.concatenate([embedder._pool(model, t) for t in tokens])

    def timed() -> float:
        start = time.perf_counter()
        with torch.inference_mode():
            for t in tokens:
                model(**t)
        if candidate.device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start
    return timed, vectors


def _product(embedder: TransformerEmbedder, texts: list[str]):
    embedder.embed(texts[: embedder.batch_size])  # warm-up

    def timed() -> float:
        start = time.perf_counter()
        embedder.embed(texts)
        return time.perf_counter() - start
    return timed


def run(model: str, texts: list[str], batch_size: int, device: str = "auto", repeats: int = 3) -> dict:
    hardware = precision.probe_hardware()
    options = precision.allowed(precision.candidates(hardware), device)
    embedder = TransformerEmbedder(model, batch_size=batch_size)
    # the product's own choice, measured as at its first start (nothing remembered: a bench measures afresh)
    choice, _ = precision.choose(None, precision.fingerprint(model, hardware), options,
                                 embedder.trial_runner(precision.TEXTS), device)
    order = sorted(texts, key=len)
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    timers, vectors = {}, {}
    for candidate in [REFERENCE] + [c for c in options if c != REFERENCE]:
        timers[candidate.key], vectors[candidate.key] = _raw_forward(embedder, candidate, batches)
    embedder.use(choice.device, choice.precision)
    product_key = f"embed() {choice.device}/{choice.precision}"
    timers[product_key] = _product(embedder, texts)
    seconds = {key: [] for key in timers}
    for _ in range(repeats):
        for key, timed in timers.items():
            seconds[key].append(timed())
    reference = vectors[REFERENCE.key]
    rows = []
    for key, times in seconds.items():
        row = {"variant": key, "papers_per_s": len(texts) / statistics.median(times),
               "best_papers_per_s": len(texts) / min(times), "runs_s": [round(t, 3) for t in times]}
        if key in vectors:
            row["cosine_min"] = float(np.min(np.sum(vectors[key] * reference, axis=1)))
        rows.append(row)
    agreeing = [r for r in rows if r.get("cosine_min", 0) >= precision.MIN_COSINE]
    fastest = max(agreeing, key=lambda r: r["papers_per_s"])
    product = next(r for r in rows if r["variant"] == product_key)
    name, flags = precision.cpu_description()
    return {"cpu": name, "flags": flags, "cores": cpu_cores(), "torch": embedder._torch.__version__,
            "gpus": precision.fingerprint(model, hardware)["gpus"], "model": model, "papers": len(texts),
            "batch_size": batch_size, "repeats": repeats, "choice": asdict(choice), "rows": rows,
            "fastest_raw": fastest["variant"], "ratio": product["papers_per_s"] / fastest["papers_per_s"],
            "best_ratio": product["best_papers_per_s"] / max(r["best_papers_per_s"] for r in agreeing)}


def report(result: dict) -> str:
    lines = [f"CPU: {result['cpu']} ({result['cores']} cores available), flags: {' '.join(result['flags']) or '-'}",
             f"GPU: {', '.join(result['gpus']) or 'none'}; torch {result['torch']}; model {result['model']}",
             f"{result['papers']} papers, sorted by length, batches of {result['batch_size']}, "
             f"median of {result['repeats']} interleaved runs",
             f"chosen by the product's short measurement: {result['choice']['device']}/"
             f"{result['choice']['precision']} ({result['choice']['papers_per_s']:.1f} papers/s in that measurement)",
             "", "| variant | papers/s (median) | papers/s (best run) | runs (s) | min cosine to CPU fp32 |",
             "|---|---|---|---|---|"]
    for row in result["rows"]:
        cosine = f"{row['cosine_min']:.5f}" if "cosine_min" in row else "(the chosen precision)"
        lines.append(f"| {row['variant']} | {row['papers_per_s']:.1f} | {row['best_papers_per_s']:.1f} | "
                     f"{row['runs_s']} | {cosine} |")
    met = "met" if result["ratio"] >= GOAL else "MISSED"
    lines += ["", f"embed() / fastest raw forward ({result['fastest_raw']}): {result['ratio']:.2f} "
                  f"(goal >= {GOAL:.2f}: {met}); best run against best run: {result['best_ratio']:.2f}"]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sample", default="../shared/data/arxiv-sample.jsonl", help="papers whose texts to embed")
    parser.add_argument("--papers", type=int, default=256, help="how many (default 256)")
    parser.add_argument("--batch-size", type=int, action="append",
                        help="batch size (repeatable; default 32, the product's)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto",
                        help="only this device's candidates (CPU fp32 is always measured: the reference)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="model name or local directory")
    parser.add_argument("--json", action="store_true", help="also print the results as one JSON line each")
    parser.set_defaults(func=main)


def main(args) -> int:
    texts = sample_texts(args.sample, args.papers)
    for batch_size in args.batch_size or [32]:
        result = run(args.model or DEFAULT_MODEL, texts, batch_size, args.device, args.repeats)
        print(report(result) + "\n", flush=True)
        if args.json:
            print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":  # on a bare GPU machine (bench/gpu_check.py); `readnext bench embed` elsewhere
    configure_process()
    parser = argparse.ArgumentParser(prog="python -m readnext.bench.embedding", description=__doc__)
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))

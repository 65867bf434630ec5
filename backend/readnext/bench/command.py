"""`readnext bench quality|speed|embed|session`: their arguments, mounted by the CLI under `bench`, and `bench quality`
from arguments to the printed report."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..store import storage
from ..config import Config


def add_arguments(bench: argparse.ArgumentParser) -> None:
    """The benchmarks as subcommands of `bench`; each sets `func`, which takes the parsed arguments."""
    from . import embedding, speed
    from .session import command as session_command
    benches = bench.add_subparsers(dest="bench", required=True)
    quality_help = "ranking quality against today's baselines (docs/benchmarks.md)"
    add_quality_arguments(benches.add_parser("quality", help=quality_help, description=quality_help))
    speed_help = "latency, memory and throughput at scale (docs/benchmarks.md)"
    speed.add_arguments(benches.add_parser("speed", help=speed_help, description=speed_help))
    embedding.add_arguments(benches.add_parser("embed", help="model speed in every device and precision against "
                                               "embed() (docs/benchmarks.md)", description="model speed in every "
                                               "device and precision against embed()"))
    session_help = "reading sessions through the real extension in Chromium and Firefox (docs/benchmarks.md)"
    session_parser = benches.add_parser("session", help=session_help, description=session_help)
    session_command.add_arguments(session_parser)
    session_parser.set_defaults(func=session_command.run)


def add_quality_arguments(quality_parser: argparse.ArgumentParser) -> None:
    add = quality_parser.add_argument
    add("--corpus", required=True, help="corpus.jsonl (../shared/bench/FORMAT.md)")
    add("--users", required=True, help="users.jsonl (../shared/bench/FORMAT.md)")
    add("--out", help="write the product's predictions here (JSON)")
    add("--home", help="data directory of the run; keeps the embeddings between runs "
                       "(default bench-out/<benchmark>-home)")
    add("--model")
    add("--variant", action="append", help="product variant to measure (repeatable; default: the product as shipped)")
    add("--setting", choices=["both", "history", "context"], default="both",
        help="rank from the history alone, with the context page, or both")
    add("--limit", type=int, help="only the first N users")
    add("--no-baselines", action="store_true")
    add("--no-feedback", action="store_true")
    add("--browse", choices=["both", "tune", "report", "none"], default="both",
        help="browsing simulation on the tune half of the users, the report half, both or none")
    add("--browse-only", action="store_true", help="the browsing simulation and nothing else")
    add("--sample", default="../shared/data/arxiv-sample.jsonl",
        help="arXiv sample for the planted-preference browsing simulation (skipped when absent)")
    add("--users-planted", type=int, help="simulated researchers of that simulation (default 100)")
    quality_parser.set_defaults(func=quality)


def quality(args) -> int:
    from ..cli.local import open_engine
    from ..engine import ReadNext
    from .data import load_benchmark
    from .quality import report, run_quality
    from .variants import pick

    bench = load_benchmark(args.corpus, args.users, limit=args.limit)
    variants = pick(args.variant)
    home = Path(args.home) if args.home else Path("bench-out") / f"{bench.name}-home"
    config = Config.load(home=home, model=args.model)
    settings = ["history", "context"] if args.setting == "both" else [args.setting]
    log = lambda line: print(line, file=sys.stderr)  # noqa: E731
    outcome = None
    halves = () if args.browse == "none" else ("tune", "report") if args.browse == "both" else (args.browse,)
    # the simulation trains where the product would, not in the background
    with open_engine(config, lambda config: ReadNext(config, learn_in_background=False)) as engine:
        if not args.browse_only:
            outcome = run_quality(bench, engine, variants, settings, with_baselines=not args.no_baselines,
                                  feedback=not args.no_feedback, log=log)
        citeseer = browse(bench, engine, halves, tuple(settings), log) if halves else {}
    planted = {}
    if halves and args.sample:
        planted = browse_planted(Path(args.sample), home.parent / "arxiv-sample-home", args.model, halves,
                                 args.users_planted, log)
    if outcome is not None:
        if args.out:
            storage.atomic_write_bytes(Path(args.out), json.dumps(_predictions(outcome)).encode("utf-8"))
        print(report(outcome))
    if halves:
        print(browsing_report(bench.name, citeseer, planted, args.sample))
    return 0


def browse(bench, engine, halves, settings, log) -> dict:
    """{half: outcome} of the browsing simulation on the benchmark, with the product's ranking as shipped (the
    quality run before it leaves the engine with its last variant's settings)."""
    from ..ranking.rank import DEFAULT
    from .browsing import Browsing, split
    from .product import Product
    engine.ranking = DEFAULT
    product = Product(engine, bench)
    product.load()
    simulation = Browsing(bench, product)
    users = dict(zip(("tune", "report"), split(bench.users)))
    outcomes = {}
    for half in halves:
        log(f"browsing simulation, {half} half ({len(users[half])} users)")
        outcomes[half] = simulation.run(users[half], settings, log)
    return outcomes


def browse_planted(sample: Path, home: Path, model, halves, users: int | None, log) -> dict:
    """{half: outcome} of the planted-preference simulation on the arXiv sample (its own home, which keeps the
    embeddings); {} when the sample is absent."""
    from ..cli.local import open_engine
    from ..engine import ReadNext
    from .browsing import split
    from .planted import USERS, Planted, load_sample, planted_benchmark
    from .product import Product
    if not sample.exists():
        log(f"{sample} not found: the planted-preference simulation is skipped (--sample names the arXiv sample)")
        return {}
    bench = planted_benchmark(load_sample(sample), users=users or USERS)
    outcomes = {}
    with open_engine(Config.load(home=home, model=model),
                     lambda config: ReadNext(config, learn_in_background=False)) as engine:
        product = Product(engine, bench)
        log(f"planted-preference simulation: loading {len(bench.papers)} papers into {home}")
        product.load()
        simulation = Planted(bench, product)
        users = dict(zip(("tune", "report"), split(bench.users)))
        for half in halves:
            log(f"planted-preference simulation, {half} half ({len(users[half])} users)")
            outcomes[half] = simulation.run(users[half], ("history",), log)
    return outcomes


def browsing_report(name: str, citeseer: dict, planted: dict, sample) -> str:
    from .browsing import format_browsing, format_gains, gains_by_sets, summary
    from .planted import AREA, NEW_SINCE, threshold
    text = []
    for half, outcome in citeseer.items():
        stats = outcome["stats"]
        text += ["", f"Browsing simulation ({name}), {half} half: {outcome['users']} users, "
                 f"{stats.get('pages', 0):.0f} pages, {stats.get('opened', 0):.0f} papers opened "
                 f"({stats.get('opened relevant', 0):.0f} relevant)", format_browsing(summary(outcome)),
                 "", f"Learned minus formula by the choice sets the model had ({name}, {half} half):",
                 format_gains(gains_by_sets(outcome))]
    for half, outcome in planted.items():
        stats = outcome["stats"]
        text += ["", f"Planted-preference simulation ({sample}: {AREA} researchers who want papers from "
                 f"{NEW_SINCE} on), {half} half: {outcome['users']} users, {stats.get('pages', 0):.0f} pages, "
                 f"{stats.get('opened', 0):.0f} papers opened ({stats.get('opened relevant', 0):.0f} relevant)",
                 format_browsing(summary(outcome), at="choice sets")]
        if half in citeseer:
            value, lines = threshold(summary(outcome), gains_by_sets(citeseer[half]))
            text += ["", f"Threshold from the {half} halves: MIN_CHOICE_SETS = {value}", *lines]
    return "\n".join(text)


def _predictions(outcome: dict) -> dict:
    """FORMAT.md's predictions of the first variant: with the context where the users have one."""
    by_setting = next(iter(outcome["predictions"].values()), {})
    return by_setting.get("context") or by_setting.get("history") or {}

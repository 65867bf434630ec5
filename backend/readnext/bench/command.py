"""`readnext bench quality`, from arguments to the printed report."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import storage
from ..config import Config


def quality(args) -> int:
    from ..engine import ReadNext
    from .data import load_benchmark
    from .quality import report, run_quality
    from .variants import pick

    bench = load_benchmark(args.corpus, args.users, limit=args.limit)
    variants = pick(args.variant)
    home = args.home or Path("bench-out") / f"{bench.name}-home"
    config = Config.load(home=home, model=args.model)
    storage.ensure_home(config.home)
    settings = ["history", "context"] if args.setting == "both" else [args.setting]
    log = lambda line: print(line, file=sys.stderr)  # noqa: E731
    outcome, browsing = None, ""
    with storage.exclusive_lock(config.home / "lock"):
        engine = ReadNext(config, learn_in_background=False)  # the simulation trains where the product would
        try:
            if not args.browse_only:
                outcome = run_quality(bench, engine, variants, settings, with_baselines=not args.no_baselines,
                                      feedback=not args.no_feedback, log=log)
            if args.browse != "none":
                halves = ("tune", "report") if args.browse == "both" else (args.browse,)
                browsing = browse(bench, engine, halves, tuple(settings), log)
        finally:
            engine.close()
    if outcome is not None:
        if args.out:
            storage.atomic_write_bytes(Path(args.out), json.dumps(_predictions(outcome)).encode("utf-8"))
        print(report(outcome))
    if browsing:
        print(browsing)
    return 0


def browse(bench, engine, halves, settings, log) -> str:
    from .browsing import Browsing, format_browsing, split, summary
    from .product import Product
    product = Product(engine, bench)
    product.load()
    simulation = Browsing(bench, product)
    tune, report_half = split(bench.users)
    text = []
    for half in halves:
        users = tune if half == "tune" else report_half
        log(f"browsing simulation, {half} half ({len(users)} users)")
        outcome = simulation.run(users, settings, log)
        stats = outcome["stats"]
        text += ["", f"Browsing simulation, {half} half: {outcome['users']} users, {stats.get('pages', 0):.0f} pages, "
                 f"{stats.get('opened', 0):.0f} papers opened ({stats.get('opened relevant', 0):.0f} relevant)",
                 format_browsing(summary(outcome))]
    return "\n".join(text)


def _predictions(outcome: dict) -> dict:
    """FORMAT.md's predictions of the first variant: with the context where the users have one."""
    by_setting = next(iter(outcome["predictions"].values()), {})
    return by_setting.get("context") or by_setting.get("history") or {}

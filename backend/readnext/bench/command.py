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
    with storage.exclusive_lock(config.home / "lock"):
        engine = ReadNext(config)
        try:
            outcome = run_quality(bench, engine, variants, settings, with_baselines=not args.no_baselines,
                                  feedback=not args.no_feedback, log=lambda line: print(line, file=sys.stderr))
        finally:
            engine.close()
    if args.out:
        storage.atomic_write_bytes(Path(args.out), json.dumps(_predictions(outcome)).encode("utf-8"))
    print(report(outcome))
    return 0


def _predictions(outcome: dict) -> dict:
    """FORMAT.md's predictions of the first variant: with the context where the users have one."""
    by_setting = next(iter(outcome["predictions"].values()), {})
    return by_setting.get("context") or by_setting.get("history") or {}

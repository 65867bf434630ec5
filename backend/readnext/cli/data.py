"""Your data directory: `status` (what it holds, what runs), `export` (all of it, or your papers as BibTeX) and
`check` (verify it; `--repair` rebuilds what can be rebuilt)."""
from __future__ import annotations

import json
from pathlib import Path

from ..store import storage
from . import output
from .local import Factories, backend_for, holding
from .options import config_of


def status(args, factories: Factories) -> int:
    with backend_for(config_of(args), factories) as backend:
        status, progress = backend.status(), backend.progress()
    output.print_status(status, progress)
    return 0


def export(args, factories: Factories) -> int:
    with backend_for(config_of(args), factories) as backend:
        if args.format == "bibtex":
            text = backend.export_bibtex()
        else:
            text = json.dumps(backend.export(), indent=1, ensure_ascii=False)
    if args.out:
        storage.atomic_write_bytes(Path(args.out), text.encode("utf-8"))
        print(f"exported to {args.out}")
    else:
        print(text)
    return 0


def check(args, factories: Factories) -> int:
    from .. import check as checking
    config = config_of(args)
    if args.repair:
        with holding(config):
            for line in checking.repair(config):
                print(f"repaired {line}")
    report = checking.check(config)
    for problem in report.problems:
        print(problem.line())
    for note in report.notes:
        print(f"note: {note}")
    if report.problems:
        return 1
    print(f"{config.home}: no problems found")
    return 0

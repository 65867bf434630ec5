"""Your data directory: `status` (what it holds, what runs), `export` (all of it, or your papers as BibTeX) and
`check` (verify it; `--repair` rebuilds what can be rebuilt)."""
from __future__ import annotations

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
            text = output.json_text(backend.export())
    if args.out:
        storage.atomic_write_bytes(Path(args.out), text.encode("utf-8"))
        output.show(f"exported to {args.out}")
    else:
        print(output.lines_safe(text))
    return 0


def check(args, factories: Factories) -> int:
    from .. import check as checking
    config = config_of(args)
    if args.repair:
        with holding(config):
            for line in checking.repair(config):
                output.show(f"repaired {line}")
    report = checking.check(config)
    for problem in report.problems:
        output.show(problem.line())
    for note in report.notes:
        output.show(f"note: {note}")
    if report.problems:
        return 1
    output.show(f"{config.home}: no problems found")
    return 0

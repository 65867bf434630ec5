"""The commands that bring papers in: `import`, `backfill`, `fetch`. Beside a running server, `import` and
`backfill` hand the work to it and show how far it is; without one, they open the data directory here."""
from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

from ..errors import ValidationError
from . import client, output
from .local import Factories, open_engine
from .options import config_of
from .progress import ProgressLine, follow_job, watch_embedding


def import_(args, factories: Factories) -> int:
    from ..ingest.importer import ImportReport, LibraryReport, detect_format, import_jsonl, import_library
    from ..ingest.sources.snapshot import SnapshotFilter
    file_format = detect_format(args.file, args.format)
    snapshot = file_format == "snapshot"
    if snapshot and args.as_:
        raise ValidationError(f"{args.file} is read as an arXiv snapshot; --as is for .bib and CSL-JSON files "
                              "(give --format if the guess is wrong)")
    if not snapshot and (args.category or args.date_from or args.date_until):
        raise ValidationError("--category, --from and --until filter arXiv snapshots, not library files")
    filter = SnapshotFilter(tuple(args.category or ()), args.date_from or "", args.date_until or "")
    config = config_of(args)
    server = client.running_server(config)
    if server is not None:  # the server owns the data directory: it imports, this process shows its progress
        if args.file == "-":
            raise ValidationError("a running server imports files, not this terminal's input: save it to a file")
        job = server.start_import({"path": str(Path(args.file).resolve()), "format": file_format, "as": args.as_,
                                   "categories": list(filter.categories), "from": filter.date_from,
                                   "until": filter.date_until})
        result = follow_job(server, job, show_progress=not args.quiet)
        result.pop("format")
        report = (ImportReport if snapshot else LibraryReport)(**result)
    else:
        with open_engine(config, factories.engine) as engine:
            if snapshot:
                report = import_jsonl(engine, Path(args.file), show_progress=not args.quiet, filter=filter)
            else:
                report = import_library(engine, args.file, args.as_ or "reading-list", file_format)
    if snapshot:
        output.print_snapshot_import(report)
    else:
        output.print_library_import(report, args.file, args.as_)
    return 0


def backfill(args, factories: Factories) -> int:
    from ..ingest.backfill import Backfill, describe, plan
    from ..ingest.follow import policy_of
    from ..server.jobs import Embedding
    state = plan(args.categories, args.since, args.until or "")
    config = config_of(args)
    print(describe(state, policy_of(config)), file=sys.stderr, flush=True)
    server = client.running_server(config)
    if server is not None:  # the server harvests and embeds in the background; this process shows how far
        answer = server.start_backfill({"categories": state.categories, "since": state.since, "until": state.until})
        output.print_backfill(follow_job(server, answer["job"], show_progress=not args.quiet))
        if not args.quiet:
            watch_embedding(lambda: server.progress()["embedding"])
        return 0
    with open_engine(config, factories.engine) as engine:
        line = ProgressLine(not args.quiet)
        final = Backfill(engine, factories.arxiv(config), state, config.home,
                         on_page=lambda now: line.show(now.line())).run()
        line.end()
        output.print_backfill(asdict(final))
        embedding = Embedding(engine)
        watch_embedding(lambda: embedding.to_dict(), step=embedding.step, show=not args.quiet)
    return 0


def fetch(args, factories: Factories) -> int:
    from ..ingest.follow import categories_to_fetch, fetch_once
    from ..store.history import History
    config = config_of(args)

    def engine_once_there_is_something_to_ask(config):  # a refusal does not wait for the model to load
        history = History(config.home)
        try:
            names = categories_to_fetch(history, args.categories)
        finally:
            history.close()
        output.show(f"asking arXiv for new papers in {', '.join(names)}; nothing else is sent")
        return factories.engine(config)

    with open_engine(config, engine_once_there_is_something_to_ask) as engine:
        report = fetch_once(engine, factories.arxiv(config), args.categories)
    output.print_fetch(report)
    return 0

"""`readnext`'s commands and their own arguments; the options they share come from options.py, the benchmarks'
arguments from bench/command.py."""
from __future__ import annotations

import argparse
import functools

from .. import __version__
from ..bench.command import add_arguments as add_bench_arguments
from ..config import DEFAULT_PORT
from . import corpus, data, reading, service, serving
from .local import Factories
from .options import add_model, add_shared


def build_parser(factories: Factories = Factories()) -> argparse.ArgumentParser:
    """The parser; each command's `func(args)` runs it with `factories`."""
    parser = argparse.ArgumentParser(prog="readnext", description="Your private paper recommender.")
    parser.add_argument("--version", action="version", version=f"readnext {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, run, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        add_shared(sub)
        sub.set_defaults(func=functools.partial(run, factories=factories))
        return sub

    serve = command("serve", serving.serve, "run the backend for the browser extension")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    imp = command("import", corpus.import_, "add papers from an arXiv snapshot (JSONL) to the corpus, or your own "
                                            "library (.bib, CSL-JSON) to your history")
    imp.add_argument("file", help="a .jsonl/.json snapshot, a .bib or a CSL-JSON file; - reads standard input")
    imp.add_argument("--format", choices=["snapshot", "bibtex", "csljson"], help="instead of guessing it")
    imp.add_argument("--category", action="append", metavar="C",
                     help="snapshot: keep this archive or category (cs, cs.LG; repeatable)")
    imp.add_argument("--from", dest="date_from", metavar="DATE", help="snapshot: first versions from YYYY-MM-DD")
    imp.add_argument("--until", dest="date_until", metavar="DATE", help="snapshot: first versions until YYYY-MM-DD")
    imp.add_argument("--as", dest="as_", choices=["mine", "reading-list"],
                     help="library: your own papers (weigh like saved) or your reading list (like read; default)")
    imp.add_argument("--quiet", action="store_true", help="no progress line")
    backfill = command("backfill", corpus.backfill, "a first corpus: ask arXiv (OAI-PMH) once for the papers of "
                                                    "some categories since a date; shows what it sends first")
    backfill.add_argument("--categories", nargs="+", required=True, metavar="C", help="arXiv categories (cs.LG)")
    backfill.add_argument("--since", required=True, metavar="DATE", help="first submitted from YYYY-MM[-DD]")
    backfill.add_argument("--until", metavar="DATE", help="first submitted until YYYY-MM[-DD] (default: today)")
    backfill.add_argument("--quiet", action="store_true", help="no progress lines")
    fetch = command("fetch", corpus.fetch, "ask arXiv once for new papers in the categories you follow")
    fetch.add_argument("--categories", nargs="+", help="follow these for this run (your consent to ask arXiv)")
    train = command("train", reading.train, "learn the ranking again from your whole history (docs/ranking.md)")
    rec = command("recommend", reading.recommend, "what to read next, with the reasons")
    rec.add_argument("--context", help="a paper id in the corpus, or text to search for")
    rec.add_argument("-k", type=int, default=10)
    rec.add_argument("--json", action="store_true")
    status = command("status", data.status, "model, corpus and index sizes, history")
    exp = command("export", data.export, "all your data as JSON, or your read and saved papers as BibTeX")
    exp.add_argument("--format", choices=["json", "bibtex"], default="json")
    exp.add_argument("--out", help="file to write (default: standard output)")
    chk = command("check", data.check, "verify the data directory (event log, papers, index, settings); "
                                       "--repair rebuilds what can be rebuilt, keeping a copy of what it replaces")
    chk.add_argument("--repair", action="store_true")
    for loads_the_model in (serve, imp, backfill, fetch, train, rec, status, exp, chk):
        add_model(loads_the_model)
    pair = command("pair", serving.pair, "confirm the code the extension shows, so that it gets its token")
    pair.add_argument("--confirm", metavar="CODE", help="confirm this code without asking")
    pair.add_argument("--token", action="store_true", help="print the token instead, to paste into the options")
    pair.add_argument("--port", type=int, default=DEFAULT_PORT)
    svc = command("service", service.run, "start `readnext serve` with your session (systemd --user, launchd, "
                                          "Task Scheduler), stop that, or say whether it runs")
    svc.add_argument("action", choices=["install", "uninstall", "status"])
    svc.add_argument("--port", type=int, default=DEFAULT_PORT)
    add_model(svc)
    add_bench_arguments(commands.add_parser("bench", help="measure the product on a benchmark",
                                            description="measure the product on a benchmark"))
    return parser

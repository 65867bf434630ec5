"""`readnext`: parse arguments, call the library, print. Errors become one short line and exit status 1."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import textwrap
from pathlib import Path

from . import __version__, client, storage
from .config import DEFAULT_PORT, Config
from .errors import NotFound, ReadNextError, ValidationError
from .papers import canonical_id


def _engine(args):
    from .engine import ReadNext
    return ReadNext(_config(args))


@contextlib.contextmanager
def _backend(args):
    """The running server when there is one (it owns the data directory while it runs), else the library."""
    config = _config(args)
    server = client.running_server(config)
    if server is not None:
        yield server
        return
    storage.ensure_home(config.home)
    with storage.exclusive_lock(config.home / "lock"):
        engine = _engine(args)
        try:
            yield client.LocalBackend(engine)
        finally:
            engine.close()


def _config(args) -> Config:
    return Config.load(home=getattr(args, "home", None), model=getattr(args, "model", None),
                       host=getattr(args, "host", None), port=getattr(args, "port", None))


def cmd_serve(args) -> int:
    config = _config(args)
    if config.host not in ("127.0.0.1", "localhost"):
        raise ReadNextError("ReadNext listens on 127.0.0.1 only: your reading history is not for the network")
    storage.ensure_home(config.home)
    with storage.exclusive_lock(config.home / "lock"):
        from .api import create_app
        from .engine import ReadNext
        from .follow import Follower, fetch_settings
        from .server import listen, serve_until_stopped
        engine = ReadNext(config)
        app = create_app(config, engine)
        stop = threading.Event()

        def catch_up():  # papers stored without a vector (an interrupted import, a new model)
            while not stop.is_set() and engine.embed_pending():
                pass

        catching_up = threading.Thread(target=catch_up, daemon=True, name="embed-pending")
        catching_up.start()
        follower = Follower(engine, lambda: _arxiv_client(config)).start()  # idle, sends nothing, unless opted in
        # CLI commands run beside the server ask it rather than open the data directory themselves
        server_file = client.server_file(config)
        storage.atomic_write_json(server_file, {"port": config.port, "pid": os.getpid()})
        try:
            server = listen(app, config.host, config.port)
            print(f"ReadNext {__version__} serving on http://{config.host}:{config.port} "
                  f"(model {engine.model}, {engine.corpus.count()} papers, data in {config.home})", flush=True)
            following = fetch_settings(engine.history)
            print(f"following arXiv: {', '.join(following['categories'])} every {following['interval_hours']:g} h"
                  if following["enabled"] else "following arXiv: off (no network traffic)", flush=True)
            serve_until_stopped(server)
        finally:
            # each of these returns at once when idle; busy, each finishes its step (a batch, a fetch, a save)
            stop.set()
            follower.stop(timeout=5)
            catching_up.join()
            engine.close()
            if (storage.read_json(server_file) or {}).get("pid") == os.getpid():
                storage.remove(server_file)
        print("ReadNext stopped", flush=True)
    # Everything is saved and closed. The interpreter's own teardown (collecting the model's and torch's
    # hundreds of thousands of objects) would take 2-15 s more on a busy machine, and a service manager waits
    # for it: leave now.
    sys.stderr.flush()
    os._exit(0)


def cmd_import(args) -> int:
    from .importer import detect_format, import_jsonl, import_library
    from .sources.snapshot import SnapshotFilter
    file_format = detect_format(args.file, args.format)
    snapshot = file_format == "snapshot"
    if snapshot and args.as_:
        raise ValidationError(f"{args.file} is read as an arXiv snapshot; --as is for .bib and CSL-JSON files "
                              "(give --format if the guess is wrong)")
    if not snapshot and (args.category or args.date_from or args.date_until):
        raise ValidationError("--category, --from and --until filter arXiv snapshots, not library files")
    filter = SnapshotFilter(tuple(args.category or ()), args.date_from or "", args.date_until or "")
    config = _config(args)
    storage.ensure_home(config.home)
    with storage.exclusive_lock(config.home / "lock"):
        engine = _engine(args)
        try:
            if snapshot:
                report = import_jsonl(engine, Path(args.file), show_progress=not args.quiet, filter=filter)
            else:
                library = import_library(engine, args.file, args.as_ or "reading-list", file_format)
        finally:
            engine.close()
    if not snapshot:
        return _print_library(library, args)
    resumed = f", resumed at byte {report.resumed_at:,}" if report.resumed_at else ""
    filtered = f", {report.filtered:,} filtered out" if report.filtered else ""
    print(f"imported {report.stored:,} papers from {report.read:,} lines in {report.seconds:.1f} s "
          f"({report.skipped} skipped{filtered}{resumed})")
    if report.malformed_lines:
        print("unreadable lines: " + ", ".join(map(str, report.malformed_lines))
              + (" ..." if report.skipped > len(report.malformed_lines) else ""))
    return 0


def _print_library(report, args) -> int:
    what = "your own papers (weighed like saved ones)" if args.as_ == "mine" else "your reading list (like read ones)"
    print(f"read {report.papers:,} papers from {args.file}: {report.linked:,} linked to papers already in the "
          f"corpus, {report.new:,} new")
    print(f"recorded {report.recorded:,} as {what}"
          + (f"; {report.already_recorded:,} were already recorded" if report.already_recorded else ""))
    if report.problems:
        print(f"{len(report.problems)} skipped:")
        for problem in report.problems:
            print(f"  {problem}")
    return 0


def _arxiv_client(config):
    from .follow import make_client
    return make_client(config)


def cmd_fetch(args) -> int:
    from .follow import categories_to_fetch, fetch_once
    from .history import History
    config = _config(args)
    storage.ensure_home(config.home)
    with storage.exclusive_lock(config.home / "lock"):
        history = History(config.home)  # refuse before loading the model when there is nothing to ask
        try:
            names = categories_to_fetch(history, args.categories)
        finally:
            history.close()
        print(f"asking arXiv for new papers in {', '.join(names)}; nothing else is sent", flush=True)
        engine = _engine(args)
        try:
            report = fetch_once(engine, _arxiv_client(config), args.categories)
        finally:
            engine.close()
    if report.not_modified and not report.fetched:
        print("nothing new since the last fetch (arXiv answered: not modified)")
        return 0
    since = f" since {report.since}" if report.since else ""
    print(f"fetched {report.fetched} papers{since} ({report.new} new) in {report.requests} requests"
          + ("" if report.complete else "; stopped at the page limit, older ones were left out"))
    for paper in report.papers:
        print(f"  {paper.id}  {paper.date[:10]}  {paper.title}")
    return 0


def _context(text: str | None) -> dict | None:
    """A paper id when the text is one, else a query."""
    if not text:
        return None
    try:
        return {"paper_id": canonical_id(text)}
    except ValidationError:
        return {"query": text}


def cmd_recommend(args) -> int:
    with _backend(args) as backend:
        context = _context(args.context)
        try:
            result = backend.recommend(context, args.k)
        except NotFound:  # an id-like text that names no stored paper: search for it instead
            result = backend.recommend({"query": args.context}, args.k)
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
        return 0
    if result["note"]:
        print(result["note"])
    if result["interests"]:
        print("Your interests: " + " | ".join(result["interests"]))
    for rank, item in enumerate(result["items"], 1):
        paper = item["paper"]
        authors = ", ".join(paper["authors"][:3]) + (" et al." if len(paper["authors"]) > 3 else "")
        print(f"\n{rank:2d}. {paper['title']}  [{item['score']:.0%}]")
        print(f"    {paper['id']} · {authors} · {paper['year'] or ''}".rstrip(" ·"))
        for reason in item["reasons"]:
            print(textwrap.fill(reason["text"], width=100, initial_indent="    - ", subsequent_indent="      "))
    return 0


def cmd_status(args) -> int:
    with _backend(args) as backend:
        status = backend.status()
    for key, value in status.items():
        print(f"{key:>8}: {value}")
    return 0


def cmd_export(args) -> int:
    with _backend(args) as backend:
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


def cmd_pair(args) -> int:
    config = _config(args)
    storage.ensure_home(config.home)
    token = storage.load_or_create_token(config.home / "token")
    print(token)
    print(f"\nPaste this token into the ReadNext extension's options (backend http://127.0.0.1:{config.port}).",
          file=sys.stderr)
    return 0


def cmd_bench_speed(args) -> int:
    from .bench.speed import speed
    return speed(args)


def cmd_bench_quality(args) -> int:
    from .bench.command import quality
    return quality(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="readnext", description="Your private paper recommender.")
    parser.add_argument("--version", action="version", version=f"readnext {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, func, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--home", help="data directory (default $READNEXT_HOME or ~/.local/share/readnext)")
        sub.set_defaults(func=func)
        return sub

    serve = command("serve", cmd_serve, "run the backend for the browser extension")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--model", help="embedding model: a local path or a Hugging Face name")
    imp = command("import", cmd_import, "add papers from an arXiv snapshot (JSONL) to the corpus, or your own "
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
    imp.add_argument("--model")
    fetch = command("fetch", cmd_fetch, "ask arXiv once for new papers in the categories you follow")
    fetch.add_argument("--categories", nargs="+", help="follow these for this run (your consent to ask arXiv)")
    fetch.add_argument("--model")
    rec = command("recommend", cmd_recommend, "what to read next, with the reasons")
    rec.add_argument("--context", help="a paper id in the corpus, or text to search for")
    rec.add_argument("-k", type=int, default=10)
    rec.add_argument("--json", action="store_true")
    rec.add_argument("--model")
    command("status", cmd_status, "model, corpus and index sizes, history").add_argument("--model")
    exp = command("export", cmd_export, "all your data as JSON, or your read and saved papers as BibTeX")
    exp.add_argument("--format", choices=["json", "bibtex"], default="json")
    exp.add_argument("--out", help="file to write (default: standard output)")
    exp.add_argument("--model")
    pair = command("pair", cmd_pair, "print the token the extension needs")
    pair.add_argument("--port", type=int, default=DEFAULT_PORT)
    bench = commands.add_parser("bench", help="measure the product on a benchmark",
                                description="measure the product on a benchmark")
    benches = bench.add_subparsers(dest="bench", required=True)
    quality = benches.add_parser("quality", help="ranking quality against today's baselines (docs/benchmarks.md)",
                                 description="ranking quality against today's baselines (docs/benchmarks.md)")
    quality.add_argument("--corpus", required=True, help="corpus.jsonl (../shared/bench/FORMAT.md)")
    quality.add_argument("--users", required=True, help="users.jsonl (../shared/bench/FORMAT.md)")
    quality.add_argument("--out", help="write the product's predictions here (JSON)")
    quality.add_argument("--home", help="data directory of the run; keeps the embeddings between runs "
                                        "(default bench-out/<benchmark>-home)")
    quality.add_argument("--model")
    quality.add_argument("--variant", action="append",
                         help="product variant to measure (repeatable; default: the product as shipped)")
    quality.add_argument("--setting", choices=["both", "history", "context"], default="both",
                         help="rank from the history alone, with the context page, or both")
    quality.add_argument("--limit", type=int, help="only the first N users")
    quality.add_argument("--no-baselines", action="store_true")
    quality.add_argument("--no-feedback", action="store_true")
    quality.set_defaults(func=cmd_bench_quality)
    speed = benches.add_parser("speed", help="latency, memory and throughput at scale (docs/benchmarks.md)",
                               description="latency, memory and throughput at scale (docs/benchmarks.md)")
    speed.add_argument("--papers", type=int, default=100_000, help="corpus size to build (default 100,000)")
    speed.add_argument("--home", help="data directory of the run (default bench-out/speed-<papers>-home)")
    speed.add_argument("--sample", default="../shared/data/arxiv-sample.jsonl",
                       help="real papers whose texts and vectors seed the corpus")
    speed.add_argument("--model")
    speed.add_argument("--clients", type=int, default=8, help="load phase: concurrent clients (default 8)")
    speed.add_argument("--load-seconds", type=float, default=60,
                       help="load phase: seconds of 60 %% event posts and 40 %% recommendations against a real "
                            "`readnext serve` (default 60; 0 skips it)")
    speed.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    speed.set_defaults(func=cmd_bench_speed)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ReadNextError as error:
        print(f"readnext: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("readnext: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

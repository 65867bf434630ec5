"""`readnext`: parse arguments, call the library, print. Errors become one short line and exit status 1."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import textwrap
import time
from dataclasses import asdict
from pathlib import Path

from .. import __version__
from . import client
from ..store import storage
from ..config import DEFAULT_PORT, Config
from ..errors import NotFound, ReadNextError, ValidationError
from ..process import configure_process
from ..records.papers import canonical_id


def _engine(args):
    from ..engine import ReadNext
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
                       host=getattr(args, "host", None), port=getattr(args, "port", None),
                       device=getattr(args, "device", None), precision=getattr(args, "precision", None))


def cmd_serve(args) -> int:
    config = _config(args)
    if config.host not in ("127.0.0.1", "localhost"):
        raise ReadNextError("ReadNext listens on 127.0.0.1 only: your reading history is not for the network")
    storage.ensure_home(config.home)
    with storage.exclusive_lock(config.home / "lock"):
        from ..server.app import create_app
        from ..engine import ReadNext
        from ..ingest.follow import Follower, fetch_settings
        from ..server.http import listen, serve_until_stopped
        engine = ReadNext(config)
        app = create_app(config, engine)
        # papers stored without a vector (a backfill, an interrupted import, a new model) are embedded meanwhile
        jobs = app.extensions["readnext.jobs"].start()
        follower = Follower(engine, lambda: _arxiv_client(config)).start()  # idle, sends nothing, unless opted in
        # CLI commands run beside the server ask it rather than open the data directory themselves
        server_file = client.server_file(config)
        storage.atomic_write_json(server_file, {"port": config.port, "pid": os.getpid()})
        try:
            server = listen(app, config.host, config.port)
            if engine.history.set_aside:
                print(f"events.jsonl: {engine.history.set_aside} line(s) that are not acknowledged events (a torn "
                      f"last line, other data) moved to events.rejected; `readnext check` lists them", flush=True)
            print(f"ReadNext {__version__} serving on http://{config.host}:{config.port} "
                  f"(model {engine.model}, {engine.corpus.count()} papers, data in {config.home})", flush=True)
            following = fetch_settings(engine.history)
            print(f"following arXiv: {', '.join(following['categories'])} every {following['interval_hours']:g} h"
                  if following["enabled"] else "following arXiv: off (no network traffic)", flush=True)
            serve_until_stopped(server)
        finally:
            # each of these returns at once when idle; busy, each finishes its step (a batch, a fetch, a save)
            jobs.stop()
            follower.stop(timeout=5)
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
    config = _config(args)
    server = client.running_server(config)
    if server is not None:  # the server owns the data directory: it imports, this process shows its progress
        if args.file == "-":
            raise ValidationError("a running server imports files, not this terminal's input: save it to a file")
        job = server.start_import({"path": str(Path(args.file).resolve()), "format": file_format, "as": args.as_,
                                   "categories": list(filter.categories), "from": filter.date_from,
                                   "until": filter.date_until})
        result = _follow(server, job, show_progress=not args.quiet)
        result.pop("format")
        report = (ImportReport if snapshot else LibraryReport)(**result)
    else:
        storage.ensure_home(config.home)
        with storage.exclusive_lock(config.home / "lock"):
            engine = _engine(args)
            try:
                if snapshot:
                    report = import_jsonl(engine, Path(args.file), show_progress=not args.quiet, filter=filter)
                else:
                    report = import_library(engine, args.file, args.as_ or "reading-list", file_format)
            finally:
                engine.close()
    if not snapshot:
        return _print_library(report, args)
    resumed = f", resumed at byte {report.resumed_at:,}" if report.resumed_at else ""
    filtered = f", {report.filtered:,} filtered out" if report.filtered else ""
    caught_up = f", {report.caught_up:,} left unembedded by an interrupted run embedded" if report.caught_up else ""
    print(f"imported {report.stored:,} papers from {report.read:,} lines in {report.seconds:.1f} s "
          f"({report.skipped} skipped{filtered}{resumed}{caught_up})")
    if report.malformed_lines:
        print("unreadable lines: " + ", ".join(map(str, report.malformed_lines))
              + (" ..." if report.skipped > len(report.malformed_lines) else ""))
    return 0


def _follow(server, job: dict, show_progress: bool = True, every_s: float = 0.5) -> dict:
    """Poll a job of the running server, showing its progress line, until it ends; its result."""
    shown = ""
    try:
        while job["state"] == "running":
            time.sleep(every_s)
            job = server.job(job["id"])
            if show_progress and job["line"] and job["line"] != shown:
                shown = job["line"]
                print("\r" + shown + "  ", end="", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print(f"\nreadnext: stopped watching; the server goes on with the {job['kind']} "
              "(`readnext status` shows how far it is)", file=sys.stderr)
        raise
    if show_progress and shown:
        print(file=sys.stderr)
    if job["state"] == "failed":
        raise ReadNextError(f"the server's {job['kind']} failed: {job['error']}")
    return job["result"]


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
    from ..ingest.follow import make_client
    return make_client(config)


def cmd_fetch(args) -> int:
    from ..ingest.follow import categories_to_fetch, fetch_once
    from ..store.history import History
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


def cmd_backfill(args) -> int:
    from ..ingest.backfill import Backfill, describe, plan
    from ..ingest.follow import policy_of
    from ..server.jobs import Embedding
    state = plan(args.categories, args.since, args.until or "")
    config = _config(args)
    print(describe(state, policy_of(config)), file=sys.stderr, flush=True)
    server = client.running_server(config)
    if server is not None:  # the server harvests and embeds in the background; this process shows how far
        answer = server.start_backfill({"categories": state.categories, "since": state.since, "until": state.until})
        final = _follow(server, answer["job"], show_progress=not args.quiet)
        _print_backfill(final)
        if not args.quiet:
            _watch_embedding(lambda: server.progress()["embedding"])
        return 0
    storage.ensure_home(config.home)
    with storage.exclusive_lock(config.home / "lock"):
        engine = _engine(args)
        try:
            show = (lambda now: print("\r" + now.line() + "  ", end="", file=sys.stderr, flush=True)) \
                if not args.quiet else None
            final = Backfill(engine, _arxiv_client(config), state, config.home, on_page=show).run()
            if show:
                print(file=sys.stderr)
            _print_backfill(asdict(final))
            embedding = Embedding(engine)
            _watch_embedding(lambda: embedding.to_dict(), step=embedding.step, show=not args.quiet)
        finally:
            engine.close()
    return 0


def _print_backfill(state: dict) -> None:
    print(f"backfill of {', '.join(state['categories'])} since {state['since']}: {state['stored']:,} papers stored "
          f"from {state['received']:,} records in {state['pages']} pages ({state['older']:,} first submitted "
          f"earlier, left out; a paper listed in two of the categories counts twice)")


def _watch_embedding(progress, step=None, show: bool = True) -> None:
    """Show the embedding line until no paper waits. With `step`, embed here; else the server embeds."""
    shown = False
    try:
        while True:
            now = progress()
            if now["error"]:
                raise ReadNextError(f"the embedding stopped: {now['error']}")
            if show and now["line"]:
                print("\r" + now["line"] + "  ", end="", file=sys.stderr, flush=True)
                shown = True
            if step is not None:
                if not step():
                    break
            elif now["pending"]:
                time.sleep(1.0)
            else:
                break
    except KeyboardInterrupt:
        if step is None:
            print("\nreadnext: stopped watching; the server goes on embedding", file=sys.stderr)
        raise
    if shown:
        print("\nall papers embedded", file=sys.stderr)


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
        progress = backend.progress()
    for key, value in status.items():
        print(f"{key:>8}: {value}")
    for job in progress["jobs"]:
        if job["state"] == "running":
            print(f"{job['kind']:>8}: {job['line'] or job['what']}")
    if progress["embedding"]["line"]:
        print(f"{'embedding':>8}: {progress['embedding']['line']}")
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


def cmd_check(args) -> int:
    from ..check import check, repair
    config = _config(args)
    if args.repair:
        storage.ensure_home(config.home)
        with storage.exclusive_lock(config.home / "lock"):
            for line in repair(config):
                print(f"repaired {line}")
    report = check(config)
    for problem in report.problems:
        print(problem.line())
    for note in report.notes:
        print(f"note: {note}")
    if report.problems:
        return 1
    print(f"{config.home}: no problems found")
    return 0


def cmd_pair(args) -> int:
    config = _config(args)
    if args.token:  # the manual path, for setups without a terminal beside the browser
        storage.ensure_home(config.home)
        print(storage.load_or_create_token(config.home / "token"))
        print(f"\nPaste this token into the ReadNext extension's options (backend http://127.0.0.1:{config.port}).",
              file=sys.stderr)
        return 0
    server = client.running_server(config)
    if server is None:
        raise ReadNextError("pairing needs the running backend: start `readnext serve`, click Pair in the "
                            "extension's options, then run `readnext pair` (or `readnext pair --token` to paste it)")
    code = args.confirm or _choose_request(server.pairing_requests())
    if code is None:
        print("not paired")
        return 1
    confirmed = server.confirm_pairing(code)
    print(f"paired: {confirmed['origin']} receives the token now")
    return 0


def _choose_request(requests: list[dict]) -> str | None:
    """The code the user confirms among the waiting requests, or None."""
    if not requests:
        raise ReadNextError("no pairing request is waiting: click Pair in the extension's options first")
    for request in requests:
        print(f"pairing request from {request['origin']}: code {request['code']} "
              f"(expires in {request['expires_in']} s)")
    try:
        if len(requests) == 1:
            answer = input(f"Does the extension show the code {requests[0]['code']}? Confirm [y/N] ")
            return requests[0]["code"] if answer.strip().lower() in ("y", "yes") else None
        return input("Type the code the extension shows (nothing to cancel): ").strip() or None
    except EOFError:
        raise ReadNextError("no answer on standard input: confirm with `readnext pair --confirm CODE`") from None


def cmd_train(args) -> int:
    config = _config(args)
    if client.running_server(config) is not None:
        print("the running server trains the ranking itself after new events: nothing to do")
        return 0
    storage.ensure_home(config.home)
    with storage.exclusive_lock(config.home / "lock"):
        engine = _engine(args)
        try:
            trained = engine.retrain_from_log()
        finally:
            engine.close()
    state = "ranks your lists" if trained["active"] else "waits for more (the fixed formula ranks)"
    print(f"learned from {trained['choice_sets']} lists with {trained['chosen']} papers opened: the model {state}")
    return 0


def cmd_bench_speed(args) -> int:
    from ..bench.speed import speed
    return speed(args)


def cmd_bench_embed(args) -> int:
    from ..bench.embedding import main
    return main(args)


def cmd_bench_quality(args) -> int:
    from ..bench.command import quality
    return quality(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="readnext", description="Your private paper recommender.")
    parser.add_argument("--version", action="version", version=f"readnext {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, func, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--home", help="data directory (default $READNEXT_HOME or ~/.local/share/readnext)")
        sub.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"],
                         help="where the model runs (default $READNEXT_DEVICE, else the fastest measured)")
        sub.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"],
                         help="the model's number format (default $READNEXT_PRECISION, else the fastest measured "
                              "that agrees with fp32)")
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
    backfill = command("backfill", cmd_backfill, "a first corpus: ask arXiv (OAI-PMH) once for the papers of some "
                                                 "categories since a date; shows what it sends first")
    backfill.add_argument("--categories", nargs="+", required=True, metavar="C", help="arXiv categories (cs.LG)")
    backfill.add_argument("--since", required=True, metavar="DATE", help="first submitted from YYYY-MM[-DD]")
    backfill.add_argument("--until", metavar="DATE", help="first submitted until YYYY-MM[-DD] (default: today)")
    backfill.add_argument("--quiet", action="store_true", help="no progress lines")
    backfill.add_argument("--model")
    fetch = command("fetch", cmd_fetch, "ask arXiv once for new papers in the categories you follow")
    fetch.add_argument("--categories", nargs="+", help="follow these for this run (your consent to ask arXiv)")
    fetch.add_argument("--model")
    train = command("train", cmd_train, "learn the ranking again from your whole history (docs/ranking.md)")
    train.add_argument("--model")
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
    chk = command("check", cmd_check, "verify the data directory (event log, papers, index, settings); "
                                       "--repair rebuilds what can be rebuilt, keeping a copy of what it replaces")
    chk.add_argument("--repair", action="store_true")
    chk.add_argument("--model")
    pair = command("pair", cmd_pair, "confirm the code the extension shows, so that it gets its token")
    pair.add_argument("--confirm", metavar="CODE", help="confirm this code without asking")
    pair.add_argument("--token", action="store_true", help="print the token instead, to paste into the options")
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
    quality.add_argument("--browse", choices=["both", "tune", "report", "none"], default="both",
                         help="browsing simulation on the tune half of the users, the report half, both or none")
    quality.add_argument("--browse-only", action="store_true", help="the browsing simulation and nothing else")
    quality.add_argument("--sample", default="../shared/data/arxiv-sample.jsonl",
                         help="arXiv sample for the planted-preference browsing simulation (skipped when absent)")
    quality.add_argument("--users-planted", type=int, help="simulated researchers of that simulation (default 100)")
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
    from ..bench.embedding import add_arguments as embed_arguments
    embed = benches.add_parser("embed", help="model speed in every device and precision against embed() "
                                             "(docs/benchmarks.md)", description="model speed in every device and "
                                                                                 "precision against embed()")
    embed_arguments(embed)
    embed.set_defaults(func=cmd_bench_embed)
    return parser


def main(argv: list[str] | None = None) -> int:
    configure_process()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ReadNextError as error:
        print(f"readnext: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("readnext: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `readnext export | head`: the reader has what it wanted
        # Python would try again to flush standard output at exit and fail the same way: point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as if ended by SIGPIPE, like other tools in a pipe


if __name__ == "__main__":
    sys.exit(main())

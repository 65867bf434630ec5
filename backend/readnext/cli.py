"""`readnext`: parse arguments, call the library, print. Errors become one short line and exit status 1."""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import textwrap
from pathlib import Path

from . import __version__, storage
from .config import DEFAULT_PORT, Config
from .errors import ReadNextError


def _engine(args):
    from .engine import ReadNext
    return ReadNext(_config(args))


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
        engine = ReadNext(config)
        app = create_app(config, engine)
        stop = threading.Event()

        def catch_up():  # papers stored without a vector (an interrupted import, a new model)
            while not stop.is_set() and engine.embed_pending():
                pass

        threading.Thread(target=catch_up, daemon=True, name="embed-pending").start()

        def shutdown(signum, _frame):
            stop.set()
            engine.close()
            sys.exit(0)

        signal.signal(signal.SIGTERM, shutdown)
        signal.signal(signal.SIGINT, shutdown)
        print(f"ReadNext {__version__} serving on http://{config.host}:{config.port} "
              f"(model {engine.model}, {engine.corpus.count()} papers, data in {config.home})", flush=True)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app.run(host=config.host, port=config.port, threaded=True, use_reloader=False)
    return 0


def cmd_import(args) -> int:
    from .importer import import_jsonl
    config = _config(args)
    storage.ensure_home(config.home)
    with storage.exclusive_lock(config.home / "lock"):
        engine = _engine(args)
        try:
            report = import_jsonl(engine, Path(args.file), show_progress=not args.quiet)
        finally:
            engine.close()
    resumed = f", resumed at byte {report.resumed_at:,}" if report.resumed_at else ""
    print(f"imported {report.stored:,} papers from {report.read:,} lines in {report.seconds:.1f} s "
          f"({report.skipped} skipped{resumed})")
    return 0


def cmd_recommend(args) -> int:
    engine = _engine(args)
    context = None
    if args.context:
        found = None
        try:
            found = engine.corpus.get(args.context)
        except ReadNextError:
            found = None  # not an id: the text is a query
        context = {"paper_id": found.id} if found else {"query": args.context}
    result = engine.recommend(context, args.k)
    if args.json:
        print(json.dumps({"mode": result.mode, "note": result.note, "interests": result.interests,
                          "items": [i.to_dict() for i in result.items]}, indent=1, ensure_ascii=False))
        return 0
    if result.note:
        print(result.note)
    if result.interests:
        print("Your interests: " + " | ".join(result.interests))
    for rank, item in enumerate(result.items, 1):
        paper = item.paper
        authors = ", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else "")
        print(f"\n{rank:2d}. {paper.title}  [{item.score:.0%}]")
        print(f"    {paper.id} · {authors} · {paper.year or ''}".rstrip(" ·"))
        for reason in item.reasons:
            print(textwrap.fill(reason["text"], width=100, initial_indent="    - ", subsequent_indent="      "))
    return 0


def cmd_status(args) -> int:
    engine = _engine(args)
    for key, value in engine.status().items():
        print(f"{key:>8}: {value}")
    return 0


def cmd_export(args) -> int:
    engine = _engine(args)
    text = json.dumps(engine.export(), indent=1, ensure_ascii=False)
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
    imp = command("import", cmd_import, "add papers from a JSONL file (arXiv metadata snapshot format)")
    imp.add_argument("file")
    imp.add_argument("--quiet", action="store_true", help="no progress line")
    imp.add_argument("--model")
    rec = command("recommend", cmd_recommend, "what to read next, with the reasons")
    rec.add_argument("--context", help="a paper id in the corpus, or text to search for")
    rec.add_argument("-k", type=int, default=10)
    rec.add_argument("--json", action="store_true")
    rec.add_argument("--model")
    command("status", cmd_status, "model, corpus and index sizes, history").add_argument("--model")
    exp = command("export", cmd_export, "all your data as JSON")
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

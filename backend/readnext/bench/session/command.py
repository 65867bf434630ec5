"""`readnext bench session`: reading sessions of researchers through the real extension in Chromium and Firefox,
every step recorded and checked; the table printed and the whole written as JSON. The lead mounts
`add_arguments` and `run` as the subcommand; until then: python -m readnext.bench.session ..."""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from ...store import storage
from .backend import BenchError
from .browsers import REPO, TimedOut
from .runner import BROWSERS, RunSettings, missing, run_session
from .script import RESEARCHERS, plan


def add_arguments(parser) -> None:
    parser.add_argument("--sample", default=str(REPO.parent / "shared" / "data" / "arxiv-sample.jsonl"),
                        help="the arXiv sample: the corpus, and the papers the pages show")
    parser.add_argument("--shared", default=str(REPO.parent / "shared"), help="../shared: the saved pages")
    parser.add_argument("--researchers", nargs="+", default=[r.key for r in RESEARCHERS],
                        choices=[r.key for r in RESEARCHERS])
    parser.add_argument("--browsers", nargs="+", default=list(BROWSERS), choices=BROWSERS)
    parser.add_argument("--dwell", type=float, default=12.0, help="seconds each paper is read (default 12)")
    parser.add_argument("--min-seconds", type=int, default=10,
                        help="the extension's minimum visible time for a view (its default: 10)")
    parser.add_argument("--short", action="store_true", help="the first steps of each session only")
    parser.add_argument("--corpus", choices=("sample", "pages"), default="sample",
                        help="the whole sample, or only the papers the pages show (quick)")
    parser.add_argument("--work", default="bench-out/session", help="homes and records; the corpus's home is kept")
    parser.add_argument("--out", default=None, help="the report as JSON (default: WORK/report.json)")
    parser.add_argument("--recheck", action="store_true",
                        help="no sessions: check the records the last run left in WORK again")
    parser.add_argument("--model", default=None)


def run(args) -> int:
    from ...config import Config
    from ...vectors.embed import load_embedder
    from .report import table

    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    for browser in [] if args.recheck else args.browsers:
        if problem := missing(browser):
            print(f"readnext bench session: {problem}", file=sys.stderr)
            return 1
    began = time.monotonic()
    work = Path(args.work).resolve()
    base = _base(args, work)
    storage.ensure_home(base)
    embedder = load_embedder(Config.load(home=base, model=args.model))  # measures its precision in the base home
    if args.recheck:
        records = [json.loads(path.read_text()) for path in _record_paths(args, work) if path.exists()]
        failed = []
    else:
        records, failed = _measure(args, work, base, embedder, log)
    summaries = [_summary(record, embedder) for record in records]
    text = table(summaries) + "".join(f"\n{f['researcher']} in {f['browser']}: not measured ({f['error']})"
                                      for f in failed)
    print(text)
    out = Path(args.out) if args.out else work / "report.json"
    storage.atomic_write_json(out, {"command": " ".join(sys.argv), "wall_s": round(time.monotonic() - began, 1),
                                    "dwell_s": args.dwell, "min_seconds": args.min_seconds, "table": text,
                                    "sessions": summaries, "failed": failed})
    log(f"written: {out}, the sessions' records in {work}/<researcher>-<browser>/session.json; "
        f"{time.monotonic() - began:.0f} s")
    return 1 if failed else 0


def _researchers(args):
    return [r for r in RESEARCHERS if r.key in args.researchers]


def _record_paths(args, work: Path) -> list[Path]:
    return [work / f"{r.key}-{browser}" / "session.json" for r in _researchers(args) for browser in args.browsers]


def _inputs(args):
    from .pages import Templates
    from .sample import load_sample
    sample = load_sample(Path(args.sample))
    return sample, Templates.load(Path(args.shared), REPO / "tests" / "fixtures"), datetime.now(timezone.utc).date()


def _corpus(args) -> list:
    sample, templates, today = _inputs(args)
    if args.corpus == "sample":
        return [p.paper for p in sample]
    wanted = {i for r in _researchers(args) for i in plan(r, sample, templates, today, args.short).pages.shown_papers()}
    return [p.paper for p in sample if p.id in wanted]


def _base(args, work: Path) -> Path:
    """The corpus's home: one per corpus, kept between runs (its embeddings are the slow part)."""
    return work / ("corpus-sample" if args.corpus == "sample" else f"corpus-pages{'-short' if args.short else ''}")


def _measure(args, work: Path, base: Path, embedder, log) -> tuple[list[dict], list[dict]]:
    """Every researcher's session in every browser: (their records, those that could not be run)."""
    from .twins import prepare_base
    prepare_base(base, _corpus(args), args.model, log, embedder)
    sample, templates, today = _inputs(args)
    settings = RunSettings(base=base, work=work, dwell=args.dwell, min_seconds=args.min_seconds, model=args.model)
    records, failed = [], []
    for researcher in _researchers(args):
        for browser in args.browsers:
            session = plan(researcher, sample, templates, today, args.short)  # its pages change overnight
            try:
                record = run_session(session, browser, settings, log, embedder)
            except (BenchError, TimedOut) as error:  # the others still run; the report says which could not
                log(f"{researcher.key} in {browser} stopped: {error}")
                failed.append({"researcher": researcher.key, "browser": browser, "error": str(error)})
                continue
            storage.atomic_write_json(work / f"{researcher.key}-{browser}" / "session.json", record)
            records.append(record)
    return records, failed


def _summary(record: dict, embedder) -> dict:
    from .checks import summary
    from .facts import HomeReader
    home = HomeReader(Path(record["home"]), record["model"], embedder.embed)
    try:
        return summary(record, home)
    finally:
        home.close()

"""What the commands print: their results as lines for a terminal, every string that came from outside (titles,
authors, .bib keys, file names, origins, errors quoting input) made safe for it first."""
from __future__ import annotations

import json
import re
import textwrap

# What a terminal acts on instead of showing: C0 controls (ESC opens CSI and OSC sequences: an OSC 52 writes the
# clipboard), DEL, C1 controls (U+009B is CSI on its own), line and paragraph separators, the bidi marks, embeddings,
# overrides and isolates (they reorder what follows on the line), and lone surrogates (which cannot be printed).
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def terminal_safe(text) -> str:
    """`text` as a terminal shows it literally: each unsafe character written as its escape (\\x1b, \\u202e)."""
    return UNSAFE.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", str(text))


def json_text(value) -> str:
    """`value` as JSON (readable, not ASCII-only) whose unsafe characters are JSON escapes: the same data. The JSON
    encoder escapes the C0 controls in strings itself; the only ones it writes raw are the newlines of its layout."""
    return UNSAFE.sub(lambda m: m[0] if m[0] == "\n" else f"\\u{ord(m[0]):04x}",
                      json.dumps(value, indent=1, ensure_ascii=False))


def lines_safe(text: str) -> str:
    """Text of several lines (a BibTeX export), each made safe, the line ends kept."""
    return "\n".join(terminal_safe(line) for line in text.split("\n"))


def show(line: str = "") -> None:
    """Print one line to standard output, made safe for the terminal as a whole (a line holds no line end)."""
    print(terminal_safe(line), flush=True)


def print_snapshot_import(report) -> None:
    resumed = f", resumed at byte {report.resumed_at:,}" if report.resumed_at else ""
    filtered = f", {report.filtered:,} filtered out" if report.filtered else ""
    caught_up = f", {report.caught_up:,} left unembedded by an interrupted run embedded" if report.caught_up else ""
    show(f"imported {report.stored:,} papers from {report.read:,} lines in {report.seconds:.1f} s "
         f"({report.skipped} skipped{filtered}{resumed}{caught_up})")
    if report.malformed_lines:
        show("unreadable lines: " + ", ".join(map(str, report.malformed_lines))
             + (" ..." if report.skipped > len(report.malformed_lines) else ""))


def print_library_import(report, file: str, counted_as: str | None) -> None:
    what = "your own papers (weighed like saved ones)" if counted_as == "mine" else "your reading list (like read ones)"
    show(f"read {report.papers:,} papers from {file}: {report.linked:,} linked to papers already in the "
         f"corpus, {report.new:,} new")
    show(f"recorded {report.recorded:,} as {what}"
         + (f"; {report.already_recorded:,} were already recorded" if report.already_recorded else ""))
    if report.problems:
        show(f"{len(report.problems)} skipped:")
        for problem in report.problems:
            show(f"  {problem}")


def print_backfill(state: dict) -> None:
    show(f"backfill of {', '.join(state['categories'])} since {state['since']}: {state['stored']:,} papers stored "
         f"from {state['received']:,} records in {state['pages']} pages ({state['older']:,} first submitted "
         f"earlier, left out; a paper listed in two of the categories counts twice)")


def print_fetch(report) -> None:
    if report.not_modified and not report.fetched:
        show("nothing new since the last fetch (arXiv answered: not modified)")
        return
    since = f" since {report.since}" if report.since else ""
    show(f"fetched {report.fetched} papers{since} ({report.new} new) in {report.requests} requests"
         + ("" if report.complete else "; stopped at the page limit, older ones were left out"))
    for paper in report.papers:
        show(f"  {paper.id}  {paper.date[:10]}  {paper.title}")


def print_recommendations(result: dict) -> None:
    if result["note"]:
        show(result["note"])
    if result["interests"]:
        show("Your interests: " + " | ".join(result["interests"]))
    for rank, item in enumerate(result["items"], 1):
        paper = item["paper"]
        authors = ", ".join(paper["authors"][:3]) + (" et al." if len(paper["authors"]) > 3 else "")
        show()
        show(f"{rank:2d}. {paper['title']}  [{item['score']:.0%}]")
        show(f"    {paper['id']} · {authors} · {paper['year'] or ''}".rstrip(" ·"))
        for reason in item["reasons"]:
            print(textwrap.fill(terminal_safe(reason["text"]), width=100, initial_indent="    - ",
                                subsequent_indent="      "))


def print_status(status: dict, progress: dict) -> None:
    for key, value in status.items():
        show(f"{key:>8}: {value}")
    for job in progress["jobs"]:
        if job["state"] == "running":
            show(f"{job['kind']:>8}: {job['line'] or job['what']}")
    if progress["embedding"]["line"]:
        show(f"{'embedding':>8}: {progress['embedding']['line']}")

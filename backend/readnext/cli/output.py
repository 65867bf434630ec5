"""What the commands print: their results as lines for a terminal."""
from __future__ import annotations

import textwrap


def print_snapshot_import(report) -> None:
    resumed = f", resumed at byte {report.resumed_at:,}" if report.resumed_at else ""
    filtered = f", {report.filtered:,} filtered out" if report.filtered else ""
    caught_up = f", {report.caught_up:,} left unembedded by an interrupted run embedded" if report.caught_up else ""
    print(f"imported {report.stored:,} papers from {report.read:,} lines in {report.seconds:.1f} s "
          f"({report.skipped} skipped{filtered}{resumed}{caught_up})")
    if report.malformed_lines:
        print("unreadable lines: " + ", ".join(map(str, report.malformed_lines))
              + (" ..." if report.skipped > len(report.malformed_lines) else ""))


def print_library_import(report, file: str, counted_as: str | None) -> None:
    what = "your own papers (weighed like saved ones)" if counted_as == "mine" else "your reading list (like read ones)"
    print(f"read {report.papers:,} papers from {file}: {report.linked:,} linked to papers already in the "
          f"corpus, {report.new:,} new")
    print(f"recorded {report.recorded:,} as {what}"
          + (f"; {report.already_recorded:,} were already recorded" if report.already_recorded else ""))
    if report.problems:
        print(f"{len(report.problems)} skipped:")
        for problem in report.problems:
            print(f"  {problem}")


def print_backfill(state: dict) -> None:
    print(f"backfill of {', '.join(state['categories'])} since {state['since']}: {state['stored']:,} papers stored "
          f"from {state['received']:,} records in {state['pages']} pages ({state['older']:,} first submitted "
          f"earlier, left out; a paper listed in two of the categories counts twice)")


def print_fetch(report) -> None:
    if report.not_modified and not report.fetched:
        print("nothing new since the last fetch (arXiv answered: not modified)")
        return
    since = f" since {report.since}" if report.since else ""
    print(f"fetched {report.fetched} papers{since} ({report.new} new) in {report.requests} requests"
          + ("" if report.complete else "; stopped at the page limit, older ones were left out"))
    for paper in report.papers:
        print(f"  {paper.id}  {paper.date[:10]}  {paper.title}")


def print_recommendations(result: dict) -> None:
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


def print_status(status: dict, progress: dict) -> None:
    for key, value in status.items():
        print(f"{key:>8}: {value}")
    for job in progress["jobs"]:
        if job["state"] == "running":
            print(f"{job['kind']:>8}: {job['line'] or job['what']}")
    if progress["embedding"]["line"]:
        print(f"{'embedding':>8}: {progress['embedding']['line']}")

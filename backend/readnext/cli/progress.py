"""How far a long command is: one line on standard error, rewritten in place, and the loops that feed it from a
job of the running server or from the embedding."""
from __future__ import annotations

import sys
import time
from typing import Callable

from ..errors import ReadNextError
from .output import terminal_safe


class ProgressLine:
    """One line on standard error, rewritten in place (`\\r`) while a job goes on; `end` moves past it."""

    def __init__(self, visible: bool = True):
        self.visible = visible
        self.shown = ""

    def show(self, line: str) -> None:
        if self.visible and line and line != self.shown:
            print("\r" + terminal_safe(line) + "  ", end="", file=sys.stderr, flush=True)
            self.shown = line

    def end(self, after: str = "") -> None:
        """Below the line, when one was shown: `after`, if any."""
        if self.shown:
            print("\n" + after if after else "", file=sys.stderr)


def follow_job(server, job: dict, show_progress: bool = True, every_s: float = 0.5) -> dict:
    """Poll a job of the running server, showing its progress line, until it ends; its result."""
    line = ProgressLine(show_progress)
    try:
        while job["state"] == "running":
            time.sleep(every_s)
            job = server.job(job["id"])
            line.show(job["line"])
    except KeyboardInterrupt:
        print(f"\nreadnext: stopped watching; the server goes on with the {job['kind']} "
              "(`readnext status` shows how far it is)", file=sys.stderr)
        raise
    line.end()
    if job["state"] == "failed":
        raise ReadNextError(f"the server's {job['kind']} failed: {job['error']}")
    return job["result"]


def watch_embedding(progress: Callable[[], dict], step: Callable[[], bool] | None = None, show: bool = True) -> None:
    """Show the embedding line until no paper waits. With `step`, embed here; else the server embeds."""
    line = ProgressLine(show)
    try:
        while True:
            now = progress()
            if now["error"]:
                raise ReadNextError(f"the embedding stopped: {now['error']}")
            line.show(now["line"])
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
    line.end("all papers embedded")

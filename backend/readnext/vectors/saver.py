"""Index saves off the request path. Requests only tell the saver that the index changed; its thread saves
when enough additions are unsaved, or when additions have paused, so an idle server holds nothing unsaved and
stops at once. A crash before a save loses nothing: start-up re-adds from the vector cache what the saved
index lacks (Indexer._index_from_cache)."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from ..errors import ReadNextError

IDLE_SECONDS = 10.0  # additions paused this long: save what is unsaved
log = logging.getLogger("readnext.vectors.saver")


class IndexSaver:
    def __init__(self, save: Callable[[], None], unsaved: Callable[[], int], due: Callable[[], int],
                 idle_seconds: float = IDLE_SECONDS):
        self._save, self._unsaved, self._due = save, unsaved, due
        self.idle_seconds = idle_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._last_change = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True, name="index-saver")

    def start(self) -> "IndexSaver":
        self._thread.start()
        return self

    def changed(self) -> None:
        """The index gained vectors that are not saved yet; never waits for a save."""
        self._last_change = time.monotonic()
        if self._unsaved() >= self._due():
            self._wake.set()

    def stop(self) -> None:
        """Stop the thread, after the save in flight if there is one."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.idle_seconds)
            self._wake.clear()
            if self._stopping.is_set():
                return
            unsaved = self._unsaved()
            paused = time.monotonic() - self._last_change >= self.idle_seconds
            if unsaved and (unsaved >= self._due() or paused):
                try:
                    self._save()
                except (OSError, ReadNextError):  # the disk may come back: the next round tries again
                    log.exception("saving the index failed; it will be tried again")

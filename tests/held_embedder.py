"""An embedder made slow deterministically, for tests of who gets the model when (vectors/gate.py)."""
import threading
import time

from readnext.vectors.embed import HashingEmbedder

WAIT_S = 10.0


class HeldEmbedder(HashingEmbedder):
    """The test embedder, made slow deterministically: each call waits until the test lets one call through,
    and the calls are logged in the order they reached the model."""

    def __init__(self):
        super().__init__(64)
        self.calls: list[list[str]] = []
        self.entered = threading.Semaphore(0)
        self.proceed = threading.Semaphore(0)
        self.held = threading.Event()  # while set, every call waits for its permit

    def embed(self, texts):
        if self.held.is_set():
            self.calls.append(list(texts))
            self.entered.release()
            assert self.proceed.acquire(timeout=WAIT_S), "the test never let this call through"
        return super().embed(texts)

    def let_through(self, calls: int = 10_000) -> None:
        for _ in range(calls):
            self.proceed.release()


def until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.001)


def in_thread(work, started: list) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    started.append(thread)
    return thread

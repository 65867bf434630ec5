"""Pairing without copy-paste. The extension asks to pair (with a secret of its own) and shows a short code; the
user confirms that code in a terminal with `readnext pair`, which can only call the server because it reads the
token file (proof of local access as this user); the extension then collects the token with its secret, once.

Why a web page, another extension or a DNS-rebinding page never gets the token: the API refuses any Origin but an
extension's and any Host but 127.0.0.1/localhost; only the attempt's own secret collects the token, and only once;
a confirmation needs the token already; the code only tells the user which of the waiting attempts is theirs (the
terminal shows each one's origin too); attempts expire after a few minutes, and few may start or wait at once.
The state is in memory only: a restart of the server drops unfinished attempts, which are cheap to start again.

The limits are each origin's: a local process can put any extension's origin in a request, and its starts from
other origins must not keep the real extension from pairing. Starts that forge the real extension's own origin
cannot be told from it here; they are bounded by that origin's limits, and the user tells them apart by the code
the extension shows. A bound on all origins together keeps the memory small; pinning the extension's id
(READNEXT_EXTENSION_IDS) refuses every other origin before it reaches this module.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from ..errors import NotFound, TooManyRequests, ValidationError

ATTEMPT_SECONDS = 180.0  # long enough to switch to a terminal and type a command
MAX_WAITING = 3  # attempts of one origin waiting for a confirmation
MAX_STARTS_PER_MINUTE = 6  # of one origin
MAX_WAITING_IN_ALL = 32  # all origins together
CODE_DIGITS = 6  # a code names one of at most MAX_WAITING attempts; guessing it gains nothing without the token


@dataclass
class Attempt:
    id: str
    code: str
    origin: str
    started: float
    secret_digest: bytes
    confirmed: bool = False

    def view(self, now: float) -> dict:
        """What the terminal shows: never the secret."""
        return {"code": display_code(self.code), "origin": self.origin,
                "expires_in": max(0, round(self.started + ATTEMPT_SECONDS - now))}


def display_code(code: str) -> str:
    return f"{code[:3]}-{code[3:]}"


def _new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def _normalise_code(code) -> str:
    digits = "".join(ch for ch in str(code or "") if ch.isdigit())
    if len(digits) != CODE_DIGITS:
        raise ValidationError(f"a pairing code has {CODE_DIGITS} digits, like 472-913")
    return digits


def _digest(secret) -> bytes:
    if not isinstance(secret, str) or not 32 <= len(secret) <= 256:
        raise ValidationError("'secret' must be a string of 32 to 256 characters made by the extension")
    return hashlib.sha256(secret.encode("utf-8")).digest()


class Pairings:
    """The attempts of one server. Thread-safe: the server answers requests on several threads."""

    def __init__(self, token: str, clock=time.monotonic):
        self._token = token
        self._clock = clock
        self._attempts: dict[str, Attempt] = {}
        self._starts: dict[str, deque[float]] = {}  # by origin, the starts of the last minute
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        for key in [k for k, a in self._attempts.items() if now - a.started >= ATTEMPT_SECONDS]:
            del self._attempts[key]
        for origin, starts in list(self._starts.items()):
            while starts and now - starts[0] >= 60:
                starts.popleft()
            if not starts:
                del self._starts[origin]

    def start(self, origin: str, secret) -> Attempt:
        digest = _digest(secret)
        with self._lock:
            now = self._clock()
            self._expire(now)
            if len(self._starts.get(origin, ())) >= MAX_STARTS_PER_MINUTE:
                raise TooManyRequests(f"too many pairing attempts from {origin} in the last minute; wait a minute")
            waiting = [a for a in self._attempts.values() if not a.confirmed]
            mine = [a for a in waiting if a.origin == origin]
            if len(mine) >= MAX_WAITING:
                raise TooManyRequests(
                    f"{MAX_WAITING} pairing attempts from {origin} are already waiting for a confirmation: confirm "
                    f"the code your extension shows with `readnext pair`, or try again in "
                    f"{mine[0].started + ATTEMPT_SECONDS - now:.0f} s")
            if len(waiting) >= MAX_WAITING_IN_ALL:
                raise TooManyRequests(
                    f"{MAX_WAITING_IN_ALL} pairing attempts of several extensions are waiting; to let yours alone "
                    "pair, set READNEXT_EXTENSION_IDS to its id and restart `readnext serve`")
            self._starts.setdefault(origin, deque()).append(now)
            taken = {a.code for a in self._attempts.values()}
            code = _new_code()
            while code in taken:
                code = _new_code()
            attempt = Attempt(secrets.token_urlsafe(16), code, origin, now, digest)
            self._attempts[attempt.id] = attempt
            return attempt

    def waiting(self) -> list[dict]:
        """The attempts not yet confirmed, oldest first, as the terminal shows them."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            return [a.view(now) for a in self._attempts.values() if not a.confirmed]

    def confirm(self, code) -> dict:
        digits = _normalise_code(code)
        with self._lock:
            now = self._clock()
            self._expire(now)
            attempt = next((a for a in self._attempts.values() if a.code == digits and not a.confirmed), None)
            if attempt is None:
                raise NotFound(f"no pairing attempt with code {display_code(digits)} is waiting (they expire after "
                               f"{ATTEMPT_SECONDS / 60:g} minutes): click Pair in the extension again")
            attempt.confirmed = True
            return attempt.view(now)

    def collect(self, attempt_id, secret) -> dict:
        """{"state": "waiting"} until the user confirms, then the token, once: the attempt ends with it."""
        digest = _digest(secret)
        with self._lock:
            now = self._clock()
            self._expire(now)
            attempt = self._attempts.get(attempt_id) if isinstance(attempt_id, str) else None
            # Unknown, expired, collected and wrong-secret attempts all look the same to the caller.
            if attempt is None or not hmac.compare_digest(attempt.secret_digest, digest):
                raise NotFound("no such pairing attempt: it expired or was used; start pairing again")
            if not attempt.confirmed:
                return {"state": "waiting", **attempt.view(now)}
            del self._attempts[attempt.id]
            return {"state": "paired", "token": self._token}

"""`readnext serve`'s HTTP server: waitress (a production WSGI server in pure Python, so the same on Linux,
macOS and Windows) in front of the app, stopped promptly by SIGTERM or Ctrl-C.

Any local process can connect to 127.0.0.1, so the limits below keep an idle or slow client from starving the
extension (docs/reliability.md, "Connections and uploads"): at the connection limit the connection that has waited
longest without a request being served is closed to make room, so no number of idle clients keeps a newcomer out;
a request must arrive whole within REQUEST_SECONDS of its first byte; and the body is weighed at the end of the
headers, before a byte of it is kept: more than the API takes, or more than OPEN_BODY_BYTES without the pairing
token, is refused there (413, 401), its bytes read and dropped, so nobody without the token makes the server buffer
more than a few kilobytes."""
from __future__ import annotations

import functools
import json
import signal
import time

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.utilities import Error

from ..errors import ReadNextError
from .failures import ERROR_CODES
from .guard import OPEN_PATHS, token_matches

# Most of a request holds the GIL (ranking, SQLite, JSON), so more threads than this only queue on it; fewer
# would let one slow request (a new paper's embedding) hold up the sidebar's recommendations behind it.
THREADS = 8
CONNECTIONS = 256  # open at once (the browser keeps about 6); with their buffers, at most ~20 MB without the token
IDLE_SECONDS = 30  # a connection silent this long between requests is closed (the browser opens another)
REQUEST_SECONDS = 10  # from a request's first byte to its last: a local client sends 2 MiB in milliseconds
HEADER_BYTES = 64 * 1024  # the browser's headers, cookies for 127.0.0.1 included, take a few kilobytes
OPEN_BODY_BYTES = 16 * 1024  # what a request without the token may carry: the open endpoints take a few hundred
DROPPED_BYTES = 16 * 1024 * 1024  # a refused body up to this is read and dropped, so its sender gets the answer


def listen(app, host: str, port: int, token: str, max_body_bytes: int, threads: int = THREADS):
    """A server bound to host:port, not yet serving; `token` is the pairing token, `max_body_bytes` the API's
    largest body (the app answers the same limit)."""
    adjustments = Adjustments(host=host, port=port, threads=threads, ident="readnext", connection_limit=CONNECTIONS,
                              channel_timeout=IDLE_SECONDS, cleanup_interval=2, asyncore_use_poll=True,
                              max_request_header_size=HEADER_BYTES, max_request_body_size=max_body_bytes + 1)
    try:
        return Server(app, adj=adjustments, token=token)
    except OSError as error:  # the port is taken (another ReadNext on another home?) or not ours to use
        raise ReadNextError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def serve_until_stopped(server) -> None:
    """Serve until SIGTERM or SIGINT; returns once the requests in flight are answered (waitress waits up to
    5 s for them) and the socket is closed."""
    def stop(signum, _frame):
        for each in (signal.SIGTERM, signal.SIGINT):  # a second signal during the clean-up ends the process
            signal.signal(each, signal.SIG_DFL)
        raise SystemExit(0)  # waitress's loop ends on it, closes the socket and joins its threads

    for each in (signal.SIGTERM, signal.SIGINT):
        signal.signal(each, stop)
    server.run()


class Refusal(Error):
    """A request refused before the app sees it, answered in the API's JSON error shape (docs/api.md)."""

    def __init__(self, code: int, reason: str, message: str):
        super().__init__(message)
        self.code, self.reason = code, reason

    def to_response(self, ident=None):
        body = json.dumps({"error": {"code": ERROR_CODES.get(self.code, "error"), "message": self.body}})
        return f"{self.code} {self.reason}", [("Content-Type", "application/json")], body.encode()


class Request(HTTPRequestParser):
    """waitress's parser of one request, which also weighs the body at the end of the headers. A refused body is
    read to its end and dropped (kept nowhere), so that its sender, which sends it all before it reads, reads the
    answer; one declared larger than DROPPED_BYTES is refused at once and the connection closed."""

    def __init__(self, server: "Server", adj: Adjustments):
        super().__init__(adj)
        self.server = server
        self.started = time.time()  # the first byte: REQUEST_SECONDS from here
        self.to_drop = 0  # bytes of a refused body still to read

    def received(self, data: bytes) -> int:
        if self.to_drop:
            dropped = min(self.to_drop, len(data))
            self.to_drop -= dropped
            self.completed = not self.to_drop
            return dropped
        had_headers = self.headers_finished
        consumed = super().received(data)
        weighed = self.error is None or self.error.code == 413  # a malformed request stays waitress's 400
        if self.headers_finished and not had_headers and weighed and (refusal := self._refusal()):
            self.error = refusal
        elif self.error is None or isinstance(self.error, Refusal):
            return consumed
        else:  # waitress's own refusal, in plain text
            self.error = Refusal(self.error.code, self.error.reason, self._message(self.error))
        if self.headers_finished and not had_headers:
            self.expect_continue = False  # no "100 Continue": the body is not wanted
            self.to_drop = 0 if self.chunked or self.content_length > DROPPED_BYTES else self.content_length
            self.completed = not self.to_drop
        return consumed

    def _refusal(self) -> Refusal | None:
        """The refusal of a body nobody without the token may send (waitress refuses one the API never takes)."""
        small = not self.chunked and self.content_length <= OPEN_BODY_BYTES
        if small or token_matches(self.headers.get("AUTHORIZATION", ""), self.server.token):
            return None
        limit = f"a request without the pairing token may carry at most {OPEN_BODY_BYTES:,} bytes"
        if self.path in OPEN_PATHS:
            return Refusal(413, "Request Entity Too Large", limit)
        return Refusal(401, "Unauthorized", f"missing or wrong pairing token ({limit})")

    def _message(self, error: Error) -> str:
        if error.code == 413:
            return f"the request is larger than {self.adj.max_request_body_size - 1} bytes"
        return f"{error.reason}: {error.body}"


class Channel(HTTPChannel):
    def __init__(self, server: "Server", sock, addr, adj, map=None):
        super().__init__(server, sock, addr, adj, map)
        self.parser_class = functools.partial(Request, server)


class Server(TcpWSGIServer):
    """waitress's TCP server with the limits of this module (its docstring says why)."""

    channel_class = Channel

    def __init__(self, app, adj: Adjustments, token: str):
        self.token = token
        super().__init__(app, adj=adj)

    def readable(self) -> bool:
        """Whether to accept: below the limit; at it, room is made for the next turn of the loop. (waitress's own
        would log two lines each time room is made: under a crowd, thousands a minute.)"""
        now = time.time()
        if now >= self.next_channel_cleanup:
            self.next_channel_cleanup = now + self.adj.cleanup_interval
            self.maintenance(now)
        if not self.accepting:
            return False
        if len(self._map) < self.adj.connection_limit:
            return True
        self._make_room()
        return False

    def _make_room(self) -> None:
        """Close (at the loop's next turn, as waitress closes) the connection that has waited longest without a
        request being served, unless one is closing already."""
        channels = list(self.active_channels.values())
        if any(channel.will_close or channel.close_when_flushed for channel in channels):
            return
        waiting = [channel for channel in channels if not channel.requests]
        if waiting:
            min(waiting, key=lambda channel: channel.creation_time).will_close = True

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # closes connections idle past IDLE_SECONDS
        for channel in list(self.active_channels.values()):
            if channel.request is not None and now - channel.request.started > REQUEST_SECONDS:
                channel.will_close = True

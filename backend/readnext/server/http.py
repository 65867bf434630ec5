"""`readnext serve`'s HTTP server: waitress (a production WSGI server in pure Python, so the same on Linux,
macOS and Windows) in front of the app, stopped promptly by SIGTERM or Ctrl-C."""
from __future__ import annotations

import signal

import waitress

from ..errors import ReadNextError

# Most of a request holds the GIL (ranking, SQLite, JSON), so more threads than this only queue on it; fewer
# would let one slow request (a new paper's embedding) hold up the sidebar's recommendations behind it.
THREADS = 8


def listen(app, host: str, port: int, threads: int = THREADS):
    """A server bound to host:port, not yet serving."""
    try:
        return waitress.create_server(app, host=host, port=port, threads=threads, ident="readnext")
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

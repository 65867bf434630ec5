"""The backend for the extension: `serve` runs it (server/run.py), `pair` gives the extension its token."""
from __future__ import annotations

import sys
from typing import NoReturn

from ..errors import ReadNextError
from ..store import storage
from . import client
from .output import show, terminal_safe
from .local import Factories
from .options import config_of


def serve(args, factories: Factories) -> NoReturn:
    from ..server.run import serve as run_server  # ends the process when stopped
    run_server(config_of(args), make_engine=factories.engine, make_arxiv=factories.arxiv)


def pair(args, factories: Factories) -> int:
    config = config_of(args)
    if args.token:  # the manual path, for setups without a terminal beside the browser
        storage.ensure_home(config.home)
        print(storage.load_or_create_token(config.home / "token"))
        print(f"\nPaste this token into the ReadNext extension's options (backend http://127.0.0.1:{config.port}).",
              file=sys.stderr)
        return 0
    server = client.running_server(config)
    if server is None:
        raise ReadNextError("pairing needs the running backend: start `readnext serve`, click Pair in the "
                            "extension's options, then run `readnext pair` (or `readnext pair --token` to paste it)")
    code = args.confirm or _choose_request(server.pairing_requests())
    if code is None:
        print("not paired")
        return 1
    confirmed = server.confirm_pairing(code)
    show(f"paired: {confirmed['origin']} receives the token now")
    return 0


def _choose_request(requests: list[dict]) -> str | None:
    """The code the user confirms among the waiting requests, or None."""
    if not requests:
        raise ReadNextError("no pairing request is waiting: click Pair in the extension's options first")
    for request in requests:
        show(f"pairing request from {request['origin']}: code {request['code']} "
             f"(expires in {request['expires_in']} s)")
    try:
        if len(requests) == 1:
            answer = input(terminal_safe(f"Does the extension show the code {requests[0]['code']}? Confirm [y/N] "))
            return requests[0]["code"] if answer.strip().lower() in ("y", "yes") else None
        return input("Type the code the extension shows (nothing to cancel): ").strip() or None
    except EOFError:
        raise ReadNextError("no answer on standard input: confirm with `readnext pair --confirm CODE`") from None

"""How a running `readnext serve` is found and believed: server.json names its port and process, and the server
proves it holds the data directory's token by answering a nonce (docs/reliability.md, "Who the CLI talks to").
Apart from run.py so that the CLI and the proof's view read it without loading the server."""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from ..config import Config


def server_file(config: Config) -> Path:
    """Where the running server says where it answers: CLI commands beside it ask it rather than open the data
    directory themselves (cli/client.py)."""
    return config.home / "server.json"


def server_proof(token: str, port: int, pid: int, nonce: str) -> str:
    """What the server on `port` (process `pid`) answers to `nonce`: an HMAC under the data directory's token, which
    only this directory's server and CLI can read. The port and pid are in it, so a listener elsewhere cannot pass
    on the real server's answer as its own."""
    message = f"readnext server proof\n{port}\n{pid}\n{nonce}".encode()
    return hmac.new(token.encode(), message, hashlib.sha256).hexdigest()

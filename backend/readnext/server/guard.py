"""Who may call the API, checked before every view: requests addressed to this machine (DNS rebinding), from the
ReadNext extension or the CLI and never a web page, with the pairing token but on the open paths, and JSON for
what they send. CORS answers extension origins only."""
from __future__ import annotations

import hmac
import re

from flask import Flask, request
from flask_cors import CORS

from ..config import Config
from ..errors import Forbidden, Unauthorized, ValidationError
from .routes import PREFIX

EXTENSION_ORIGIN = re.compile(r"^(chrome-extension://[a-p]{32}|moz-extension://[0-9a-fA-F-]{36})$")
PAIRING_PATHS = {f"{PREFIX}/pair/start", f"{PREFIX}/pair/status"}  # no token yet: an extension's Origin instead
OPEN_PATHS = {f"{PREFIX}/status", f"{PREFIX}/proof"} | PAIRING_PATHS  # /proof: routes/proof.py
LOCAL_FILE_PATHS = {f"{PREFIX}/import"}  # they name a path on this computer: the CLI's to name, no page's


def allowed_origin(origin: str, config: Config) -> bool:
    if not EXTENSION_ORIGIN.match(origin):
        return False
    return not config.extension_ids or origin.split("://", 1)[1] in config.extension_ids


def token_matches(authorization: str, token: str) -> bool:
    """Whether an Authorization header carries the pairing token (also asked by http.py before a body is read)."""
    sent = authorization[7:].strip() if authorization.startswith("Bearer ") else ""
    return bool(sent) and hmac.compare_digest(sent.encode(), token.encode())


def paired(token: str) -> bool:
    """Whether this request carries the pairing token."""
    return token_matches(request.headers.get("Authorization", ""), token)


def protect(app: Flask, config: Config, token: str) -> None:
    allowed_hosts = {f"127.0.0.1:{config.port}", f"localhost:{config.port}"}
    CORS(app, resources={f"{PREFIX}/*": {"origins": [EXTENSION_ORIGIN]}},
         allow_headers=["Authorization", "Content-Type"], methods=["GET", "POST", "PUT", "DELETE"], max_age=600)

    @app.before_request
    def guard():
        # DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends its own Host.
        if request.host not in allowed_hosts:
            raise Forbidden(f"requests must be addressed to 127.0.0.1:{config.port} or localhost:{config.port}")
        origin = request.headers.get("Origin")
        if origin is not None and not allowed_origin(origin, config):
            raise Forbidden("web pages may not call the ReadNext backend; only the ReadNext extension may")
        if request.path in PAIRING_PATHS and origin is None:
            raise Forbidden("pairing is started by the ReadNext extension (from its options page)")
        if request.method == "OPTIONS" or request.path in OPEN_PATHS:
            return None
        if not paired(token):
            raise Unauthorized("missing or wrong pairing token: click Pair in the extension's options and "
                               "confirm the code with `readnext pair`")
        if request.method in ("POST", "PUT") and not request.is_json:
            raise ValidationError("send JSON with Content-Type: application/json")
        if request.method == "POST" and request.path in LOCAL_FILE_PATHS and origin is not None:
            raise Forbidden("imports of local files are started by `readnext import`, not from a browser")
        return None

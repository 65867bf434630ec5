"""The server's proof that it is this data directory's, open to all (docs/api.md, "The server's proof"): the CLI
sends a fresh nonce and checks the answer before it sends the token on the same connection (cli/client.py)."""
from __future__ import annotations

import os
import re

from flask import Blueprint, jsonify, request

from ...errors import ValidationError
from ..announcement import server_proof
from .common import config, engine

proof = Blueprint("proof", __name__)
NONCE = re.compile(r"[0-9a-f]{32,128}")


@proof.get("/proof")
def prove():
    nonce = request.args.get("nonce", "")
    if not NONCE.fullmatch(nonce):
        raise ValidationError("nonce: 32 to 128 lowercase hexadecimal digits")
    return jsonify({"proof": server_proof(engine().token, config().port, os.getpid(), nonce)})

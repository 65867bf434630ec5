"""Pairing (server/pairing.py): the extension starts an attempt and collects the token, the CLI confirms it."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .common import body, pairings

pairing = Blueprint("pairing", __name__)


@pairing.post("/pair/start")
def pair_start():
    attempt = pairings().start(request.headers["Origin"], body().get("secret"))
    return jsonify({"attempt": attempt.id, **attempt.view(attempt.started)})


@pairing.post("/pair/status")
def pair_status():
    data = body()
    return jsonify(pairings().collect(data.get("attempt"), data.get("secret")))


@pairing.get("/pair/requests")
def pair_requests():
    return jsonify({"requests": pairings().waiting()})


@pairing.post("/pair/confirm")
def pair_confirm():
    return jsonify(pairings().confirm(body().get("code")))

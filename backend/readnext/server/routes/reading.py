"""What the sidebar and the pages call while the user reads: events in, lists and scores out."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ... import views
from ..guard import paired
from .common import body, engine

reading = Blueprint("reading", __name__)


@reading.get("/status")
def status():
    return jsonify(views.status(engine()) if paired(engine().token) else views.public_status(engine()))


@reading.post("/events")
def events():
    return jsonify(engine().record(body().get("events")))


@reading.post("/recommend")
def recommend():
    data = body()
    result = engine().recommend(data.get("context"), data.get("k", 10), exclude=data.get("exclude"))
    return jsonify(views.recommendations(result))


@reading.post("/score")
def score():
    data = body()
    return jsonify(views.scores(*engine().score_papers(data.get("papers"), data.get("context"))))


@reading.get("/papers/<path:paper_id>")
def paper(paper_id: str):
    return jsonify(engine().paper(paper_id).to_dict())

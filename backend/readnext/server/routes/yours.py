"""The Your ReadNext page (docs/extension.md): the history and the profile, seen, changed and forgotten."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from ... import validation, views
from .common import body, engine

yours = Blueprint("yours", __name__)


@yours.get("/history")
def history():
    limit, offset = validation.history_page(request.args.get("limit", 50, type=int),
                                            request.args.get("offset", 0, type=int))
    return jsonify(views.history_items(engine(), limit, offset))


@yours.delete("/history")
def forget_all():
    return jsonify({"deleted": engine().forget(None)})


@yours.delete("/history/<path:paper_id>")
def forget(paper_id: str):
    return jsonify({"deleted": engine().forget(paper_id)})


@yours.get("/profile")
def profile():
    return jsonify(views.profile_summary(engine()))


@yours.post("/interests/merge")
def merge_interests():
    engine().merge_interests(*validation.interest_pair(body().get("papers")))
    return jsonify(views.profile_summary(engine()))


@yours.delete("/interests/<path:paper_id>")
def remove_interest(paper_id: str):
    return jsonify({"deleted": engine().remove_interest(paper_id)})


@yours.get("/map")
def reading_map():
    return jsonify(engine().reading_map())


@yours.get("/usage")
def usage():
    return jsonify(views.disk_usage(engine()))

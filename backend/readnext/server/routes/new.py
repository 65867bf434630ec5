"""The New for you page (docs/api.md): the followed categories' papers not shown before, best first."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from ... import validation, views
from ...ingest.follow import fetch_settings, suggested_categories
from ...new_for_you import NewForYou
from .common import engine

new = Blueprint("new", __name__)


def new_for_you() -> NewForYou:
    return current_app.extensions["readnext.new"]


@new.get("/new")
def new_papers():
    k = validation.list_size(request.args.get("k", 10, type=int))
    categories = fetch_settings(engine().history)["categories"]
    if not categories:
        return jsonify({"categories": [], "suggested_categories": suggested_categories(engine()), "items": [],
                        "remaining": 0})
    page = new_for_you().page(categories, k)
    return jsonify({"categories": page.categories, "since": page.since, "remaining": page.remaining,
                    "items": [views.recommendation(item) for item in page.items]})

"""What the views reach for: the app's engine and services (put there by create_app), and the request's body."""
from __future__ import annotations

from flask import current_app, request

from ... import validation
from ...config import Config
from ...engine import ReadNext
from ...errors import ValidationError
from ...ingest.sources.arxiv_api import FetchPolicy
from ..jobs import Jobs
from ..pairing import Pairings


def engine() -> ReadNext:
    return current_app.extensions["readnext"]


def jobs() -> Jobs:
    return current_app.extensions["readnext.jobs"]


def pairings() -> Pairings:
    return current_app.extensions["readnext.pairings"]


def config() -> Config:
    return current_app.extensions["readnext.config"]


def fetch_policy() -> FetchPolicy:
    """How ReadNext asks arXiv (the configuration's, checked once when the app is made)."""
    return current_app.extensions["readnext.fetch_policy"]


def body() -> dict:
    """The request's JSON object."""
    try:
        data = request.get_json()
    except RecursionError:  # Python's JSON parser recurses once per level: ~1,000 levels exhaust it
        raise ValidationError("the JSON is nested too deeply") from None
    return validation.json_object(data)

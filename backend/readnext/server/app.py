"""The HTTP API (docs/api.md): the app for one engine, its views by concern in routes/, the security guard before
every view (guard.py), every failure as JSON (failures.py)."""
from __future__ import annotations

from flask import Flask

from ..config import Config
from ..engine import ReadNext
from ..ingest.follow import policy_of
from ..new_for_you import NewForYou
from .failures import answer_failures
from .guard import protect
from .jobs import Jobs
from .pairing import Pairings
from .routes import PREFIX
from .routes.imports import imports
from .routes.new import new
from .routes.pairing import pairing
from .routes.proof import proof
from .routes.reading import reading
from .routes.settings import settings
from .routes.yours import yours

BLUEPRINTS = (reading, yours, pairing, imports, settings, proof, new)


def create_app(config: Config, engine: ReadNext | None = None) -> Flask:
    """The app serving `engine` (by default one opened on the configuration's data directory). Its background
    jobs are made, not started: `readnext serve` starts them (server/run.py)."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    app.json.sort_keys = False
    engine = engine or ReadNext(config)
    app.extensions["readnext"] = engine
    app.extensions["readnext.jobs"] = Jobs(engine)
    app.extensions["readnext.pairings"] = Pairings(engine.token)
    app.extensions["readnext.config"] = config
    app.extensions["readnext.fetch_policy"] = policy_of(config)
    app.extensions["readnext.new"] = NewForYou(engine)
    protect(app, config, engine.token)
    answer_failures(app, config.max_request_bytes)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint, url_prefix=PREFIX)
    return app

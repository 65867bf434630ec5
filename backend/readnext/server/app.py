"""The HTTP API: parse, call the engine, format. Security checks run before every view."""
from __future__ import annotations

import hmac
from dataclasses import asdict
import logging
import re
from dataclasses import asdict

from flask import Flask, Response, jsonify, request
from flask_cors import CORS
from werkzeug.exceptions import HTTPException

from .. import views
from ..ingest.backfill import describe, load_state, plan, suggest_categories
from ..config import Config
from ..engine import ReadNext
from ..errors import Forbidden, ReadNextError, Unauthorized, ValidationError
from ..ingest.follow import make_client, policy_of, settings_view, update_fetch_settings
from ..ingest.importer import import_library_text, import_request
from .jobs import Jobs, backfill_work, import_work
from .pairing import Pairings
from ..ingest.sources.bibtex import papers_to_bibtex

PREFIX = "/api/v1"
EXTENSION_ORIGIN = re.compile(r"^(chrome-extension://[a-p]{32}|moz-extension://[0-9a-fA-F-]{36})$")
PAIRING_PATHS = {f"{PREFIX}/pair/start", f"{PREFIX}/pair/status"}  # no token yet: an extension's Origin instead
OPEN_PATHS = {f"{PREFIX}/status"} | PAIRING_PATHS
ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               429: "too_many_requests", 503: "model_unavailable", 507: "insufficient_storage"}
log = logging.getLogger("readnext.server.app")


def _allowed_origin(origin: str, config: Config) -> bool:
    if not EXTENSION_ORIGIN.match(origin):
        return False
    return not config.extension_ids or origin.split("://", 1)[1] in config.extension_ids


def create_app(config: Config, engine: ReadNext | None = None) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    app.json.sort_keys = False
    engine = engine or ReadNext(config)
    app.extensions["readnext"] = engine
    jobs = app.extensions["readnext.jobs"] = Jobs(engine)  # `readnext serve` starts its background embedding
    allowed_hosts = {f"127.0.0.1:{config.port}", f"localhost:{config.port}"}
    CORS(app, resources={f"{PREFIX}/*": {"origins": [EXTENSION_ORIGIN]}},
         allow_headers=["Authorization", "Content-Type"], methods=["GET", "POST", "PUT", "DELETE"], max_age=600)

    @app.before_request
    def guard():
        # DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends its own Host.
        if request.host not in allowed_hosts:
            raise Forbidden(f"requests must be addressed to 127.0.0.1:{config.port} or localhost:{config.port}")
        origin = request.headers.get("Origin")
        if origin is not None and not _allowed_origin(origin, config):
            raise Forbidden("web pages may not call the ReadNext backend; only the ReadNext extension may")
        if request.path in PAIRING_PATHS and origin is None:
            raise Forbidden("pairing is started by the ReadNext extension (from its options page)")
        if request.method == "OPTIONS" or request.path in OPEN_PATHS:
            return None
        if not paired():
            raise Unauthorized("missing or wrong pairing token: click Pair in the extension's options and "
                               "confirm the code with `readnext pair`")
        if request.method in ("POST", "PUT") and not request.is_json:
            raise ValidationError("send JSON with Content-Type: application/json")
        return None

    def paired() -> bool:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        return bool(token) and hmac.compare_digest(token.encode(), engine.token.encode())

    @app.errorhandler(ReadNextError)
    def readnext_error(error: ReadNextError):
        return _error(error.status, str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        message = error.description
        if error.code == 400 and request.is_json:
            message = "the body is not valid JSON"
        if error.code == 413:
            message = f"the request is larger than {config.max_request_bytes} bytes"
        return _error(error.code or 500, message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _error(500, f"internal error: {type(error).__name__}; see the server log")

    def body() -> dict:
        try:
            data = request.get_json()
        except RecursionError:  # Python's JSON parser recurses once per level: ~1,000 levels exhaust it
            raise ValidationError("the JSON is nested too deeply") from None
        if not isinstance(data, dict):
            raise ValidationError("the body must be a JSON object")
        return data

    @app.get(f"{PREFIX}/status")
    def status():
        return jsonify(views.status(engine) if paired() else views.public_status(engine))

    pairings = Pairings(engine.token)

    @app.post(f"{PREFIX}/pair/start")
    def pair_start():
        attempt = pairings.start(request.headers["Origin"], body().get("secret"))
        return jsonify({"attempt": attempt.id, **attempt.view(attempt.started)})

    @app.post(f"{PREFIX}/pair/status")
    def pair_status():
        data = body()
        return jsonify(pairings.collect(data.get("attempt"), data.get("secret")))

    @app.get(f"{PREFIX}/pair/requests")
    def pair_requests():
        return jsonify({"requests": pairings.waiting()})

    @app.post(f"{PREFIX}/pair/confirm")
    def pair_confirm():
        return jsonify(pairings.confirm(body().get("code")))

    @app.post(f"{PREFIX}/events")
    def events():
        return jsonify(engine.record(body().get("events")))

    @app.post(f"{PREFIX}/feedback")
    def feedback():
        data = body()
        action = data.get("action")
        if action not in ("save", "unsave", "dismiss", "hide"):
            raise ValidationError("'action' must be one of save, unsave, dismiss, hide")
        event = {key: data[key] for key in ("id", "paper", "paper_id", "ts", "site", "url") if key in data}
        return jsonify(engine.record([{**event, "type": action}]))

    @app.post(f"{PREFIX}/recommend")
    def recommend():
        data = body()
        return jsonify(views.recommendations(engine.recommend(data.get("context"), data.get("k", 10), exclude=data.get("exclude"))))

    @app.post(f"{PREFIX}/score")
    def score():
        data = body()
        mode, items = engine.score_papers(data.get("papers"), data.get("context"))
        return jsonify({"mode": mode, "items": [
            {"paper_id": i.paper.id, "score": round(i.score, 4), "reasons": i.reasons, "state": i.state}
            for i in items]})

    @app.get(f"{PREFIX}/history")
    def history():
        limit = request.args.get("limit", 50, type=int)
        offset = request.args.get("offset", 0, type=int)
        if not (1 <= limit <= 1000 and offset >= 0):
            raise ValidationError("'limit' must be 1..1000 and 'offset' not negative")
        return jsonify(views.history_items(engine, limit, offset))

    @app.delete(f"{PREFIX}/history")
    def forget_all():
        return jsonify({"deleted": engine.forget(None)})

    @app.delete(f"{PREFIX}/history/<path:paper_id>")
    def forget(paper_id: str):
        return jsonify({"deleted": engine.forget(paper_id)})

    @app.get(f"{PREFIX}/profile")
    def profile():
        return jsonify(views.profile_summary(engine))

    # --- the Your ReadNext page (docs/extension.md) ---------------------------------------------------------
    @app.post(f"{PREFIX}/interests/merge")
    def merge_interests():
        papers = body().get("papers")
        if not (isinstance(papers, list) and len(papers) == 2 and all(isinstance(p, str) for p in papers)):
            raise ValidationError("'papers' must be two paper ids, one of each interest")
        engine.merge_interests(*papers)
        return jsonify(views.profile_summary(engine))

    @app.delete(f"{PREFIX}/interests/<path:paper_id>")
    def remove_interest(paper_id: str):
        return jsonify({"deleted": engine.remove_interest(paper_id)})

    @app.get(f"{PREFIX}/map")
    def reading_map():
        return jsonify(engine.reading_map())

    @app.get(f"{PREFIX}/usage")
    def usage():
        return jsonify(views.disk_usage(engine))

    @app.post(f"{PREFIX}/import/text")
    def import_text():
        data = body()
        report = import_library_text(engine, data.get("text"), data.get("format"), data.get("as", "reading-list"))
        return jsonify(asdict(report))

    @app.get(f"{PREFIX}/papers/<path:paper_id>")
    def paper(paper_id: str):
        return jsonify(engine.paper(paper_id).to_dict())

    @app.get(f"{PREFIX}/export")
    def export():
        return jsonify(views.export(engine))

    @app.get(f"{PREFIX}/export.bib")
    def export_bibtex():
        return Response(papers_to_bibtex(engine.library()), content_type="application/x-bibtex; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="readnext.bib"'})

    fetch_policy = policy_of(config)

    @app.get(f"{PREFIX}/settings")
    def settings():
        return jsonify(settings_view(engine, fetch_policy))

    @app.put(f"{PREFIX}/settings")
    def change_settings():
        data = body()
        unknown = set(data) - {"fetch"}
        if unknown:
            raise ValidationError(f"unknown setting(s) {', '.join(sorted(unknown))} (known: fetch)")
        if "fetch" in data:
            update_fetch_settings(engine.history, data["fetch"])
        return jsonify(settings_view(engine, fetch_policy))

    # --- long work, in the background: imports beside the server, backfills from arXiv (docs/api.md) ----------
    @app.post(f"{PREFIX}/import")
    def start_import():
        if request.headers.get("Origin") is not None:  # a path on this computer: the CLI's to name, no page's
            raise Forbidden("imports of local files are started by `readnext import`, not from a browser")
        spec = import_request(body())
        job = jobs.submit("import", spec["path"], import_work(engine, **spec))
        return jsonify(job.to_dict()), 202

    @app.get(f"{PREFIX}/backfill")
    def backfill_view():
        latest = jobs.latest("backfill")
        saved = load_state(engine.home)
        return jsonify({"job": latest.to_dict() if latest else None, "state": asdict(saved) if saved else None,
                        "suggested": suggest_categories(engine), "embedding": jobs.embedding.to_dict()})

    @app.post(f"{PREFIX}/backfill")
    def start_backfill():
        data = body()
        state = plan(data.get("categories"), data.get("since") or "", data.get("until") or "")
        traffic = describe(state, fetch_policy)
        if data.get("confirm") is not True:  # the user sees what would be sent before anything is
            return jsonify({"traffic": traffic, "started": False})
        job = jobs.submit("backfill", f"{', '.join(state.categories)} since {state.since}",
                          backfill_work(engine, make_client(config), state, engine.home, jobs.stopping,
                                        jobs.embedding.wake.set))
        return jsonify({"traffic": traffic, "started": True, "job": job.to_dict()}), 202

    @app.get(f"{PREFIX}/jobs")
    def job_list():
        return jsonify(jobs.to_dict())

    @app.get(f"{PREFIX}/jobs/<job_id>")
    def job(job_id: str):
        return jsonify({**jobs.get(job_id).to_dict(), "embedding": jobs.embedding.to_dict()})

    return app


def _error(status: int, message: str):
    response = jsonify({"error": {"code": ERROR_CODES.get(status, "error"), "message": message}})
    response.status_code = status
    return response

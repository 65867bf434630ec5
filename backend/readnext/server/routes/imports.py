"""Papers brought in: a library's text (the Your ReadNext page), and the long work beside the server, files the
CLI names and backfills from arXiv, as jobs (docs/api.md, "Long work")."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, jsonify

from ...ingest.backfill import describe, load_state, plan, suggest_categories
from ...ingest.follow import make_client
from ...ingest.importer import import_library_text, import_request
from ..jobs import backfill_work, import_work
from .common import body, config, engine, fetch_policy, jobs

imports = Blueprint("imports", __name__)


@imports.post("/import/text")
def import_text():
    data = body()
    report = import_library_text(engine(), data.get("text"), data.get("format"), data.get("as", "reading-list"))
    return jsonify(asdict(report))


@imports.post("/import")
def start_import():
    spec = import_request(body())
    job = jobs().submit("import", spec["path"], import_work(engine(), **spec, stopping=jobs().stopping))
    return jsonify(job.to_dict()), 202


@imports.get("/backfill")
def backfill_view():
    latest = jobs().latest("backfill")
    saved = load_state(engine().home)
    return jsonify({"job": latest.to_dict() if latest else None, "state": asdict(saved) if saved else None,
                    "suggested": suggest_categories(engine()), "embedding": jobs().embedding.to_dict()})


@imports.post("/backfill")
def start_backfill():
    data = body()
    state = plan(data.get("categories"), data.get("since") or "", data.get("until") or "")
    traffic = describe(state, fetch_policy())
    if data.get("confirm") is not True:  # the user sees what would be sent before anything is
        return jsonify({"traffic": traffic, "started": False})
    work = backfill_work(engine(), make_client(config()), state, engine().home, jobs().stopping,
                         jobs().embedding.wake.set)
    job = jobs().submit("backfill", f"{', '.join(state.categories)} since {state.since}", work)
    return jsonify({"traffic": traffic, "started": True, "job": job.to_dict()}), 202


@imports.get("/jobs")
def job_list():
    return jsonify(jobs().to_dict())


@imports.get("/jobs/<job_id>")
def job(job_id: str):
    return jsonify({**jobs().get(job_id).to_dict(), "embedding": jobs().embedding.to_dict()})

"""The user's settings (following arXiv) and all their data taken out: JSON, or BibTeX for a reference manager."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ... import validation, views
from ...ingest.follow import settings_view, update_fetch_settings
from ...ingest.sources.bibtex_writer import papers_to_bibtex
from .common import body, engine, fetch_policy

settings = Blueprint("settings", __name__)


@settings.get("/settings")
def current():
    return jsonify(settings_view(engine(), fetch_policy()))


@settings.put("/settings")
def change():
    wanted = validation.settings_change(body())
    if "fetch" in wanted:
        update_fetch_settings(engine().history, wanted["fetch"])
    return jsonify(settings_view(engine(), fetch_policy()))


@settings.get("/export")
def export():
    return jsonify(views.export(engine()))


@settings.get("/export.bib")
def export_bibtex():
    return Response(papers_to_bibtex(engine().library()), content_type="application/x-bibtex; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="readnext.bib"'})

"""Reading a reason as the reader reads it: its full text (a chip's tooltip) gives its kind and what it names, in
the phrasings the product uses (explain.py, attribution.py); a text in none of them is of kind "unknown"."""
from __future__ import annotations

import re

from ...ranking import reasons as definitions
from ...ranking.reasons import ShownReason

_HISTORY = re.compile(r"^(Because you read|Because you saved|Close to your paper) “(.+)”(?: \(similarity (-?[\d.]+)\))?$")
_CONTEXT = re.compile(r"^(Close|Related) to (?:the page you are reading|your search “(.+)”)(?: \(similarity (-?[\d.]+)\))?$")
_CATEGORY = re.compile(r"^In (\S+), like (\d+) papers you read$")
STATES = {"Because you read": "read", "Because you saved": "saved", "Close to your paper": "own"}
RECENT = {"New this week": definitions.WEEK_DAYS, "New this month": definitions.MONTH_DAYS}


def parse_reason(text: str) -> ShownReason:
    text = " ".join(text.split())
    if match := _HISTORY.match(text):
        return ShownReason("history", text, _with_figure({"state": STATES[match[1]], "title": match[2]}, match[3]))
    if match := _CONTEXT.match(text):  # "Close to": the context is a reason; "Related to": the weaker one
        kind = "context" if match[1] == "Close" else "related"
        return ShownReason(kind, text, _with_figure({"query": match[2]} if match[2] else {}, match[3]))
    if text.startswith("Your interest: "):
        return ShownReason("interest", text, {"label": text.removeprefix("Your interest: ")})
    if text.startswith("Near your interest "):
        return ShownReason("near-interest", text, {"label": text.removeprefix("Near your interest ")})
    if text.startswith("Shared terms: "):
        return ShownReason("terms", text, {"terms": text.removeprefix("Shared terms: ").split(", ")})
    if text.startswith("Also by "):
        return ShownReason("author", text, {"authors": text.removeprefix("Also by ").split(", ")})
    if text == "Shares authors with papers you wrote or read":
        return ShownReason("author", text, {"authors": []})
    if match := _CATEGORY.match(text):
        return ShownReason("category", text, {"category": match[1], "count": int(match[2])})
    if text in RECENT:
        return ShownReason("recent", text, {"days": RECENT[text]})
    if text == "Ranked lower: close to a paper you marked not interested":
        return ShownReason("dismissed", text, {})
    return ShownReason("unknown", text, {})


def _with_figure(fields: dict, figure: str | None) -> dict:
    return {**fields, "similarity": float(figure)} if figure else fields

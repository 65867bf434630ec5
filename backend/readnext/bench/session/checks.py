"""The checks of a recorded session: every reason shown against reasons.py's definitions on the facts (facts.py);
the score's meaning (a paper keeps its percentage on a page across unrelated clicks; a paper close to the page
never collapses); and relevance (the share of the recommended ten in the researcher's field, beside the fixed
formula's for the same moment)."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ...ranking import reasons as definitions
from ...ranking.reasons import ShownReason, note_violations, violations
from ...store.history import READ_EVENTS
from .facts import HomeReader, best_history_similarity, card_facts, identified_interest
from .phrases import parse_reason
from .recorder import RECOMMENDED

BAND_POINTS = 10  # the same paper on the same page keeps its percentage within this many points ...
CLOSE_TO_PAGE = 0.40  # ... and a paper scoring this from the page alone ...
COLLAPSED = 0.10  # ... never shows under this
READS_CHECKPOINT = 5
ACTS = READ_EVENTS | {"save", "unsave", "dismiss", "undismiss", "hide", "unhide", "authored", "unauthored"}

def percent(score: str) -> int | None:
    return int(score.rstrip("%")) if score.rstrip("%").isdigit() else None


def check_steps(record: dict, home: HomeReader) -> list[dict]:
    """Each step's findings: the violations, the number of checks, collapses, the field share."""
    return [_check_step(step, home, record["field"]) for step in record["steps"]]


def _check_step(step: dict, home: HomeReader, field: str) -> dict:
    found = {"step": step["step"], "checks": 0, "false": 0, "violations": [], "collapses": [],
             "field_share": None, "formula_field_share": None}
    sidebar = (step.get("seen") or {}).get("sidebar")
    known = step.get("known")
    if not sidebar or not known:
        return found
    page, profile = step["page"], known["profile"]
    for section in sidebar["sections"]:
        best = best_history_similarity(home, page["entries"], profile) if section["empty"] else None
        notes = note_violations(section["note"], section["empty"], len(profile["interests"]), best)
        found["checks"] += bool(section["note"]) + bool(section["empty"])
        found["false"] += len(notes)
        found["violations"] += [_finding(v, section["key"], None) for v in notes]
        for card in section["cards"]:
            shown = [_identified(parse_reason(r["text"]), profile) for r in card["reasons"]]
            false = violations(shown, card_facts(home, card["paper_id"], page, profile))
            found["checks"] += max(len(shown), 1)
            found["false"] += len({v.reason for v in false})
            found["violations"] += [_finding(v, section["key"], card["paper_id"]) for v in false]
            alone, shown_percent = known["alone"].get(card["paper_id"]), percent(card["score"])
            if alone is not None and shown_percent is not None and alone >= CLOSE_TO_PAGE \
                    and shown_percent < 100 * COLLAPSED:
                found["collapses"].append({"paper_id": card["paper_id"], "shown": shown_percent,
                                           "page_alone": round(100 * alone)})
        if section["key"] in RECOMMENDED and section["cards"]:
            found["field_share"] = _share(home, [c["paper_id"] for c in section["cards"]], field)
            found["formula_field_share"] = _share(home, known["formula"] or [], field)
    return found


def _identified(reason: ShownReason, profile: dict) -> ShownReason:
    if reason.kind not in ("interest", "near-interest"):
        return reason
    label = identified_interest(reason.fields["label"], profile["interests"])
    return replace(reason, fields={**reason.fields, "label": label})


def _finding(violation, section: str, paper_id: str | None) -> dict:
    return {"definition": violation.definition, "section": section, "paper_id": paper_id,
            "reason": violation.reason, "detail": violation.detail}


def _share(home: HomeReader, ids: list[str], field: str) -> float | None:
    ids = ids[:10]
    return sum(home.field(i) == field for i in ids) / len(ids) if ids else None


def band_breaches(record: dict, home: HomeReader) -> tuple[int, list[dict]]:
    """(comparisons, breaches): each paper seen again on the same page, after clicks none of which is related to
    it (no paper acted on in between is the card or at cosine ≥ RELATED to it), within BAND_POINTS."""
    sightings: dict[tuple[str, str], list[tuple[dict, int]]] = {}
    for step in record["steps"]:
        sidebar, known = (step.get("seen") or {}).get("sidebar"), step.get("known")
        if not sidebar or not known or known.get("restored"):
            continue  # a page restored by the back button shows what it showed: nothing to compare
        for section in sidebar["sections"]:
            for card in section["cards"]:
                if (value := percent(card["score"])) is not None:
                    sightings.setdefault((step["url"], card["paper_id"]), []).append((step, value))
    compared, breaches = 0, []
    for (url, paper_id), seen in sightings.items():
        for (first, a), (second, b) in zip(seen, seen[1:]):
            between = second["known"]["acted"][len(first["known"]["acted"]):]
            acted = {p for kind, p in between if kind in ACTS and p}
            if any(p == paper_id or (home.cosine(p, paper_id) or 0.0) >= definitions.RELATED for p in acted):
                continue
            compared += 1
            if abs(a - b) > BAND_POINTS:
                breaches.append({"url": url, "paper_id": paper_id, "steps": [first["step"], second["step"]],
                                 "percent": [a, b], "acted_between": sorted(acted)})
    return compared, breaches


def summary(record: dict, home: HomeReader) -> dict:
    """The session's figures for the report, with every finding."""
    steps = check_steps(record, home)
    compared, breaches = band_breaches(record, home)
    failing = Counter(v["definition"] for s in steps for v in s["violations"])
    checks, false = sum(s["checks"] for s in steps), sum(s["false"] for s in steps)
    shares = [(r, s) for r, s in zip(record["steps"], steps) if s["field_share"] is not None]
    after = next(((r, s) for r, s in shares if r["known"]["reads"] >= READS_CHECKPOINT), None)
    end = shares[-1] if shares else None
    cards = sum(len(sec["cards"]) for r in record["steps"] if (r.get("seen") or {}).get("sidebar")
                for sec in r["seen"]["sidebar"]["sections"])
    return {
        "researcher": record["researcher"], "browser": record["browser"], "steps": len(record["steps"]),
        "cards": cards, "reasons_checked": checks, "false": false,
        "true_percent": round(100 * (checks - false) / checks, 1) if checks else None,
        "failing": dict(failing.most_common()), "collapses": sum(len(s["collapses"]) for s in steps),
        "band_compared": compared, "band_breaches": len(breaches),
        "field_after_5": after[1]["field_share"] if after else None,
        "formula_after_5": after[1]["formula_field_share"] if after else None,
        "after_5_step": after[0]["step"] if after else None,
        "field_end": end[1]["field_share"] if end else None,
        "formula_end": end[1]["formula_field_share"] if end else None,
        "learned_active_at_end": end[0]["known"]["learned_active"] if end else None,
        "sidebar_states": dict(Counter(r["seen"]["sidebar"]["state"] for r in record["steps"]
                                       if (r.get("seen") or {}).get("sidebar"))),
        "findings": {"steps": steps, "band_breaches": breaches},
    }

"""The answers of the API and the CLI, as JSON: what the engine holds and returns, in the shapes docs/api.md
describes. Reading only: nothing here changes what the engine holds."""
from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from . import __version__
from .learned.learn import Learner
from .recommender import Recommendation, Recommendations
from .records.latex import latex_to_text
from .store import storage
from .vectors.embed import embedder_status

if TYPE_CHECKING:
    from .engine import ReadNext

INTEREST_PAPERS = 20  # papers listed under each interest


def recommendation(item: Recommendation) -> dict:
    return {"paper": item.paper.to_dict(), "display_title": display_title(item.paper.title),
            "score": round(item.score, 4), "reasons": item.reasons, "state": item.state}


_MATH = re.compile(r"(?<!\\)\$([^$]+)\$")
_SCRIPT = re.compile(r"([_^])(?:\{([^{}]*)\}|(\\[A-Za-z]+|.))")
_FONTS = re.compile(r"\\(?:math[a-z]+|text[a-z]*|rm|bf|it|cal|operatorname)(?![A-Za-z]) ?")  # the letters stay
_SUBSCRIPTS = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_SUPERSCRIPTS = dict(zip("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ"))
_MATH_SYMBOLS = {
    **{name: chr(0x3B1 + i) for i, name in enumerate("alpha beta gamma delta epsilon zeta eta theta iota kappa "
                                                     "lambda mu nu xi omicron pi rho varsigma sigma tau upsilon "
                                                     "phi chi psi omega".split())},
    **{name: letter for name, letter in zip("Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega".split(),
                                            "ΓΔΘΛΞΠΣΦΨΩ")},
    "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "ell": "ℓ", "hbar": "ħ", "pm": "±", "mp": "∓",
    "times": "×", "cdot": "·", "to": "→", "rightarrow": "→", "sim": "∼", "simeq": "≃", "approx": "≈",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "infty": "∞", "prime": "′", "partial": "∂",
}


def display_title(title: str) -> str:
    """A title for the reader: its TeX math as text (WS$_2$ as WS₂, $\\alpha$ as α) and its other TeX decoded.
    Only for display: the stored title, which the text's hash and the BibTeX export read, keeps its TeX."""
    parts = _MATH.split(title)  # text, math, text, ...
    shown = "".join(_math_as_text(part) if i % 2 else _text(part) for i, part in enumerate(parts))
    return " ".join(shown.split())


def _text(part: str) -> str:
    """latex_to_text, keeping the spaces at the ends, which part the words from the math beside them."""
    if "\\" not in part and "{" not in part:
        return part
    return part[:len(part) - len(part.lstrip())] + latex_to_text(part) + part[len(part.rstrip()):]


def _math_as_text(math: str) -> str:
    def script(match: re.Match) -> str:
        body = _symbols(match[2] if match[2] is not None else match[3])
        table = _SUBSCRIPTS if match[1] == "_" else _SUPERSCRIPTS
        return "".join(table[c] for c in body) if body and all(c in table for c in body) else match[1] + body
    text = _SCRIPT.sub(script, _FONTS.sub("", math))
    return _symbols(text).replace("{", "").replace("}", "")


def _symbols(math: str) -> str:
    return re.sub(r"\\([A-Za-z]+) ?", lambda m: _MATH_SYMBOLS.get(m[1], m[0]), math)


def recommendations(result: Recommendations) -> dict:
    return {"mode": result.mode, "note": result.note, "interests": result.interests,
            "items": [recommendation(item) for item in result.items]}


def scores(mode: str, items: list[Recommendation]) -> dict:
    """A page's own papers scored (POST /score): by id, in the page's order."""
    return {"mode": mode, "items": [
        {"paper_id": i.paper.id, "score": round(i.score, 4), "reasons": i.reasons, "state": i.state}
        for i in items]}


def history_items(engine: ReadNext, limit: int = 50, offset: int = 0) -> dict:
    """The papers of the history, newest first, each with its events counted (impressions and searches left
    out). A library's entries say `library` (their import's event is not a reading: no view, no seconds); a
    paper whose every choice was taken back (an undone "This is me" or Not interested) and that was never read
    is not listed."""
    profile = engine.profile()
    per_paper: dict[str, dict] = {}
    for event in sorted(engine.history.events(), key=lambda e: -e.ts):
        if event.paper_id is None or event.type == "impression":
            continue
        label = engine.corpus.label_of(event.paper_id)
        if label is None or profile.states.get(label) is None:
            continue
        entry = per_paper.setdefault(str(label), {"label": label, "events": {}, "seconds": 0.0, "last": event.ts,
                                                  "library": False})
        if event.site == "import":  # ingest/importer.py's LIBRARY_EVENTS
            entry["library"] = True
            continue
        entry["events"][event.type] = entry["events"].get(event.type, 0) + 1
        entry["seconds"] += event.seconds or 0.0
    rows = list(per_paper.values())
    page = rows[offset:offset + limit]
    papers = engine.corpus.by_labels([r["label"] for r in page])
    return {"total": len(rows), "items": [
        {"paper": papers[r["label"]].to_dict(), "state": profile.states.get(r["label"]), "events": r["events"],
         "seconds": round(r["seconds"], 1), "last": r["last"], "library": r["library"]}
        for r in page if r["label"] in papers]}


def profile_summary(engine: ReadNext) -> dict:
    profile = engine.profile()
    weights = dict(zip(profile.labels.tolist(), profile.weights.tolist()))

    def papers_in(state: str) -> list[dict]:
        return [{"id": profile.papers[l].id, "title": profile.papers[l].title}
                for l, s in profile.states.items() if s == state and l in profile.papers]
    return {
        "events": len(engine.history),
        "interests": [{
            "label": i.label, "terms": i.terms, "weight": round(i.weight, 3),
            "papers": [{"id": profile.papers[l].id, "title": profile.papers[l].title,
                        "weight": round(weights[l], 3)}
                       for l in i.members[:INTEREST_PAPERS] if l in profile.papers]} for i in profile.interests],
        "dismissed": papers_in("dismissed"),
        "hidden": papers_in("hidden"),
        "recent_queries": profile.queries,
        "learned": learned_summary(engine.learner),
    }


def learned_summary(learner: Learner) -> dict:
    model = learner.model
    if model is None:
        return {"active": False, "choice_sets": 0, "min_choice_sets": learner.min_sets,
                "learned": [], "note": "Ranked by the fixed formula until you have opened papers from lists."}
    return {"active": learner.active, "choice_sets": model.choice_sets, "chosen": model.chosen,
            "min_choice_sets": learner.min_sets, "learned": learner.claims()}


def export(engine: ReadNext) -> dict:
    """All the user's data: the events, the settings and the papers the events name."""
    events = engine.history.events()
    labels = {engine.corpus.label_of(e.paper_id) for e in events if e.paper_id}
    papers = engine.corpus.by_labels(l for l in labels if l is not None)
    return {"version": __version__, "exported_at": datetime.now(timezone.utc).isoformat(),
            "events": [asdict(e) for e in events], "settings": engine.history.settings(),
            "papers": [p.to_dict() for p in papers.values()]}


def public_status(engine: ReadNext) -> dict:
    """What a caller without the token may know: that ReadNext runs, and the counts the extension shows."""
    return {"name": "readnext", "version": __version__, "corpus": engine.corpus.count(),
            "history": len(engine.history)}


def status(engine: ReadNext) -> dict:
    return {"name": "readnext", "version": __version__, "model": engine.model, "dim": engine.embedder.dim,
            **embedder_status(engine.embedder), "corpus": engine.corpus.count(),
            "index": len(engine.index), "history": len(engine.history), "home": str(engine.home)}


def disk_usage(engine: ReadNext) -> dict:
    return {"home": str(engine.home), "bytes": storage.disk_usage(engine.home)}

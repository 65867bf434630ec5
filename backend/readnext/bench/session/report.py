"""The benchmark's table: one row per researcher and browser, against the goals."""
from __future__ import annotations

from ...ranking.reasons import DEFINITIONS
from .checks import BAND_POINTS, CLOSE_TO_PAGE, COLLAPSED

GOALS = ("Goals: 100 % of reasons true, 0 collapses, 0 band breaches, field share ≥ 80 % and never below the "
         "formula's.")
COLUMNS = ("researcher", "browser", "steps", "cards", "reasons checked", "% true", "collapses", "band breaches",
           "field after 5 reads (formula)", "field at end (formula)", "failing definitions")


def _share(value) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def row(summary: dict) -> list[str]:
    failing = ", ".join(f"{name} {count}" for name, count in summary["failing"].items()) or "none"
    return [summary["researcher"], summary["browser"], str(summary["steps"]), str(summary["cards"]),
            str(summary["reasons_checked"]),
            "–" if summary["true_percent"] is None else f"{summary['true_percent']:.1f} %",
            str(summary["collapses"]), f"{summary['band_breaches']} of {summary['band_compared']}",
            f"{_share(summary['field_after_5'])} ({_share(summary['formula_after_5'])})",
            f"{_share(summary['field_end'])} ({_share(summary['formula_end'])})", failing]


def table(summaries: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row(s)) + " |" for s in summaries]
    used = sorted({name for s in summaries for name in s["failing"]})
    legend = [f"- {name}: {DEFINITIONS[name]}" for name in used]
    notes = [f"A collapse: a card under {100 * COLLAPSED:.0f} % that scores ≥ {100 * CLOSE_TO_PAGE:.0f} % from the "
             f"page alone. A band breach: the same paper on the same page moved more than {BAND_POINTS} points "
             "with no related click between (of the pairs compared). Field: share of the ten recommended from the "
             "corpus in the researcher's field; the fixed formula's for the same moment in parentheses.", GOALS]
    return "\n".join(lines + [""] + notes + ([""] + ["Failing definitions:"] + legend if legend else []))

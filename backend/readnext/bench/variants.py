"""Named product variants: ranking settings and list order, measured through the same engine."""
from __future__ import annotations

from ..errors import ValidationError
from ..ranking.rank import DEFAULT, RankSettings

DENSE_ONLY = RankSettings(term_weight=0.0)
# The ranking as it was before the quality work (docs/benchmarks.md), for the before/after in one run.
BEFORE = RankSettings(term_weight=0.0, mmr_lambda=0.75, dismiss_penalty=0.6, dismiss_floor=0.35)

# name: (ranking settings, diversified list). The first two are the product as shipped: the list users see,
# and the same scores in plain score order.
VARIANTS: dict[str, tuple[RankSettings, bool]] = {
    "readnext": (DEFAULT, True),
    "readnext-undiversified": (DEFAULT, False),
    "before": (BEFORE, True),
    "before-undiversified": (BEFORE, False),
    "dense-only": (DENSE_ONLY, True),  # today's product without the TF-IDF fusion
    "dense-only-undiversified": (DENSE_ONLY, False),
    "mmr-0.75": (RankSettings(mmr_lambda=0.75), True),
    "mmr-0.85": (RankSettings(mmr_lambda=0.85), True),
    "mmr-0.95": (RankSettings(mmr_lambda=0.95), True),
    "hard-dismiss": (RankSettings(dismiss_penalty=0.6, dismiss_floor=0.35), True),
}
DEFAULT_VARIANTS = ("readnext", "readnext-undiversified", "before", "dense-only")


def pick(names: list[str] | None) -> dict[str, tuple[RankSettings, bool]]:
    names = names or list(DEFAULT_VARIANTS)
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise ValidationError(f"unknown variant {', '.join(unknown)} (known: {', '.join(VARIANTS)})")
    return {name: VARIANTS[name] for name in names}

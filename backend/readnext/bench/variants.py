"""Named product variants: ranking settings and list order, measured through the same engine."""
from __future__ import annotations

from ..errors import ValidationError
from ..rank import DEFAULT, RankSettings

# name: (ranking settings, diversified list). The first two are the product as shipped: the list users see,
# and the same scores in plain score order.
VARIANTS: dict[str, tuple[RankSettings, bool]] = {
    "readnext": (DEFAULT, True),
    "readnext-undiversified": (DEFAULT, False),
}
DEFAULT_VARIANTS = ("readnext", "readnext-undiversified")


def pick(names: list[str] | None) -> dict[str, tuple[RankSettings, bool]]:
    names = names or list(DEFAULT_VARIANTS)
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise ValidationError(f"unknown variant {', '.join(unknown)} (known: {', '.join(VARIANTS)})")
    return {name: VARIANTS[name] for name in names}

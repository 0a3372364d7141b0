"""The evaluation rule (达标规则): whether a mid-term or final evaluation is met, from the indicator ratings.

The rule is stated in the call (``PilotCall.evaluation_all_key_met``, ``evaluation_min_met_share``) and
copied into each evaluation when it is opened. By default an evaluation is met (达标) when

1. every key indicator (关键指标) is met, and
2. the indicators met are at least 80 % of all indicators rated ("at least": exactly 80 % is met).

The share is compared exactly, in integers (``met × 100 ≥ share × total``), never as a rounded
percentage: 79.99 % is not 80 %. Shares are shown cut (not rounded) to two decimals, so a share shown
as equal to the minimum always passes. See docs/evaluation-rules.md.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Protocol

from django.utils.translation import gettext as _

HUNDRED = Decimal(100)
TWO_PLACES = Decimal("0.01")


class Rated(Protocol):
    """One rated indicator: its name, whether it is a key indicator and whether it was rated met."""

    name: str
    is_key: bool
    met: bool


@dataclass(frozen=True)
class RatedIndicator:
    name: str
    is_key: bool
    met: bool


def format_share(value: Decimal) -> str:
    """A percentage cut to two decimals, without trailing zeros: 80 → "80", 66.666… → "66.66"."""
    cut = Decimal(value).quantize(TWO_PLACES, rounding=ROUND_DOWN)
    text = f"{cut:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def met_share(met: int, total: int) -> Decimal:
    """The exact share of indicators met, in percent (as exact as Decimal division goes; 0 when none)."""
    return Decimal(met) * HUNDRED / Decimal(total) if total else Decimal(0)


def evaluation_outcome(
    ratings: Iterable[Rated], *, all_key_met: bool, min_met_share: Decimal
) -> tuple[bool, list[str]]:
    """(met, reasons). The reasons, in Chinese, say which key indicators failed (when the rule asks for
    every key indicator) and the share met against the share required; they explain a met outcome too."""
    ratings = list(ratings)
    total = len(ratings)
    if total == 0:
        return False, [_("没有已评定的指标，不能得出评价结论。")]
    minimum = Decimal(min_met_share)
    reasons = []
    met = True
    if all_key_met:
        failed_keys = [rating.name for rating in ratings if rating.is_key and not rating.met]
        if failed_keys:
            met = False
            reasons.append(
                _("关键指标未全部达标：%(names)s（共%(count)s项）。")
                % {"names": "、".join(failed_keys), "count": len(failed_keys)}
            )
        elif any(rating.is_key for rating in ratings):
            reasons.append(_("关键指标全部达标。"))
    met_count = sum(1 for rating in ratings if rating.met)
    share = met_share(met_count, total)
    values = {"share": format_share(share), "met": met_count, "total": total, "minimum": format_share(minimum)}
    # Exact comparison in integers and Decimals: no rounding can turn 79.99 % into 80 %.
    if Decimal(met_count) * HUNDRED >= minimum * Decimal(total):
        reasons.append(_("达标指标占比%(share)s%%（%(met)s/%(total)s），不低于要求的%(minimum)s%%。") % values)
    else:
        met = False
        reasons.append(_("达标指标占比%(share)s%%（%(met)s/%(total)s），低于要求的%(minimum)s%%。") % values)
    return met, reasons

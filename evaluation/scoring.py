"""The arithmetic of the expert review, as pure functions over plain values (no database).

- An expert's total, normalised to 100: Σ(score × weight) / Σ(max_points × weight) × 100.
- A plan's mean: the mean of its experts' totals (each total already rounded).
- Spread: an expert's total differs from the plan's mean by more than the call's threshold.
- Ranking: mean descending; ties broken by the mean on "feasibility", then on "soundness" (both as
  shown, two places), and finally by the region's administrative code ascending, so that the order is
  always the same.

Every figure is a Decimal rounded to two places, half up (the way results are read out and printed).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

TWO_PLACES = Decimal("0.01")
HALF_POINT = Decimal("0.5")
TIE_BREAK_CRITERIA = ("feasibility", "soundness")


def round2(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One criterion line of a scorecard: what the expert gave and what the criterion is worth."""

    score: Decimal
    max_points: Decimal
    weight: Decimal


def weighted_total(lines: Iterable[Line]) -> Decimal:
    """The expert's total, normalised to 100 and rounded to two places."""
    lines = list(lines)
    possible = sum((line.max_points * line.weight for line in lines), Decimal(0))
    if possible == 0:
        return Decimal("0.00")
    given = sum((line.score * line.weight for line in lines), Decimal(0))
    return round2(given / possible * 100)


def mean(values: Sequence[Decimal]) -> Decimal | None:
    """The mean rounded to two places; None for no values."""
    if not values:
        return None
    return round2(sum(values, Decimal(0)) / len(values))


def is_spread(totals: Sequence[Decimal], threshold: Decimal) -> bool:
    """Whether any total is further than ``threshold`` from the mean (strictly more)."""
    average = mean(totals)
    return average is not None and any(abs(total - average) > threshold for total in totals)


def parse_score(text) -> Decimal:
    """A score as typed; raises ValueError with a Chinese message for anything that is not a number."""
    if isinstance(text, Decimal):
        return text
    cleaned = str(text).strip().replace("，", ".").replace("。", ".")
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        raise ValueError(_("请输入数字，例如 12 或 12.5。")) from None
    if not value.is_finite():
        raise ValueError(_("请输入数字，例如 12 或 12.5。"))
    return value


def score_problem(value: Decimal, max_points: Decimal) -> str | None:
    """Why a score is not acceptable for a criterion worth ``max_points`` (None: it is)."""
    if value < 0:
        return _("得分不能为负数。")
    if value > max_points:
        return _("得分不能超过该项满分%(max)s分。") % {"max": _points(max_points)}
    if (value / HALF_POINT) != (value / HALF_POINT).to_integral_value():
        return _("得分须为0.5分的整数倍（如 12 或 12.5）。")
    return None


def _points(value: Decimal) -> str:
    """15.0 → "15", 12.5 → "12.5"."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class RankKey:
    """What decides a plan's place: higher mean first, then the tie-break means, then the region code."""

    mean: Decimal
    tie_breaks: tuple[Decimal, ...]
    region_code: str

    def sort_key(self) -> tuple:
        return (-self.mean, *(-value for value in self.tie_breaks), self.region_code)


def tie_break_values(criterion_means: dict[str, Decimal | None]) -> tuple[Decimal, ...]:
    """The means on "feasibility" and "soundness" (0 when a call has no such criterion)."""
    return tuple(criterion_means.get(code) or Decimal(0) for code in TIE_BREAK_CRITERIA)


def rank_order(keys: dict) -> list:
    """The items of ``keys`` (item → RankKey) in ranking order."""
    return sorted(keys, key=lambda item: keys[item].sort_key())

"""Actual against target, one indicator at a time. Every indicator of the target table (附2) is
"higher is better": counts of enterprises, platforms, scenarios and percentages alike.

- **met** (达标): the actual value is at least the target. Exactly at target is met. Percentages are
  compared as stored, with one decimal (80.0 % against a target of 80.0 % is met).
- **completion** (完成率): the share of the planned improvement achieved, in percent,
  ``(actual − baseline) / (target − baseline) × 100``, rounded half up to one decimal. It may exceed 100
  (over-achievement) and fall below 0 (the value went down). Percentage indicators use the same formula
  on percentage points.
- **target equal to baseline** (keep the level): no improvement was asked, so completion is 100.0 when
  the actual is at least the target and 0.0 otherwise.
- Missing actual (or missing target): neither met nor a completion (``None``), shown as "—".

The same functions serve mid-term targets (mid-term evaluation) and final targets (final evaluation,
self-assessments). See docs/evaluation-rules.md.
"""

from decimal import ROUND_HALF_UP, Decimal

ONE_PLACE = Decimal("0.1")
HUNDRED = Decimal(100)


def is_met(target: Decimal | None, actual: Decimal | None) -> bool | None:
    if target is None or actual is None:
        return None
    return actual >= target


def completion(baseline: Decimal | None, target: Decimal | None, actual: Decimal | None) -> Decimal | None:
    if target is None or actual is None:
        return None
    baseline = target if baseline is None else baseline
    if target == baseline:
        return HUNDRED.quantize(ONE_PLACE) if actual >= target else Decimal(0).quantize(ONE_PLACE)
    return ((actual - baseline) / (target - baseline) * HUNDRED).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)

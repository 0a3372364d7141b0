"""Paying an award under the fiscal-contribution cap (射阳, seed 003): an enterprise's awards in a year
are, in principle, limited to what it contributed to local finance that year; the rest is paid in
later years against later contributions."""

from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _

from ..rules import CENT, ZERO


class PaymentSchedule(dict):
    """Payments by year — a plain ``dict[int, Decimal]`` — that also carries ``amount`` and ``unpaid``
    (what no year given could cover, to be scheduled when later contributions are known)."""

    amount: Decimal = ZERO
    unpaid: Decimal = ZERO


def _money(value, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(_("%(name)s 应为金额（Decimal，单位元）。") % {"name": name})
    value = Decimal(value)
    if not value.is_finite() or value < 0:
        raise ValueError(_("%(name)s 应为不小于0的金额。") % {"name": name})
    return value.quantize(CENT, rounding=ROUND_DOWN)


def _by_year(values: dict | None, name: str) -> dict[int, Decimal]:
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ValueError(_("%(name)s 应为 {年份: 金额} 的字典。") % {"name": name})
    result = {}
    for year, value in values.items():
        if isinstance(year, bool) or not isinstance(year, int):
            raise ValueError(_("%(name)s 的年份应为整数：%(year)r。") % {"name": name, "year": year})
        result[year] = _money(value, f"{name}[{year}]")
    return result


def schedule_payments(
    *,
    amount: Decimal,
    fiscal_contribution_by_year: dict[int, Decimal],
    first_year: int,
    other_awards_by_year: dict[int, Decimal] | None = None,
) -> dict[int, Decimal]:
    """Payments by year from ``first_year``: each year pays at most that year's contribution less what
    other awards to the same enterprise already use that year; the rest carries to the next year given.

    Only years present in ``fiscal_contribution_by_year`` (from ``first_year`` on) are scheduled: a
    year entered as 0 pays 0 and appears; a year not yet entered is unknown and pays nothing. The
    schedule stops in the year the amount is paid in full. The result is a ``PaymentSchedule`` (a
    dict subclass); its ``unpaid`` is what no year given could cover (see also ``unpaid_amount``).
    Raises ValueError for a negative or non-Decimal amount and for a year that is not an integer."""
    total = _money(amount, "amount")
    if isinstance(first_year, bool) or not isinstance(first_year, int):
        raise ValueError(_("first_year 应为整数年份。"))
    contributions = _by_year(fiscal_contribution_by_year, "fiscal_contribution_by_year")
    others = _by_year(other_awards_by_year, "other_awards_by_year")
    schedule = PaymentSchedule()
    remaining = total
    for year in sorted(year for year in contributions if year >= first_year):
        if remaining <= 0:
            break
        room = max(ZERO, contributions[year] - others.get(year, ZERO))
        paid = min(remaining, room)
        schedule[year] = paid
        remaining -= paid
    schedule.amount = total
    schedule.unpaid = remaining
    return schedule


def unpaid_amount(*, amount: Decimal, schedule: dict[int, Decimal]) -> Decimal:
    """What a schedule leaves unpaid of an amount (for any dict, e.g. one read back from the database)."""
    return max(ZERO, _money(amount, "amount") - sum(schedule.values(), ZERO))

"""Constants, the data-error exception and number formatting shared by the rule modules."""

import re
from decimal import Decimal

MONEY, CHOICE, INTEGER = "money", "choice", "integer"
RATE_OF_BASE, FIXED_PER_UNIT, FIXED_BY_LEVEL = "rate_of_base", "fixed_per_unit", "fixed_by_level"
PAYEE_APPLICANT, PAYEE_THIRD_PARTY = "applicant", "third_party"

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Input bounds, not policy numbers: what a DecimalField(max_digits=16, decimal_places=2) can hold, and a
# count no real application reaches. They keep arithmetic exact and cheap whatever a caller passes.
MONEY_LIMIT = Decimal("100000000000000")
INTEGER_LIMIT = 1_000_000
RATE_PLACES = 6
SHOWN_VALUE_CHARS = 30
INTEGER_TEXT = re.compile(r"-?[0-9]{1,12}")


class RuleDataError(ValueError):
    """A rule or fact definition that does not follow its schema (a data error, not an applicant's)."""


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def exact_money(value: Decimal) -> str:
    """Two places, or every place there is when a rate gave fractions of a fen (6,000,000.0008)."""
    return money(value) if value == value.quantize(CENT) else format(value.normalize(), ",f")


def percent(rate: Decimal) -> str:
    return format((rate * 100).normalize(), "f")


def shown(raw) -> str:
    try:
        text = raw if isinstance(raw, str) else repr(raw)
    except ValueError:  # an int too long to print
        text = type(raw).__name__
    return text if len(text) <= SHOWN_VALUE_CHARS else text[:SHOWN_VALUE_CHARS] + "…"

from decimal import Decimal

from django import template

from applications import rules

register = template.Library()


@register.filter
def yuan(value) -> str:
    """25000000 → "25,000,000.00"; empty for None."""
    if value is None or value == "":
        return "—"
    return rules.money(Decimal(value))


@register.filter
def rule_number(number: rules.Number) -> str:
    """The number alone: its label already says the unit (% or 元)."""
    if number.value is None:
        return "—"
    return format(number.value, "f") if number.is_rate else rules.money(number.value)

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def target_value(value, kind: str) -> str:
    """Counts without decimals, percentages with one; empty cells as a dash."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    return f"{number:.0f}" if kind == "count" else f"{number:.1f}"

from django import template

from accounts.permissions import has_role as _has_role
from audit.templatetags.audit_labels import ACTION_LABELS

register = template.Library()

EVENT_LABELS = ACTION_LABELS  # one name per audited action, everywhere


@register.filter
def has_role(user, role: str) -> bool:
    """``{% if request.user|has_role:"expert" %}``: menus only; every page checks permissions itself."""
    return _has_role(user, role)


@register.filter
def event_label(action: str) -> str:
    return EVENT_LABELS.get(action, action)


@register.filter
def points(value) -> str:
    """A score without a trailing zero: 15.0 → 15, 12.5 → 12.5; empty for None."""
    if value is None or value == "":
        return ""
    return f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)

from django import template
from django.utils.translation import gettext_lazy as _

from accounts.permissions import has_role as _has_role

register = template.Library()

EVENT_LABELS = {
    "assignment.create": _("分配评审专家"),
    "assignment.declare": _("声明无利益冲突"),
    "assignment.decline": _("申请回避"),
    "assignment.save_draft": _("保存评审草稿"),
    "assignment.submit": _("提交评审"),
    "assignment.reopen": _("退回重评"),
}


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

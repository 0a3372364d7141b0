from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

PURPOSE_LABELS = {
    "stamped_plan": _("盖章总体方案"),
    "evidence": _("佐证材料"),
    "plan_pdf": _("方案PDF（系统生成）"),
    "ranking_report": _("评审排名报告"),
    "notice_pdf": _("公示PDF"),
    "approval_pdf": _("批复PDF"),
    "objection": _("异议附件"),
}


@register.filter
def purpose_label(purpose: str) -> str:
    return PURPOSE_LABELS.get(purpose, purpose)

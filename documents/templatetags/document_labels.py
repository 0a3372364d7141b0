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
    "evaluation_pdf": _("绩效评价报告PDF"),
    "objection": _("异议附件"),
    "national_approval": _("国家试点批复文件"),
    "change_evidence": _("方案变更佐证材料"),
}


@register.filter
def purpose_label(purpose: str) -> str:
    return PURPOSE_LABELS.get(purpose, purpose)

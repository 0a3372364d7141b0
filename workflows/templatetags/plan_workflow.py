from django import template
from django.utils.translation import gettext as _

from pilots.models import PilotCall
from pilots.permissions import can_check_plan, can_cosign_plan, can_edit_plan
from pilots.services import funds_fingerprint, submission_problems

register = template.Library()


@register.inclusion_tag("workflows/_plan_actions.html", takes_context=True)
def plan_actions(context, plan):
    """What the viewer can do next with this plan, with the checks that still block submission."""
    user = context["request"].user
    can_edit = can_edit_plan(user, plan)
    problems = submission_problems(plan) if can_edit else []
    table_prefix = _("绩效目标表：")
    table_problems = [problem for problem in problems if problem.startswith(table_prefix)]
    if len(table_problems) > 3:  # one line with a link instead of a wall of 23 "未填写"
        problems = [problem for problem in problems if not problem.startswith(table_prefix)]
        problems.insert(0, _("绩效目标表尚有%(count)d处未填写或不符合要求。") % {"count": len(table_problems)})
    return {
        "plan": plan,
        "can_edit": can_edit,
        "can_cosign": can_cosign_plan(user, plan),
        "can_check": can_check_plan(user, plan),
        "problems": problems,
        "cosign_valid": bool(plan.cosigned_funds_hash) and plan.cosigned_funds_hash == funds_fingerprint(plan),
        # A national SME city pilot is not co-signed (pilots.services.national).
        "needs_cosign": plan.call.kind != PilotCall.Kind.NATIONAL_SME_CITY,
        "csrf_token": context.get("csrf_token"),
    }

from django import template

from pilots.permissions import can_check_plan, can_cosign_plan, can_edit_plan
from pilots.services import submission_problems

register = template.Library()


@register.inclusion_tag("workflows/_plan_actions.html", takes_context=True)
def plan_actions(context, plan):
    """What the viewer can do next with this plan, with the checks that still block submission."""
    user = context["request"].user
    can_edit = can_edit_plan(user, plan)
    return {
        "plan": plan,
        "can_edit": can_edit,
        "can_cosign": can_cosign_plan(user, plan),
        "can_check": can_check_plan(user, plan),
        "problems": submission_problems(plan) if can_edit else [],
        "csrf_token": context.get("csrf_token"),
    }

from django import template
from django.urls import reverse

from ..permissions_progress import can_view_pilot

register = template.Library()


@register.filter
def pilot_page_url(plan, user) -> str:
    """``{% with url=plan|pilot_page_url:request.user %}``: the pilot page of an approved plan, for whoever
    may see it (the plan page is in pilots, which does not import evaluation); empty otherwise."""
    if plan is None or not can_view_pilot(user, plan):
        return ""
    return reverse("evaluation:pilot_detail", args=[plan.pk])

"""Who may see how an approved pilot is doing. Not found and not allowed look the same (404).

- A pilot (its page, its evaluation PDFs): the province-wide readers (the Department's officers and
  leaders, the Finance Department, the auditors) and the pilot's own league/city (industry bureau and
  finance bureau). Another league/city, the review agency and the experts: 404. Before approval there is
  no pilot (the plan's own pages are in pilots).
- The officer's ratings of an evaluation round: the Department sees them as they are made; the league/city
  once the round has been decided by the leader.
- A call's overview of its pilots and its Excel export: the province-wide readers.
"""

from django.http import Http404

from accounts.permissions import has_role, is_province_wide_reader, organisation_of
from accounts.roles import Role
from pilots.models import PilotCall, PilotPlan

from .models import Evaluation

# An evaluation in one of these has had the current round decided by the leader.
DECIDED = frozenset(
    {
        Evaluation.Status.RECTIFICATION_SETUP,
        Evaluation.Status.RECTIFYING,
        Evaluation.Status.MET,
        Evaluation.Status.NOT_MET,
    }
)


def can_view_pilot(user, plan: PilotPlan) -> bool:
    if plan.status != PilotPlan.Status.APPROVED:
        return False
    if is_province_wide_reader(user):
        return True
    organisation = organisation_of(user)
    return (
        has_role(user, Role.APPLICANT, Role.COSIGNER)
        and organisation is not None
        and organisation.region_id == plan.region_id
    )


def get_pilot_for_user_or_404(user, pk) -> PilotPlan:
    plan = PilotPlan.objects.select_related("call", "region", "applicant", "approval").filter(pk=pk).first()
    if plan is None or not can_view_pilot(user, plan):
        raise Http404
    return plan


def can_view_pilot_evaluation(user, evaluation: Evaluation) -> bool:
    """An evaluation (and its PDF) goes with its pilot."""
    return can_view_pilot(user, evaluation.plan)


def can_see_ratings(user, evaluation: Evaluation, round_: int) -> bool:
    if is_province_wide_reader(user):
        return True
    return round_ < evaluation.round or evaluation.status in DECIDED


def can_view_call_pilots(user) -> bool:
    return is_province_wide_reader(user)


def get_call_pilots_for_user_or_404(user, pk) -> PilotCall:
    call = PilotCall.objects.filter(pk=pk).first()
    if call is None or not can_view_call_pilots(user):
        raise Http404
    return call

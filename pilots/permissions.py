"""The one check per object type for pilots. Not found and not allowed look the same (404)."""

from django.http import Http404

from accounts.permissions import has_role, is_province_wide_reader, organisation_of
from accounts.roles import Role

from .models import PilotCall, PilotPlan, PilotPlanUserObjectPermission


def _same_region(user, plan: PilotPlan) -> bool:
    organisation = organisation_of(user)
    return organisation is not None and organisation.region_id == plan.region_id


# Plans the review agency may see: those that passed the completeness check.
REVIEWABLE = frozenset(
    {
        PilotPlan.Status.ACCEPTED,
        PilotPlan.Status.IN_REVIEW,
        PilotPlan.Status.SHORTLISTED,
        PilotPlan.Status.SELECTED,
        PilotPlan.Status.NOT_SELECTED,
        PilotPlan.Status.APPROVED,
    }
)


def has_plan_grant(user, plan: PilotPlan) -> bool:
    """An explicit grant on this one plan (an expert who declared no conflict), from the direct
    guardian table of PilotPlan."""
    return PilotPlanUserObjectPermission.objects.filter(
        user_id=user.pk, content_object_id=plan.pk, permission__codename="view_pilotplan"
    ).exists()


def can_view_plan(user, plan: PilotPlan) -> bool:
    if is_province_wide_reader(user):
        return True
    if has_role(user, Role.APPLICANT, Role.COSIGNER) and _same_region(user, plan):
        return True
    # A national SME city pilot has no expert review: the agency has nothing to do with it.
    if has_role(user, Role.AGENCY_COORDINATOR) and plan.status in REVIEWABLE and plan.call.kind == PilotCall.Kind.PILOT:
        return True
    return has_role(user, Role.EXPERT) and has_plan_grant(user, plan)


def can_view_plan_history(user, plan: PilotPlan) -> bool:
    """The timeline names everyone who acted (experts included): for the region and the province only."""
    if is_province_wide_reader(user):
        return True
    return has_role(user, Role.APPLICANT, Role.COSIGNER) and _same_region(user, plan)


def can_edit_plan(user, plan: PilotPlan) -> bool:
    return plan.is_editable and has_role(user, Role.APPLICANT) and _same_region(user, plan)


def can_cosign_plan(user, plan: PilotPlan) -> bool:
    return plan.status == PilotPlan.Status.COSIGNING and has_role(user, Role.COSIGNER) and _same_region(user, plan)


def can_check_plan(user, plan: PilotPlan) -> bool:
    return plan.status == PilotPlan.Status.SUBMITTED and has_role(user, Role.DEPARTMENT_OFFICER)


def can_create_plan(user) -> bool:
    organisation = organisation_of(user)
    return has_role(user, Role.APPLICANT) and organisation is not None and organisation.region.level == "league_city"


def can_manage_calls(user) -> bool:
    return has_role(user, Role.DEPARTMENT_OFFICER)


def can_view_call(user, call: PilotCall) -> bool:
    if can_manage_calls(user) or is_province_wide_reader(user):
        return True
    return call.status != PilotCall.Status.DRAFT and has_role(user, Role.APPLICANT, Role.COSIGNER)


def get_plan_for_user_or_404(user, pk, *, queryset=None) -> PilotPlan:
    from .selectors import plans_visible_to

    plan = (queryset if queryset is not None else plans_visible_to(user)).filter(pk=pk).first()
    if plan is None or not can_view_plan(user, plan):
        raise Http404
    return plan


def get_call_for_user_or_404(user, pk) -> PilotCall:
    call = PilotCall.objects.select_related("target_template").filter(pk=pk).first()
    if call is None or not can_view_call(user, call):
        raise Http404
    return call

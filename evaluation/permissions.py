"""The one check per object type of the expert review. Not found and not allowed look the same (404).

- Expert profiles: the coordinators of the expert's own review agency.
- A call's review: the coordinators of the agency that runs it (any agency's coordinator before it is
  started), and read-only the Department (officer, leader) and the auditor.
- A plan's review (its assignments and submitted scores): whoever may see the call's review.
- The score history of a plan (every saved version, drafts included): the auditor.
- An assignment: only the expert it is for; the others reach it through the plan's review.
"""

from django.http import Http404
from django.utils import timezone

from accounts.models import Organisation
from accounts.permissions import has_role, organisation_of
from accounts.roles import Role
from pilots.models import PilotCall, PilotPlan

from .models import Assignment, CallReview, ExpertProfile, RankingReport

DEPARTMENT_READERS = (Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR)
# Calls whose review has started or is over.
REVIEW_STARTED = frozenset(
    {PilotCall.Status.IN_REVIEW, PilotCall.Status.RANKED, PilotCall.Status.IN_NOTICE, PilotCall.Status.FINAL}
)
# Plan statuses from the expert review on.
REVIEWED_PLANS = frozenset(
    {
        PilotPlan.Status.IN_REVIEW,
        PilotPlan.Status.SHORTLISTED,
        PilotPlan.Status.NOT_SELECTED,
        PilotPlan.Status.SELECTED,
        PilotPlan.Status.APPROVED,
    }
)


def agency_of(user) -> Organisation | None:
    """The review agency a coordinator or expert works for."""
    organisation = organisation_of(user)
    if organisation is None or organisation.kind != Organisation.Kind.REVIEW_AGENCY:
        return None
    return organisation


def is_coordinator(user) -> bool:
    return has_role(user, Role.AGENCY_COORDINATOR) and agency_of(user) is not None


def is_department_reader(user) -> bool:
    return has_role(user, *DEPARTMENT_READERS)


def review_of(call: PilotCall) -> CallReview | None:
    try:
        return call.review
    except CallReview.DoesNotExist:
        return None


def submissions_over(call: PilotCall, now=None) -> bool:
    """Closed, or still open but past the deadline (the closing job has not run yet)."""
    if call.status == PilotCall.Status.CLOSED:
        return True
    return call.status == PilotCall.Status.OPEN and (now or timezone.now()) >= call.deadline


# --- expert profiles -------------------------------------------------------------------------------


def can_manage_experts(user) -> bool:
    return is_coordinator(user)


def can_edit_expert(user, expert: ExpertProfile) -> bool:
    agency = agency_of(user)
    return (
        is_coordinator(user)
        and hasattr(expert.user, "membership")
        and expert.user.membership.organisation_id == agency.pk
    )


def get_expert_for_user_or_404(user, pk) -> ExpertProfile:
    expert = ExpertProfile.objects.select_related("user__membership", "home_region").filter(pk=pk).first()
    if expert is None or not can_edit_expert(user, expert):
        raise Http404
    return expert


# --- calls -----------------------------------------------------------------------------------------


def can_view_call_review(user, call: PilotCall) -> bool:
    if call.status not in REVIEW_STARTED and not submissions_over(call):
        return False
    if is_department_reader(user):
        return True
    if not is_coordinator(user):
        return False
    review = review_of(call)
    return review is None or review.agency_id == agency_of(user).pk


def can_manage_call_review(user, call: PilotCall) -> bool:
    """May start the review, assign, reopen, note consensus and submit the ranking (while it runs)."""
    return is_coordinator(user) and can_view_call_review(user, call)


def get_call_for_review_or_404(user, pk) -> PilotCall:
    call = PilotCall.objects.select_related("review__agency").filter(pk=pk).first()
    if call is None or not can_view_call_review(user, call):
        raise Http404
    return call


# --- plans -----------------------------------------------------------------------------------------


def can_view_plan_review(user, plan: PilotPlan) -> bool:
    return plan.status in REVIEWED_PLANS and can_view_call_review(user, plan.call)


def can_view_review_history(user, plan: PilotPlan) -> bool:
    return has_role(user, Role.AUDITOR) and can_view_plan_review(user, plan)


def get_plan_review_for_user_or_404(user, pk) -> PilotPlan:
    plan = (
        PilotPlan.objects.select_related("call__review__agency", "region", "applicant", "consensus_note__author")
        .filter(pk=pk)
        .first()
    )
    if plan is None or not can_view_plan_review(user, plan):
        raise Http404
    return plan


# --- assignments -----------------------------------------------------------------------------------


def can_view_assignment(user, assignment: Assignment) -> bool:
    """Only the expert the assignment is for; another expert's assignment (a draft above all) is a 404."""
    return has_role(user, Role.EXPERT) and assignment.expert.user_id == user.pk


def get_assignment_for_user_or_404(user, pk) -> Assignment:
    assignment = (
        Assignment.objects.select_related("expert", "plan__call", "plan__region", "plan__applicant")
        .filter(pk=pk)
        .first()
    )
    if assignment is None or not can_view_assignment(user, assignment):
        raise Http404
    return assignment


def get_assignment_of_plan_or_404(plan: PilotPlan, pk) -> Assignment:
    """One assignment of a plan the caller may already see the review of (``get_plan_review_for_user_or_404``)."""
    assignment = Assignment.objects.select_related("plan__call", "expert").filter(plan=plan, pk=pk).first()
    if assignment is None:
        raise Http404
    return assignment


# --- ranking reports -------------------------------------------------------------------------------


def can_view_ranking_report(user, report: RankingReport) -> bool:
    return can_view_call_review(user, report.call)


def get_ranking_report_for_user_or_404(user, call_pk) -> RankingReport:
    report = RankingReport.objects.select_related("call__review", "pdf", "submitted_by").filter(call_id=call_pk).first()
    if report is None or not can_view_ranking_report(user, report):
        raise Http404
    return report

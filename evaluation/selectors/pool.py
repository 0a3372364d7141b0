"""The expert pool, the calls to review, the suggestion and screening of experts, and the history
of a plan's review."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from pilots.models import IndustryChain, PilotCall, PilotPlan, PlanEnterprise

from .. import matching
from ..models import Assignment, ConsensusNote, CriterionScore, ExpertProfile
from ..permissions import (
    REVIEW_STARTED,
    REVIEWED_PLANS,
    agency_of,
    is_coordinator,
    is_department_reader,
)
from .reviews import OPEN, PlanReview

# --- the expert pool -------------------------------------------------------------------------------


def expert_pool(user) -> QuerySet[ExpertProfile]:
    """The experts of the coordinator's agency, each with ``open_load`` (pending or scoring assignments)."""
    if not is_coordinator(user):
        return ExpertProfile.objects.none()
    return (
        ExpertProfile.objects.filter(user__membership__organisation=agency_of(user))
        .select_related("home_region", "user")
        .annotate(open_load=Count("assignments", filter=Q(assignments__status__in=OPEN)))
        .order_by("-is_active", "full_name", "pk")
    )


# --- calls -----------------------------------------------------------------------------------------


def review_calls(user) -> list[PilotCall]:
    """Calls whose submissions are over, for the coordinator (not run by another agency) and the
    Department and auditor, each with ``accepted_count``, ``reviewed_count`` and ``pending_check_count``."""
    if not (is_coordinator(user) or is_department_reader(user)):
        return []
    calls = (
        PilotCall.objects.filter(
            Q(status__in=REVIEW_STARTED)
            | Q(status=PilotCall.Status.CLOSED)
            | Q(status=PilotCall.Status.OPEN, deadline__lte=timezone.now()),
            kind=PilotCall.Kind.PILOT,  # a national SME city pilot call has no expert review
        )
        .select_related("review__agency")
        .annotate(
            accepted_count=Count("plans", filter=Q(plans__status=PilotPlan.Status.ACCEPTED)),
            reviewed_count=Count("plans", filter=Q(plans__status__in=REVIEWED_PLANS)),
            pending_check_count=Count("plans", filter=Q(plans__status=PilotPlan.Status.SUBMITTED)),
        )
        .order_by("-year", "-deadline")
    )
    if not is_department_reader(user):
        calls = calls.filter(Q(review__isnull=True) | Q(review__agency=agency_of(user)))
    return list(calls)


# --- suggestion and conflict screening ---------------------------------------------------------------


def plan_facts(plans: list[PilotPlan]) -> dict[int, matching.PlanFacts]:
    """What screening needs of each plan (plans loaded with region and applicant), in two queries."""
    plan_ids = [plan.pk for plan in plans]
    chains: dict[int, list[str]] = {}
    for plan_id, name in IndustryChain.objects.filter(plan_id__in=plan_ids).values_list("plan_id", "name"):
        chains.setdefault(plan_id, []).append(name)
    enterprises: dict[int, list[tuple[str, str]]] = {}
    rows = PlanEnterprise.objects.filter(plan_id__in=plan_ids).order_by("row", "pk")
    for plan_id, name, uscc in rows.values_list("plan_id", "name", "uscc"):
        enterprises.setdefault(plan_id, []).append((name, uscc))
    return {
        plan.pk: matching.PlanFacts(
            plan_id=plan.pk,
            region_id=plan.region_id,
            region_name=plan.region.name,
            applicant_name=plan.applicant.name,
            applicant_uscc=plan.applicant.uscc,
            enterprises=tuple(enterprises.get(plan.pk, ())),
            text=" ".join([plan.title, *chains.get(plan.pk, []), plan.basis_chains]),
        )
        for plan in plans
    }


def _taken(reviews: list[PlanReview]) -> dict[int, dict[int, str]]:
    return {review.plan.pk: {a.expert_id: a.status for a in review.assignments} for review in reviews}


def review_suggestions(user, reviews: list[PlanReview]) -> list[matching.Proposal]:
    """A proposal for every plan in review that still needs experts."""
    reviews = [r for r in reviews if r.plan.status == PilotPlan.Status.IN_REVIEW and r.needed]
    if not reviews:
        return []
    experts = list(expert_pool(user).filter(is_active=True))
    plans = [review.plan for review in reviews]
    return matching.suggest(
        plans,
        plan_facts(plans),
        experts,
        loads={expert.pk: expert.open_load for expert in experts},
        active_counts={review.plan.pk: len(review.active) for review in reviews},
        taken=_taken(reviews),
        experts_per_plan=reviews[0].call.experts_per_plan,
    )


@dataclass
class AssignChoices:
    eligible: list  # ExpertProfile with open_load and ``matches``
    excluded: list[matching.Excluded]
    inactive: list


def assign_choices(user, review: PlanReview) -> AssignChoices:
    """For assigning by hand: the eligible experts (fewest open assignments first, then best match),
    the screened-out ones with their reasons, and the inactive ones."""
    experts = list(expert_pool(user))
    facts = plan_facts([review.plan])[review.plan.pk]
    active = [expert for expert in experts if expert.is_active]
    eligible, excluded = matching.screen(active, facts, taken=_taken([review])[review.plan.pk])
    for expert in eligible:
        expert.matches = matching.matching_fields(matching.expert_facts(expert), facts)
    eligible.sort(key=lambda e: (e.open_load, -len(e.matches), e.full_name, e.pk))
    return AssignChoices(
        eligible=eligible, excluded=excluded, inactive=[expert for expert in experts if not expert.is_active]
    )


# --- history for the auditor -----------------------------------------------------------------------


def plan_review_history(plan: PilotPlan) -> dict:
    """Every saved version of the plan's assignments, scores and consensus note (simple_history)."""
    return {
        "assignments": list(
            Assignment.history.filter(plan_id=plan.pk)
            .select_related("history_user", "expert")
            .order_by("history_date", "history_id")
        ),
        "scores": list(
            CriterionScore.history.filter(assignment__plan_id=plan.pk)
            .select_related("history_user", "criterion", "assignment__expert")
            .order_by("history_date", "history_id")
        ),
        "notes": list(
            ConsensusNote.history.filter(plan_id=plan.pk).select_related("history_user").order_by("history_date")
        ),
    }


def assignment_events(review: PlanReview) -> QuerySet[AuditEvent]:
    """The audit events of the plan's assignments (assigned, declared, declined, submitted, reopened)."""
    return (
        AuditEvent.objects.filter(
            target_type="evaluation.assignment", target_id__in=[str(a.pk) for a in review.assignments]
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )

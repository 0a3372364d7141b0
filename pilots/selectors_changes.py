"""Plan changes and plan versions: who may do what with a change, and the reads of their pages. Each read
costs a fixed number of queries, whatever the number of versions, changes or enterprises.

The checks belong with the other ``can_*`` of pilots.permissions; they live here, like those of
selectors_money, so that this stage's modules stay together. Not found and not allowed look the same (404).
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import Http404

from accounts.inbox import InboxItem
from accounts.permissions import has_role, is_province_wide_reader, organisation_of
from accounts.roles import Role
from audit.models import AuditEvent
from documents.models import Document

from .models import PilotCall, PilotPlan, PlanChange, PlanVersion
from .permissions import get_plan_for_user_or_404

# A pilot that is over takes no more changes.
ENDED_PHASES = frozenset({PilotPlan.Phase.COMPLETED, PilotPlan.Phase.CLAWED_BACK})


def _bureau_of(user, plan: PilotPlan, *roles: str) -> bool:
    organisation = organisation_of(user)
    return organisation is not None and organisation.region_id == plan.region_id and has_role(user, *roles)


# --- access checks ------------------------------------------------------------------------------------------


def plan_takes_changes(plan: PilotPlan) -> bool:
    """An approved pilot plan (not a national SME city pilot) whose pilot is not over."""
    return (
        plan.status == PilotPlan.Status.APPROVED
        and plan.phase not in ENDED_PHASES
        and plan.call.kind == PilotCall.Kind.PILOT
    )


def can_request_change(user, plan: PilotPlan) -> bool:
    return plan_takes_changes(plan) and _bureau_of(user, plan, Role.APPLICANT)


def can_view_change(user, change: PlanChange) -> bool:
    """The region's bureaus see their changes, drafts too; the Department, the Finance Department and the
    auditors see every change once submitted (a draft is the bureau's own working copy)."""
    if _bureau_of(user, change.plan, Role.APPLICANT, Role.COSIGNER):
        return True
    return is_province_wide_reader(user) and change.submitted_at is not None


def can_edit_change(user, change: PlanChange) -> bool:
    return change.is_editable and _bureau_of(user, change.plan, Role.APPLICANT)


def can_review_change(user, change: PlanChange) -> bool:
    return change.status == PlanChange.Status.SUBMITTED and has_role(user, Role.DEPARTMENT_OFFICER)


def can_decide_change(user, change: PlanChange) -> bool:
    """The leader, and never the one who reviewed (or submitted) it: four eyes."""
    return (
        change.status == PlanChange.Status.FORWARDED
        and has_role(user, Role.DEPARTMENT_LEADER)
        and user.pk not in (change.reviewed_by_id, change.submitted_by_id)
    )


def get_change_for_user_or_404(user, plan_pk, number) -> PlanChange:
    plan = get_plan_for_user_or_404(user, plan_pk)
    change = (
        PlanChange.objects.select_related(
            "base_version", "result_version", "created_by", "submitted_by", "reviewed_by", "decided_by"
        )
        .filter(plan=plan, number=number)
        .first()
    )
    if change is None:
        raise Http404
    change.plan = plan  # the one read with the viewer's permissions
    if not can_view_change(user, change):
        raise Http404
    return change


# --- reads ------------------------------------------------------------------------------------------------


def plan_versions(plan: PilotPlan) -> QuerySet[PlanVersion]:
    """Every version of the plan, newest first, with who froze it and the change that made it: one query (the
    snapshots are left in the database)."""
    return (
        PlanVersion.objects.filter(plan=plan)
        .select_related("created_by", "change")
        .defer("snapshot", "change__proposed")
        .order_by("-number")
    )


def plan_changes(user, plan: PilotPlan) -> QuerySet[PlanChange]:
    """The plan's changes the user may see, newest first, with the people and versions: one query."""
    changes = (
        PlanChange.objects.filter(plan=plan)
        .select_related("created_by", "submitted_by", "reviewed_by", "decided_by", "base_version", "result_version")
        .defer("proposed", "base_version__snapshot", "result_version__snapshot")
        .order_by("-number")
    )
    if _bureau_of(user, plan, Role.APPLICANT, Role.COSIGNER):
        return changes
    if is_province_wide_reader(user):
        return changes.exclude(submitted_at__isnull=True)
    return changes.none()


def open_change(plan: PilotPlan) -> PlanChange | None:
    return PlanChange.objects.filter(plan=plan, status__in=PlanChange.OPEN).defer("proposed").first()


def versions_pair(plan: PilotPlan, old: int, new: int) -> tuple[PlanVersion, PlanVersion]:
    """Two versions of the plan, in one query; 404 if either is missing."""
    found = {version.number: version for version in PlanVersion.objects.filter(plan=plan, number__in=[old, new])}
    if old not in found or new not in found:
        raise Http404
    return found[old], found[new]


def change_documents(change: PlanChange) -> QuerySet[Document]:
    return Document.objects.filter(
        owner_type=ContentType.objects.get_for_model(PlanChange), owner_id=change.pk
    ).select_related("uploaded_by")


def change_timeline(change: PlanChange) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(target_type="pilots.planchange", target_id=str(change.pk))
        .select_related("actor", "organisation")
        .order_by("created_at", "id")
    )


# --- the inbox ------------------------------------------------------------------------------------------


def change_inbox_items(user) -> list[InboxItem]:
    """Changes waiting for the user: the officer reviews submitted ones, a leader decides forwarded ones (not
    those he reviewed himself), the bureau revises returned ones. One query per role."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    items = []

    def item(title, change, url_name, since):
        plan = change.plan
        return InboxItem(
            title=str(title),
            subject=f"{plan.region.name} · {plan.title} · {change}",
            created=since,
            url=reverse(url_name, kwargs={"pk": plan.pk, "number": change.number}),
        )

    changes = PlanChange.objects.select_related("plan__region").defer("proposed")
    if has_role(user, Role.DEPARTMENT_OFFICER):
        for change in changes.filter(status=PlanChange.Status.SUBMITTED):
            items.append(item(_("审核方案变更申请"), change, "pilots:change_review", change.submitted_at))
    if has_role(user, Role.DEPARTMENT_LEADER):
        waiting = (
            changes.filter(status=PlanChange.Status.FORWARDED).exclude(reviewed_by=user).exclude(submitted_by=user)
        )
        for change in waiting:
            items.append(item(_("审批方案变更申请"), change, "pilots:change_decide", change.reviewed_at))
    organisation = organisation_of(user)
    if has_role(user, Role.APPLICANT) and organisation is not None:
        returned = changes.filter(status=PlanChange.Status.RETURNED, plan__region_id=organisation.region_id)
        for change in returned:
            items.append(item(_("修改被退回的方案变更申请"), change, "pilots:change_edit", change.updated_at))
    return items

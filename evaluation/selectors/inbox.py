"""The review's items of the inbox ("我的待办"), in a fixed number of queries."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.inbox import InboxItem
from accounts.permissions import has_role
from accounts.roles import Role
from pilots.models import PilotCall, PilotPlan

from ..models import Assignment
from ..permissions import agency_of, is_coordinator, review_of
from .evaluations import inbox_items as evaluation_inbox_items
from .pool import review_calls
from .reports import report_inbox_items
from .reviews import OPEN, PlanReview, expert_assignments, load_plan_reviews, ranking_problems


def inbox_items(user) -> list[InboxItem]:
    """What waits for the user in the expert review: an expert's pending and scoring assignments; a
    coordinator's calls to start, plans to (re)assign, spreads to note and rankings to submit. After
    approval: the bureau's reports to fill, the officer's self-assessments to check (selectors/reports.py)."""
    items = report_inbox_items(user)
    if has_role(user, Role.EXPERT):
        items += _expert_items(user)
    if is_coordinator(user):
        items += _coordinator_items(user)
    # Mid-term and final evaluations: rating, rectification, acceptance, decisions, clawbacks.
    items += evaluation_inbox_items(user)
    return items


def _expert_items(user) -> list[InboxItem]:
    items = []
    for assignment in expert_assignments(user).filter(status__in=OPEN):
        plan = assignment.plan
        pending = assignment.status == Assignment.Status.PENDING
        items.append(
            InboxItem(
                title=_("声明利益冲突并评审") if pending else _("完成评审"),
                subject=f"{plan.region.name} · {plan.title}",
                created=assignment.assigned_at if pending else (assignment.declared_at or assignment.assigned_at),
                url=reverse("evaluation:assignment_detail", args=[assignment.pk]),
            )
        )
    return items


def _coordinator_items(user) -> list[InboxItem]:
    agency = agency_of(user)
    items = []
    to_start = [
        call
        for call in review_calls(user)
        if review_of(call) is None and call.status != PilotCall.Status.IN_REVIEW and call.accepted_count
    ]
    for call in to_start:
        items.append(
            InboxItem(
                title=_("启动专家评审"),
                subject=call.title,
                created=call.deadline,
                url=reverse("evaluation:call_review", args=[call.pk]),
            )
        )
    reviews = load_plan_reviews(
        PilotPlan.objects.filter(
            call__status=PilotCall.Status.IN_REVIEW, call__review__agency=agency, status=PilotPlan.Status.IN_REVIEW
        ).select_related("call__review")
    )
    by_call: dict[int, list[PlanReview]] = {}
    for review in reviews:
        by_call.setdefault(review.plan.call_id, []).append(review)
        plan = review.plan
        subject = f"{plan.region.name} · {plan.title}"
        url = reverse("evaluation:plan_review", args=[plan.pk])
        if review.needed:
            items.append(
                InboxItem(
                    title=_("重新分配评审专家") if review.declined else _("分配评审专家"),
                    subject=subject,
                    created=max(
                        [a.declared_at or a.assigned_at for a in review.declined] or [plan.call.review.started_at]
                    ),
                    url=reverse("evaluation:assign", args=[plan.pk]),
                )
            )
        if review.complete and review.needs_consensus_note:
            items.append(
                InboxItem(
                    title=_("记录合议意见"),
                    subject=subject,
                    created=max(a.submitted_at for a in review.submitted),
                    url=url,
                )
            )
    for call_reviews in by_call.values():
        call = call_reviews[0].plan.call
        if not ranking_problems(call, call_reviews):
            items.append(
                InboxItem(
                    title=_("提交评审排名报告"),
                    subject=call.title,
                    created=max(a.submitted_at for review in call_reviews for a in review.submitted),
                    url=reverse("evaluation:call_review", args=[call.pk]),
                )
            )
    return items

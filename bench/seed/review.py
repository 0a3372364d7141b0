"""After the completeness check, through the real services (so the flow's Handle nodes wake, the ranking,
the list, the notice and the approval are what the pages expect): the expert review of every closed call,
the ranking, the preliminary list, its public notice, the final list, approvals and first payments.

These few hundred service calls are dated at seeding time; everything before them is back-dated."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from evaluation import selectors as review_selectors
from evaluation import services as review_services
from evaluation.models import Assignment
from notices.models import PublicNotice
from pilots import services as pilot_services
from pilots.models import Instalment, PilotCall, PilotPlan
from pilots.selectors_money import ranked_plans
from pilots.services.selection import default_selection
from workflows import services as flow_services
from workflows.flows import PilotPlanFlow

COMMENT = "符合要求。"


def _scorecard(criteria, share: Decimal, complete: bool = True):
    scores = {c.pk: ((c.max_points * share * 2).to_integral_value() / 2, COMMENT) for c in criteria}
    if not complete:
        return review_services.ScorecardInput(scores=dict(list(scores.items())[: len(scores) // 2]))
    return review_services.ScorecardInput(
        scores=scores,
        overall_opinion="方案目标明确，措施可行。",
        revision_suggestions="建议细化分年度资金安排，明确改造企业清单的遴选标准。",
        recommendation=Assignment.Recommendation.WITH_REVISIONS,
    )


def run_review(call: PilotCall, coordinator, *, finish: bool) -> None:
    """Start the review and assign the suggested experts. ``finish``: every expert declares and submits
    (scores by region, so the ranking is stable); otherwise a third submit, a third score, a third wait."""
    review_services.review_start(actor=coordinator, call=call)
    proposals = review_selectors.review_suggestions(coordinator, review_selectors.call_plan_reviews(call))
    pairs = [(proposal.plan.pk, candidate.expert.pk) for proposal in proposals for candidate in proposal.chosen]
    assignments = review_services.assignments_create_many(actor=coordinator, call=call, pairs=pairs)
    criteria = list(call.criteria.order_by("order"))
    positions = {plan_id: index for index, plan_id in enumerate(sorted({a.plan_id for a in assignments}))}
    for number, assignment in enumerate(assignments):
        stage = 2 if finish else number % 3  # 0 pending, 1 scoring with a draft, 2 submitted
        if stage == 0:
            continue
        expert = assignment.expert.user
        review_services.assignment_declare_no_conflict(actor=expert, assignment=assignment, confirmed=True)
        share = Decimal("0.92") - Decimal("0.03") * positions[assignment.plan_id]
        if stage == 1:
            review_services.scorecard_save_draft(
                actor=expert, assignment=assignment, scorecard=_scorecard(criteria, share, complete=False)
            )
        else:
            review_services.assignment_submit(
                actor=expert, assignment=assignment, scorecard=_scorecard(criteria, share)
            )


def publish_list(call: PilotCall, users) -> PublicNotice:
    officer, leader = users["dept"], users["dept_leader"]
    review_services.ranking_report_submit(actor=users["agency"], call=call)
    call.refresh_from_db()
    selection = pilot_services.selection_propose(
        actor=officer, call=call, selected_plan_ids=default_selection(call, ranked_plans(call))
    )
    pilot_services.selection_approve(actor=leader, selection=selection, comment="同意。")
    return pilot_services.selection_publish(actor=officer, selection=selection)


def finalise_list(call: PilotCall, notice: PublicNotice, officer) -> None:
    """The notice ran in the call's year (dates moved back, as for an earlier round), then the list is final."""
    ends = call.deadline.date() + timedelta(days=60)
    PublicNotice.objects.filter(pk=notice.pk).update(starts_on=ends - timedelta(days=7), ends_on=ends)
    pilot_services.selection_finalise(actor=officer, call=call)


def approve(plan: PilotPlan, users, *, issue: bool) -> None:
    officer, leader = users["dept"], users["dept_leader"]
    flow_services.complete_plan_task(
        actor=officer,
        plan=plan,
        node=PilotPlanFlow.draft_approval,
        decide=lambda: pilot_services.approval_draft(
            actor=officer,
            plan=plan,
            approved_amount=Decimal("25000000.00"),
            conditions="严格按照批复的总体方案实施，每年报送绩效自评报告。",
            revision_requests="细化分年度资金安排，明确改造企业清单的遴选标准。",
        ),
    )
    if not issue:
        return
    plan.refresh_from_db()
    flow_services.complete_plan_task(
        actor=leader,
        plan=plan,
        node=PilotPlanFlow.approve,
        decide=lambda: pilot_services.approval_approve(actor=leader, approval=plan.approval),
    )


def seed_review(calls: list[PilotCall], users) -> None:
    """The closed calls, oldest first: the two oldest final (approved, selected, not selected; the first
    instalments paid), then one in public notice, then one in expert review. The open call stays open."""
    closed = [call for call in calls if call.status == PilotCall.Status.CLOSED]
    coordinator = users["agency"]
    *listed, in_review = closed
    for call in listed:
        run_review(call, coordinator, finish=True)
    run_review(in_review, coordinator, finish=False)
    notices = [publish_list(call, users) for call in listed]
    final = list(zip(listed, notices, strict=True))[: max(0, len(listed) - 1)]
    for position, (call, notice) in enumerate(final):
        finalise_list(call, notice, users["dept"])
        selected = list(call.plans.filter(status=PilotPlan.Status.SELECTED).order_by("region__code"))
        # The newest final call keeps two selected plans waiting: one for its draft, one for the leader.
        newest = position == len(final) - 1 and len(final) > 1
        for number, plan in enumerate(selected):
            if newest and number == 0:
                continue
            approve(plan, users, issue=not (newest and number == 1))
    for instalment in Instalment.objects.filter(
        status=Instalment.Status.DUE, plan__call__in=[call for call, _ in final[:1]]
    ).select_related("plan__region"):
        pilot_services.payment_record(
            actor=users["finance"],
            instalment=instalment,
            amount=instalment.amount,
            paid_on=timezone.localdate(),
            voucher_number=f"基准-{instalment.plan.call.year}-{instalment.plan.region.code}-1",
        )

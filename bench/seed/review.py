"""After the completeness check, through the real services (so the flow's Handle nodes wake, the ranking,
the list, the notice and the approval are what the pages expect): the expert review of every closed call,
the ranking, the preliminary list, its public notice, the final list, approvals and first payments.

These few hundred service calls are dated at seeding time; everything before them is back-dated."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.utils import timezone

from evaluation import selectors as review_selectors
from evaluation import services as review_services
from evaluation.models import Assignment, CriterionScore
from evaluation.services.assignments import GRANT_REASON
from notices.models import PublicNotice
from pilots import services as pilot_services
from pilots.models import Instalment, PilotCall, PilotPlan, PilotPlanUserObjectPermission
from pilots.selectors_money import ranked_plans
from pilots.services.selection import default_selection
from workflows import services as flow_services
from workflows.flows import PilotPlanFlow

from .audit_writer import AuditWriter, Event

COMMENT = "符合要求。"


def run_review(call: PilotCall, coordinator, *, finish: bool, writer: AuditWriter) -> None:
    """Start the review (service) and give each plan the experts the matching suggests, in bulk: the
    assignments, their declarations (with the plan grant an expert gets then), scores and submissions.
    ``finish``: every expert submitted (scores by region, so the ranking is stable); otherwise a third
    submitted, a third scoring with half a scorecard, a third waiting for the declaration."""
    review_services.review_start(actor=coordinator, call=call)
    proposals = review_selectors.review_suggestions(coordinator, review_selectors.call_plan_reviews(call))
    pairs = [(proposal.plan, candidate.expert) for proposal in proposals for candidate in proposal.chosen]
    criteria = list(call.criteria.order_by("order"))
    positions = {plan.pk: index for index, plan in enumerate(sorted({plan for plan, _ in pairs}, key=lambda p: p.pk))}
    now = timezone.now()
    assignments, stages = [], {}
    for number, (plan, expert) in enumerate(pairs):
        stage = 2 if finish else number % 3  # 0 pending, 1 scoring with a draft, 2 submitted
        share = Decimal("0.92") - Decimal("0.03") * positions[plan.pk]
        assignment = Assignment(
            plan=plan,
            expert=expert,
            assigned_by=coordinator,
            assigned_at=now,
            status=[Assignment.Status.PENDING, Assignment.Status.SCORING, Assignment.Status.SUBMITTED][stage],
            declared_at=now if stage else None,
            submitted_at=now if stage == 2 else None,
        )
        if stage == 2:
            assignment.overall_opinion = "方案目标明确，措施可行。"
            assignment.revision_suggestions = "建议细化分年度资金安排，明确改造企业清单的遴选标准。"
            assignment.recommendation = Assignment.Recommendation.WITH_REVISIONS
        assignments.append(assignment)
        stages[id(assignment)] = (stage, share)
    assignments = Assignment.objects.bulk_create(assignments)
    scores, grants = [], []
    permission = Permission.objects.get(content_type__app_label="pilots", codename="view_pilotplan")
    for assignment in assignments:
        stage, share = stages[id(assignment)]
        if stage == 0:
            continue
        grants.append(
            PilotPlanUserObjectPermission(
                user=assignment.expert.user, permission=permission, content_object=assignment.plan
            )
        )
        for criterion in criteria[: None if stage == 2 else len(criteria) // 2]:
            score = (criterion.max_points * share * 2).to_integral_value() / 2
            scores.append(CriterionScore(assignment=assignment, criterion=criterion, score=score, comment=COMMENT))
    CriterionScore.objects.bulk_create(scores)
    PilotPlanUserObjectPermission.objects.bulk_create(grants)
    totals = {}
    for row in scores:
        totals[row.assignment_id] = totals.get(row.assignment_id, Decimal(0)) + row.score

    def assignment_events(assignment):
        stage, _share = stages[id(assignment)]
        expert = assignment.expert.user
        mine = {"actor_id": expert.pk, "actor_username": expert.username}
        yield Event(
            now,
            "assignment.create",
            assignment.pk,
            str(assignment),
            {"status": [None, "pending"], "plan": assignment.plan.title, "expert": assignment.expert.full_name},
            actor_id=coordinator.pk,
            actor_username=coordinator.username,
        )
        if stage >= 1:
            yield Event(
                now, "assignment.declare", assignment.pk, str(assignment), {"status": ["pending", "scoring"]}, **mine
            )
        if stage == 1:
            yield Event(
                now, "assignment.save_draft", assignment.pk, str(assignment), {"scores": len(criteria) // 2}, **mine
            )
        if stage == 2:
            changes = {"status": ["scoring", "submitted"], "total": str(totals[assignment.pk])}
            yield Event(now, "assignment.submit", assignment.pk, str(assignment), changes, **mine)

    def grant_events(plan):
        for grant in grants:
            if grant.content_object_id == plan.pk:
                yield Event(
                    now,
                    "plan.grant_view",
                    plan.pk,
                    plan.title,
                    {"user": grant.user.username, "reason": GRANT_REASON},
                    actor_id=grant.user.pk,
                    actor_username=grant.user.username,
                )

    writer.write("evaluation.assignment", assignments, assignment_events)
    writer.write("pilots.pilotplan", list({a.plan.pk: a.plan for a in assignments}.values()), grant_events)


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


def seed_review(calls: list[PilotCall], users, writer: AuditWriter) -> None:
    """The closed calls, oldest first: the two oldest final (approved, selected, not selected; the first
    instalments paid), then one in public notice, then one in expert review. The open call stays open."""
    closed = [call for call in calls if call.status == PilotCall.Status.CLOSED]
    coordinator = users["agency"]
    *listed, in_review = closed
    for call in listed:
        run_review(call, coordinator, finish=True, writer=writer)
    run_review(in_review, coordinator, finish=False, writer=writer)
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

"""Approved pilots and their reports, made through the services as the people would.

    plan = monitored_plan()                 # approved today; full target table and fund plan in force;
                                            # its two yearly self-assessments scheduled by the approval
    report = first_self_assessment(plan)
    fill(report)                            # every actual at its target, a narrative, some spending
    services.report_submit(actor=bureau(plan), report=report)

The target table is tests.pilots.factories.target_cells (percentages 45.5 → 62.0 → 80.5; counts from
3 + 2n upwards); the fund plan is tests.pilots.factories.FUND_LINES.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from evaluation.models import Evaluation, Report
from evaluation.services import reports as services
from pilots import services as pilot_services
from pilots.models import PilotCall, PilotPlan, PlanVersion
from pilots.selectors import version_in_force
from pilots.versions import plan_snapshot
from tests.factories import LeagueCityFactory
from tests.pilots.factories import FUND_LINES, PilotCallFactory, applicant_of, make_applicant, target_cells
from tests.pilots.test_selection import leader, move, officer


def monitored_plan(*, call: PilotCall | None = None, region=None, amount: str = "1000000.00") -> PilotPlan:
    """An approved plan of a fresh (or the given) league/city whose frozen version has a full target table
    and the factory fund plan. Its bureau user has an e-mail address."""
    call = call or PilotCallFactory()
    applicant = make_applicant(region or LeagueCityFactory())
    applicant.email = f"{applicant.username}@example.test"
    applicant.save(update_fields=["email"])
    plan = pilot_services.plan_create(actor=applicant, call=call)
    problems = pilot_services.target_table_save(actor=applicant, plan=plan, cells=target_cells(plan))
    assert not problems, problems
    pilot_services.fund_plan_save(actor=applicant, plan=plan, lines=FUND_LINES)
    PlanVersion.objects.create(plan=plan, number=1, snapshot=plan_snapshot(plan), created_by=applicant)
    PilotPlan.objects.filter(pk=plan.pk).update(version=1)
    plan = move(plan, PilotPlan.Status.SELECTED)
    approval = pilot_services.approval_draft(
        actor=officer(), plan=plan, approved_amount=Decimal(amount), conditions="", revision_requests=""
    )
    pilot_services.approval_approve(actor=leader(), approval=approval)
    plan.refresh_from_db()
    return plan


def bureau(plan: PilotPlan):
    return applicant_of(plan)


def first_self_assessment(plan: PilotPlan) -> Report:
    return Report.objects.get(plan=plan, kind=Report.Kind.SELF_ASSESSMENT, year=1)


def targets(plan: PilotPlan) -> list[dict]:
    return version_in_force(plan).snapshot["targets"]


def indicator_id(plan: PilotPlan, name: str) -> int:
    return next(row["indicator_id"] for row in targets(plan) if row["name"] == name)


def at_target(plan: PilotPlan) -> dict[int, str]:
    """Every actual value exactly at its target."""
    return {row["indicator_id"]: row["target"] for row in targets(plan)}


def fill(report: Report, *, actuals: dict[int, str] | None = None, narrative: str = "全年完成改造任务。") -> Report:
    """Fill the whole report validly (every actual at target unless given), with some spending."""
    services.report_save(
        actor=bureau(report.plan),
        report=report,
        actuals=actuals if actuals is not None else at_target(report.plan),
        narrative=narrative,
        fund_spending={"retrofit": {"enterprise": "1000000.00", "subsidy_requested": "400000.00"}},
    )
    report.refresh_from_db()
    return report


def submitted_self_assessment(plan: PilotPlan | None = None) -> Report:
    report = fill(first_self_assessment(plan or monitored_plan()))
    return services.report_submit(actor=bureau(report.plan), report=report)


def evaluation_with_report(
    plan: PilotPlan, *, stage: str = Evaluation.Stage.MIDTERM, status: str = Evaluation.Status.REPORTING
) -> Report:
    """An evaluation of ``plan`` waiting for its report (as the evaluations helper opens it), with the report
    (kind evaluation, or rectification when the evaluation is rectifying)."""
    evaluation = Evaluation.objects.create(
        plan=plan,
        stage=stage,
        status=status,
        round=2 if status == Evaluation.Status.RECTIFYING else 1,
        report_due_on=timezone.localdate() + timedelta(days=60),
        opened_by=officer(),
        opened_at=timezone.now(),
    )
    kind = Report.Kind.RECTIFICATION if status == Evaluation.Status.RECTIFYING else Report.Kind.EVALUATION
    return Report.objects.create(
        plan=plan, kind=kind, evaluation=evaluation, due_on=evaluation.report_due_on, created_at=timezone.now()
    )

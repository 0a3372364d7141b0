"""Approved pilots with reports, evaluations and ratings, for the progress pages, the charts and the
evaluation PDF. Reports, evaluations and ratings are written with the ORM directly: the services that make
them belong to the reports and evaluations modules, and what is read here is only their rows.

    plan = pilot()                                          # approved, full target table in force
    report = self_assessment(plan, 1, {"规上制造业企业": 8})  # year 1, accepted
    evaluation = evaluation_of(plan, "midterm", status="met")
    report = evaluation_report(evaluation, {"规上制造业企业": 9})
    rate(evaluation, "规上制造业企业", met=True)
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from evaluation.models import ActualValue, Evaluation, IndicatorRating, Report
from pilots.models import Indicator, PilotPlan, PlanVersion
from pilots.selectors import version_in_force
from tests.pilots.test_payments import approved_plan
from tests.pilots.test_selection import leader, officer


def target_triple(number: int, indicator: Indicator) -> tuple[str, str, str]:
    """Baseline, mid-term target and target of the ``number``-th indicator: percentages 45.5 → 62.0 → 80.5;
    counts 3+2n → 7+2n → 12+2n; the retrofit counts 0 → 30 → 60."""
    if indicator.kind == Indicator.Kind.PERCENT:
        return "45.5", "62.0", "80.5"
    if indicator.counts_as_retrofit:
        return "0.0", "30.0", "60.0"
    baseline = 3 + 2 * number
    return f"{baseline}.0", f"{baseline + 4}.0", f"{baseline + 9}.0"


def fill_targets(plan: PilotPlan, overrides: dict[str, tuple] | None = None) -> PlanVersion:
    """Write a full target table into the plan's version in force (as if it had been submitted filled).
    ``overrides``: indicator name → (baseline, midterm_target, target), strings or None."""
    overrides = overrides or {}
    version = version_in_force(plan)
    indicators = {i.pk: i for i in plan.call.target_template.indicators.all()}
    targets = []
    for number, row in enumerate(version.snapshot["targets"]):
        indicator = indicators[row["indicator_id"]]
        baseline, midterm, target = overrides.get(row["name"], target_triple(number, indicator))
        targets.append({**row, "baseline": baseline, "midterm_target": midterm, "target": target})
    snapshot = {**version.snapshot, "targets": targets}
    PlanVersion.objects.filter(pk=version.pk).update(snapshot=snapshot)
    version.refresh_from_db()
    return version


def pilot(*, call=None, amount="1000000.01", overrides=None) -> PilotPlan:
    """An approved pilot (phase implementing) whose version in force has a full target table."""
    plan = approved_plan(amount, call)
    fill_targets(plan, overrides)
    return plan


def indicator(plan: PilotPlan, name: str) -> Indicator:
    return plan.call.target_template.indicators.get(name=name)


def _values(report: Report, values: dict[str, object]) -> None:
    indicators = {i.name: i for i in report.plan.call.target_template.indicators.all()}
    ActualValue.objects.bulk_create(
        ActualValue(report=report, indicator=indicators[name], actual=None if value is None else Decimal(str(value)))
        for name, value in values.items()
    )


def self_assessment(plan: PilotPlan, year: int, values=None, *, status="accepted", due_on=None) -> Report:
    """The bureau's self-assessment of pilot year ``year`` with ``values`` (indicator name → actual). The
    years of the pilot period were scheduled at approval (open): that report is filled in; a later year is
    made."""
    now = timezone.now()
    submitted = status in (Report.Status.SUBMITTED, Report.Status.ACCEPTED)
    report = Report.objects.filter(plan=plan, kind=Report.Kind.SELF_ASSESSMENT, year=year).first() or Report(
        plan=plan, kind=Report.Kind.SELF_ASSESSMENT, year=year, created_at=now
    )
    report.status = status
    report.due_on = due_on or report.due_on or timezone.localdate() + timedelta(days=30)
    report.version = version_in_force(plan)
    report.narrative = "按年度完成绩效自评。"
    report.submitted_at = now if submitted else None
    report.save()
    _values(report, values or {})
    return report


def evaluation_of(
    plan: PilotPlan, stage="midterm", *, status=Evaluation.Status.RATING, round=1, **fields
) -> Evaluation:
    """A mid-term or final evaluation of ``plan``; a decided one (met, not met, rectifying…) has its leader
    and time set."""
    decided = status in (
        Evaluation.Status.MET,
        Evaluation.Status.NOT_MET,
        Evaluation.Status.RECTIFICATION_SETUP,
        Evaluation.Status.RECTIFYING,
    )
    now = timezone.now()
    defaults = {
        "report_due_on": timezone.localdate() + timedelta(days=30),
        "opened_by": officer(),
        "opened_at": now - timedelta(days=60),
    }
    if decided:
        defaults.update(
            decided_by=leader(),
            decided_at=now,
            officer_opinion="经逐项评定，试点总体进展符合预期。",
            leader_comment="同意评价意见。",
            proposed_outcome=Evaluation.Outcome.MET if status == Evaluation.Status.MET else Evaluation.Outcome.NOT_MET,
        )
        if status in (Evaluation.Status.MET, Evaluation.Status.NOT_MET):
            defaults["outcome"] = status
    defaults.update(fields)
    return Evaluation.objects.create(plan=plan, stage=stage, status=status, round=round, **defaults)


def evaluation_report(
    evaluation: Evaluation, values=None, *, kind=Report.Kind.EVALUATION, status="submitted"
) -> Report:
    now = timezone.now()
    report = Report.objects.create(
        plan=evaluation.plan,
        kind=kind,
        evaluation=evaluation,
        status=status,
        due_on=evaluation.report_due_on,
        version=version_in_force(evaluation.plan),
        submitted_at=now if status in (Report.Status.SUBMITTED, Report.Status.ACCEPTED) else None,
        created_at=now,
    )
    _values(report, values or {})
    return report


def rate(evaluation: Evaluation, name: str, *, met: bool, round=1, computed_met=None, comment="") -> IndicatorRating:
    return IndicatorRating.objects.create(
        evaluation=evaluation,
        round=round,
        indicator=indicator(evaluation.plan, name),
        met=met,
        computed_met=met if computed_met is None else computed_met,
        comment=comment,
        rated_by=evaluation.opened_by,
        rated_at=timezone.now(),
    )

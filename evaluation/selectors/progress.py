"""How an approved pilot is doing: its target table (附2, from the plan version in force) beside every actual
value reported since approval, for the pilot page, the Department's overview of a call, the charts and the
evaluation report PDF.

The time line of a pilot has one column per point where actual values are reported:

- each pilot year's self-assessment (第n年度), counted when submitted or accepted;
- the mid-term and the final evaluation (中期评价, 期后评价), with the values of the latest round reported:
  the rectification report (round 2) once submitted, else the evaluation report (round 1).

Columns are ordered by the month of the pilot they fall in: year n at 12·n months, the mid-term evaluation
at half the pilot period, the final evaluation at its end (an evaluation after the self-assessment of the
same month). The planned columns (every year of the period, both evaluations) are always there, so that a
missing report shows as a gap, not as a shorter table.

The *latest* actual of an indicator is the value of its last column that has one; completion and met are
measured from it against the final target with ``evaluation.completion`` (the one formula).

Reads: ``pilot_progress(plan)`` costs four queries (the plan's call loaded with it), ``pilot_page`` eight and
``call_pilots_overview(call)`` four, whatever the number of reports, evaluations and pilots.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from pilots.models import Approval, Clawback, Instalment, Payment, PilotCall, PilotPlan, PlanVersion
from pilots.pdf import format_indicator_value
from pilots.selectors import version_in_force
from pilots.targets import merged_rows

from ..completion import HUNDRED, ONE_PLACE, completion, is_met
from ..models import ActualValue, Evaluation, IndicatorRating, Report

# Reports whose values count: handed in (and waiting for the Department) or accepted.
INCLUDED = (Report.Status.SUBMITTED, Report.Status.ACCEPTED)
ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class Column:
    """One point of the pilot's time line where actual values are reported."""

    key: str  # "year1", "year2", …, "midterm", "final"
    label: str  # 第1年度自评, 中期评价, 期后评价
    short_label: str  # for a chart's axis: 第1年, 中期, 期后
    months: int
    rank: int  # among columns of the same month: the self-assessment first, then the evaluation
    report: Report | None = None  # the report the values come from (None: nothing reported yet)
    round: int | None = None  # evaluation columns: the round the values belong to

    @property
    def stage(self) -> str | None:
        return self.key if self.key in (Evaluation.Stage.MIDTERM, Evaluation.Stage.FINAL) else None

    @property
    def state_label(self) -> str:
        if self.report is None:
            return _("未报送")
        if self.report.status == Report.Status.ACCEPTED:
            return _("已审核")
        return _("待审核")


@dataclass
class Cell:
    value: Decimal | None
    display: str
    rating: IndicatorRating | None = None  # evaluation columns: the officer's rating of the round shown


@dataclass
class ProgressRow:
    indicator_id: int
    level1: str
    level2: str
    name: str
    unit: str
    kind: str
    is_key: bool
    baseline: Decimal | None
    midterm_target: Decimal | None
    target: Decimal | None
    cells: list[Cell]
    latest: Decimal | None
    latest_column: Column | None
    completion: Decimal | None
    met: bool | None
    level1_rowspan: int = 0
    level2_rowspan: int = 0

    def display(self, value) -> str:
        return format_indicator_value(value, self.kind)

    @property
    def baseline_display(self) -> str:
        return self.display(self.baseline)

    @property
    def midterm_target_display(self) -> str:
        return self.display(self.midterm_target)

    @property
    def target_display(self) -> str:
        return self.display(self.target)

    @property
    def latest_display(self) -> str:
        return self.display(self.latest)

    @property
    def completion_display(self) -> str:
        return "—" if self.completion is None else f"{self.completion}%"


@dataclass
class Group:
    """The rows of one level-2 indicator (企业集聚, 平台建设, …): one chart each."""

    level1: str
    level2: str
    rows: list[ProgressRow]


@dataclass
class KeySummary:
    total: int
    met: int
    reported: int  # key indicators with a latest actual
    completion: Decimal | None  # the mean completion of the reported key indicators, each counted at most 100 %


@dataclass
class Progress:
    version: PlanVersion | None
    columns: list[Column]
    rows: list[ProgressRow]
    key: KeySummary
    groups: list[Group] = field(default_factory=list)

    @property
    def has_targets(self) -> bool:
        return bool(self.rows)


# --- the time line ---------------------------------------------------------------------------------


def period_years(period_months: int) -> int:
    return max(1, math.ceil(period_months / 12))


def planned_columns(period_months: int, extra_years=()) -> list[Column]:
    """Every year of the pilot period (and any later year reported), the mid-term and the final evaluation."""
    years = sorted(set(range(1, period_years(period_months) + 1)) | set(extra_years))
    columns = [
        Column(
            key=f"year{year}",
            label=_("第%(year)s年度自评") % {"year": year},
            short_label=_("第%(year)s年") % {"year": year},
            months=12 * year,
            rank=0,
        )
        for year in years
    ]
    columns.append(Column(key="midterm", label=_("中期评价"), short_label=_("中期"), months=period_months // 2, rank=1))
    columns.append(Column(key="final", label=_("期后评价"), short_label=_("期后"), months=period_months, rank=1))
    return sorted(columns, key=lambda column: (column.months, column.rank))


def reported_columns(period_months: int, reports: list[Report]) -> list[Column]:
    """The planned columns, each with the included report its values come from."""
    by_key: dict[str, tuple[Report, int | None]] = {}
    for report in reports:
        if report.status not in INCLUDED:
            continue
        if report.kind == Report.Kind.SELF_ASSESSMENT:
            by_key[f"year{report.year}"] = (report, None)
            continue
        stage = report.evaluation.stage
        round_ = 2 if report.kind == Report.Kind.RECTIFICATION else 1
        if stage not in by_key or by_key[stage][1] < round_:
            by_key[stage] = (report, round_)
    extra_years = [r.year for r in reports if r.kind == Report.Kind.SELF_ASSESSMENT and r.status in INCLUDED]
    columns = []
    for column in planned_columns(period_months, extra_years):
        report, round_ = by_key.get(column.key, (None, None))
        columns.append(
            Column(
                key=column.key,
                label=column.label,
                short_label=column.short_label,
                months=column.months,
                rank=column.rank,
                report=report,
                round=round_,
            )
        )
    return columns


def _decimal(text) -> Decimal | None:
    return None if text is None or text == "" else Decimal(str(text))


def build_progress(
    *,
    targets: list[dict],
    period_months: int,
    reports: list[Report],
    actuals: dict[int, dict[int, Decimal | None]],
    ratings: dict[tuple[int, int, int], IndicatorRating] | None = None,
    version: PlanVersion | None = None,
) -> Progress:
    """The progress table from data already loaded (no query): ``targets`` as in a version's snapshot,
    ``actuals`` by report id then indicator id, ``ratings`` by (evaluation id, round, indicator id)."""
    ratings = ratings or {}
    columns = reported_columns(period_months, reports)
    evaluation_of = {column.key: column.report.evaluation_id for column in columns if column.stage and column.report}
    rows = []
    for target in targets:
        indicator_id = target["indicator_id"]
        kind = target["kind"]
        cells = []
        latest, latest_column = None, None
        for column in columns:
            value = actuals.get(column.report.pk, {}).get(indicator_id) if column.report else None
            rating = None
            if column.stage and column.report:
                rating = ratings.get((evaluation_of[column.key], column.round, indicator_id))
            cells.append(Cell(value=value, display=format_indicator_value(value, kind), rating=rating))
            if value is not None:
                latest, latest_column = value, column
        baseline, target_value = _decimal(target["baseline"]), _decimal(target["target"])
        rows.append(
            ProgressRow(
                indicator_id=indicator_id,
                level1=target["level1"],
                level2=target["level2"],
                name=target["name"],
                unit=target["unit"],
                kind=kind,
                is_key=bool(target["is_key"]),
                baseline=baseline,
                midterm_target=_decimal(target["midterm_target"]),
                target=target_value,
                cells=cells,
                latest=latest,
                latest_column=latest_column,
                completion=completion(baseline, target_value, latest),
                met=is_met(target_value, latest),
            )
        )
    for merged in merged_rows(rows, level1=lambda r: r.level1, level2=lambda r: r.level2):
        merged["item"].level1_rowspan = merged["level1_rowspan"]
        merged["item"].level2_rowspan = merged["level2_rowspan"]
    return Progress(version=version, columns=columns, rows=rows, key=key_summary(rows), groups=group_rows(rows))


def key_summary(rows: list[ProgressRow]) -> KeySummary:
    """Key indicators met out of all key indicators, and their mean completion. Each completion counts at
    most 100 % in the mean, so that one indicator far above its target does not hide another below it."""
    keys = [row for row in rows if row.is_key]
    reported = [row for row in keys if row.completion is not None]
    mean = None
    if reported:
        total = sum((min(row.completion, HUNDRED) for row in reported), Decimal(0))
        mean = (total / len(reported)).quantize(ONE_PLACE)
    return KeySummary(total=len(keys), met=sum(1 for row in keys if row.met), reported=len(reported), completion=mean)


def group_rows(rows: list[ProgressRow]) -> list[Group]:
    groups: list[Group] = []
    for row in rows:
        if groups and (groups[-1].level1, groups[-1].level2) == (row.level1, row.level2):
            groups[-1].rows.append(row)
        else:
            groups.append(Group(level1=row.level1, level2=row.level2, rows=[row]))
    return groups


# --- one pilot ---------------------------------------------------------------------------------------


@dataclass
class PilotMoney:
    approved: Decimal
    paid: Decimal
    clawed_back: Decimal  # decided and recovered
    recovered: Decimal
    to_pay: Decimal  # instalments scheduled or due

    @property
    def net_paid(self) -> Decimal:
        """What stays with the pilot: paid less what was recovered."""
        return self.paid - self.recovered


def money_annotations() -> dict:
    """Per plan, as subqueries (one row per plan, no join fan-out): approved, paid, clawed back (decided
    or recovered), recovered, still to pay (scheduled or due instalments), overdue reports."""

    def total(queryset):
        summed = queryset.order_by().values("plan").annotate(total=Sum("amount")).values("total")
        return Coalesce(Subquery(summed, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)

    plan = OuterRef("pk")
    paid = (
        Payment.objects.filter(instalment__plan=plan)
        .order_by()
        .values("instalment__plan")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    overdue = (
        Report.objects.filter(plan=plan, status__in=Report.EDITABLE, due_on__lt=timezone.localdate())
        .order_by()
        .values("plan")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return {
        "money_approved": Coalesce(
            Subquery(
                Approval.objects.filter(plan=plan, status=Approval.Status.APPROVED).values("approved_amount")[:1],
                output_field=MONEY_FIELD,
            ),
            Value(ZERO),
            output_field=MONEY_FIELD,
        ),
        "money_paid": Coalesce(Subquery(paid, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD),
        "money_clawed_back": total(Clawback.objects.filter(plan=plan)),
        "money_recovered": total(Clawback.objects.filter(plan=plan, status=Clawback.Status.RECOVERED)),
        "money_to_pay": total(
            Instalment.objects.filter(plan=plan, status__in=[Instalment.Status.SCHEDULED, Instalment.Status.DUE])
        ),
        "overdue_count": Coalesce(Subquery(overdue), Value(0)),
    }


def money_of(annotated_plan) -> PilotMoney:
    return PilotMoney(
        approved=annotated_plan.money_approved,
        paid=annotated_plan.money_paid,
        clawed_back=annotated_plan.money_clawed_back,
        recovered=annotated_plan.money_recovered,
        to_pay=annotated_plan.money_to_pay,
    )


@dataclass
class PilotPage:
    """Everything the pilot page shows."""

    plan: PilotPlan
    progress: Progress
    money: PilotMoney
    reports: list[Report]
    evaluations: list[Evaluation]
    instalments: list[Instalment]
    clawbacks: list[Clawback]
    overdue: list[Report]
    next_steps: list[str]


def pilot_progress(plan: PilotPlan) -> Progress:
    """The target table of an approved pilot with every reported actual and every rating: four queries
    (version, reports, actual values, ratings) when the plan's call is loaded with it."""
    return _progress_of(plan, _reports_of(plan))


def _reports_of(plan: PilotPlan) -> list[Report]:
    return list(Report.objects.filter(plan=plan).select_related("evaluation").order_by("due_on", "pk"))


def _progress_of(plan: PilotPlan, reports: list[Report], *, rating_visible=None) -> Progress:
    version = version_in_force(plan)
    targets = version.snapshot.get("targets", []) if version else []
    actuals: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for report_id, indicator_id, actual in ActualValue.objects.filter(
        report__plan=plan, report__status__in=INCLUDED
    ).values_list("report_id", "indicator_id", "actual"):
        actuals[report_id][indicator_id] = actual
    ratings = {
        (rating.evaluation_id, rating.round, rating.indicator_id): rating
        for rating in IndicatorRating.objects.filter(evaluation__plan=plan)
        if rating_visible is None or rating_visible(rating)
    }
    return build_progress(
        targets=targets,
        period_months=plan.call.period_months,
        reports=reports,
        actuals=actuals,
        ratings=ratings,
        version=version,
    )


def pilot_page(plan: PilotPlan, *, viewer, today: date | None = None) -> PilotPage:
    """The pilot page of a plan the viewer may see (``get_pilot_for_user_or_404``), with the ratings the
    viewer may see (``can_see_ratings``): eight queries (and the viewer's roles, once), whatever the number of
    reports and evaluations."""
    from ..permissions_progress import can_see_ratings

    today = today or timezone.localdate()
    reports = _reports_of(plan)
    evaluations = list(Evaluation.objects.filter(plan=plan).select_related("pdf").order_by("opened_at", "pk"))
    by_id = {evaluation.pk: evaluation for evaluation in evaluations}
    progress = _progress_of(
        plan,
        reports,
        rating_visible=lambda rating: can_see_ratings(viewer, by_id[rating.evaluation_id], rating.round),
    )
    annotated = PilotPlan.objects.filter(pk=plan.pk).annotate(**money_annotations()).get()
    instalments = list(Instalment.objects.filter(plan=plan).select_related("payment").order_by("order", "pk"))
    clawbacks = list(Clawback.objects.filter(plan=plan).order_by("decided_at", "pk"))
    return PilotPage(
        plan=plan,
        progress=progress,
        money=money_of(annotated),
        reports=reports,
        evaluations=evaluations,
        instalments=instalments,
        clawbacks=clawbacks,
        overdue=[report for report in reports if report.is_editable and report.due_on < today],
        next_steps=next_steps(
            plan, reports=reports, evaluations=evaluations, instalments=instalments, clawbacks=clawbacks
        ),
    )


def next_steps(plan, *, reports, evaluations, instalments, clawbacks) -> list[str]:
    """What happens next, and who does it, read from the phase and the open items."""
    Phase = PilotPlan.Phase
    steps = []
    evaluation = {e.stage: e for e in evaluations}
    phase = plan.phase
    if phase in (Phase.MIDTERM, Phase.FINAL, Phase.MIDTERM_RECTIFYING, Phase.FINAL_RECTIFYING):
        stage = Evaluation.Stage.MIDTERM if phase.startswith("midterm") else Evaluation.Stage.FINAL
        current = evaluation.get(stage)
        if current is not None:
            steps.append(_evaluation_step(current, reports))
    elif phase == Phase.AWAITING_ACCEPTANCE:
        steps.append(_("工信厅组织验收。"))
    elif phase == Phase.COMPLETED:
        steps.append(_("试点已验收。"))
    elif phase == Phase.CLAWED_BACK:
        if any(clawback.status == Clawback.Status.DECIDED for clawback in clawbacks):
            steps.append(_("自治区财政厅登记收回资金。"))
        else:
            steps.append(_("资金已收回，试点终止。"))
    else:
        steps.append(_self_assessment_step(reports))
    for instalment in instalments:
        if instalment.status == Instalment.Status.DUE:
            steps.append(
                _("自治区财政厅拨付“%(stage)s”资金 %(amount)s 元。")
                % {"stage": instalment.get_stage_display(), "amount": f"{instalment.amount:,.2f}"}
            )
    return steps


def _self_assessment_step(reports) -> str:
    assessments = [r for r in reports if r.kind == Report.Kind.SELF_ASSESSMENT]
    for report in assessments:
        if report.is_editable:
            text = _("盟市工信局提交第%(year)s年度绩效自评（期限 %(due)s）。")
            if report.status == Report.Status.RETURNED:
                text = _("盟市工信局修改并重新提交第%(year)s年度绩效自评（期限 %(due)s）。")
            return text % {"year": report.year, "due": report.due_on.isoformat()}
    for report in assessments:
        if report.status == Report.Status.SUBMITTED:
            return _("工信厅审核第%(year)s年度绩效自评。") % {"year": report.year}
    return _("试点实施中，按年度开展绩效自评。")


def _evaluation_step(evaluation: Evaluation, reports) -> str:
    Status = Evaluation.Status
    stage = evaluation.get_stage_display()
    own = [r for r in reports if r.evaluation_id == evaluation.pk]
    if evaluation.status in (Status.REPORTING, Status.RECTIFYING):
        kind = Report.Kind.RECTIFICATION if evaluation.status == Status.RECTIFYING else Report.Kind.EVALUATION
        report = next((r for r in own if r.kind == kind), None)
        if report is not None and report.status == Report.Status.SUBMITTED:
            return _("工信厅审核%(report)s。") % {"report": report.get_kind_display()}
        if evaluation.status == Status.RECTIFYING:
            deadline = evaluation.rectification_deadline or (report.due_on if report else None)
            return _("盟市工信局限期整改并提交整改报告（整改期限 %(due)s）。") % {
                "due": deadline.isoformat() if deadline else "—"
            }
        due = report.due_on if report else evaluation.report_due_on
        return _("盟市工信局提交%(stage)s报告（期限 %(due)s）。") % {"stage": stage, "due": due.isoformat()}
    if evaluation.status == Status.RATING:
        return _("工信厅逐项评定%(stage)s指标。") % {"stage": stage}
    if evaluation.status == Status.DECIDING:
        return _("工信厅领导确认%(stage)s结论。") % {"stage": stage}
    if evaluation.status == Status.RECTIFICATION_SETUP:
        return _("工信厅下达整改要求。")
    return _("%(stage)s：%(status)s。") % {"stage": stage, "status": evaluation.get_status_display()}


# --- the Department's overview of a call ---------------------------------------------------------------


@dataclass
class OverviewLine:
    plan: PilotPlan
    key: KeySummary
    money: PilotMoney
    overdue_count: int
    latest_label: str  # the last column with values (第2年度自评, 中期评价, …) or "—"


def call_pilots_overview(call: PilotCall) -> list[OverviewLine]:
    """Every approved pilot of the call with its phase, its key indicators (latest actuals against the
    targets of the version in force), its money and its overdue reports. Four queries, whatever the
    number of pilots: the plans with their money, the targets of their versions in force, their reports,
    the actual values of the counted reports."""
    newest_version = PlanVersion.objects.filter(plan=OuterRef("pk")).order_by("-number").values("pk")[:1]
    plans = list(
        PilotPlan.objects.filter(call=call, status=PilotPlan.Status.APPROVED)
        .select_related("region", "call", "approval")
        .annotate(version_in_force_id=Subquery(newest_version), **money_annotations())
        .order_by("region__code")
    )
    # Only the targets of each snapshot: a snapshot also holds the whole enterprise list.
    targets_of = dict(
        PlanVersion.objects.filter(
            pk__in=[plan.version_in_force_id for plan in plans if plan.version_in_force_id]
        ).values_list("plan_id", "snapshot__targets")
    )
    reports_of: dict[int, list[Report]] = defaultdict(list)
    for report in (
        Report.objects.filter(plan__in=[plan.pk for plan in plans])
        .select_related("evaluation")
        .order_by("due_on", "pk")
    ):
        reports_of[report.plan_id].append(report)
    actuals: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for report_id, indicator_id, actual in ActualValue.objects.filter(
        report__plan__in=[plan.pk for plan in plans], report__status__in=INCLUDED
    ).values_list("report_id", "indicator_id", "actual"):
        actuals[report_id][indicator_id] = actual
    lines = []
    for plan in plans:
        progress = build_progress(
            targets=targets_of.get(plan.pk) or [],
            period_months=call.period_months,
            reports=reports_of[plan.pk],
            actuals=actuals,
        )
        latest = [column for column in progress.columns if column.report is not None and _has_values(column, actuals)]
        lines.append(
            OverviewLine(
                plan=plan,
                key=progress.key,
                money=money_of(plan),
                overdue_count=plan.overdue_count,
                latest_label=latest[-1].label if latest else "—",
            )
        )
    return lines


def _has_values(column: Column, actuals) -> bool:
    return any(value is not None for value in actuals.get(column.report.pk, {}).values())


def calls_with_pilots() -> list[PilotCall]:
    """Calls that have approved pilots, newest first, with their number: one query."""
    return list(
        PilotCall.objects.annotate(pilot_count=Count("plans", filter=Q(plans__status=PilotPlan.Status.APPROVED)))
        .filter(pilot_count__gt=0)
        .order_by("-year", "-deadline")
    )

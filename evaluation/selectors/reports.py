"""Reads of the reports of approved pilots (self-assessments, evaluation and rectification reports): the
lists with their overdue flag, one report with its target table, actual values, completion and funds, and
the inbox items. Lists cost a fixed number of queries whatever their length."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import BooleanField, Case, Prefetch, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.inbox import InboxItem
from accounts.permissions import has_role, organisation_of
from accounts.roles import Role
from pilots.models import FundLine, PilotPlan, PlanVersion
from pilots.selectors import plans_visible_to, version_in_force
from pilots.targets import merged_rows

from ..completion import completion, is_met
from ..models import ActualValue, Evaluation, FundSpending, Report
from ..permissions_reports import can_review_self_assessments, get_report_for_user_or_404

# A pilot whose funds were clawed back, or which has been accepted (验收), reports no more: its open
# reports are neither overdue nor reminded.
ENDED_PHASES = frozenset({PilotPlan.Phase.COMPLETED, PilotPlan.Phase.CLAWED_BACK})
# How far ahead the bureau's inbox shows a report that is due.
INBOX_HORIZON_DAYS = 30


def local_today() -> date:
    return timezone.localdate()


def overdue_condition(today: date) -> Q:
    """Due before today and not submitted (open or returned), for a pilot still running."""
    return Q(due_on__lt=today, status__in=Report.EDITABLE) & ~Q(plan__phase__in=ENDED_PHASES)


def with_overdue(reports: QuerySet[Report], *, today: date | None = None) -> QuerySet[Report]:
    """Each report gets ``is_overdue``, computed by the database."""
    return reports.annotate(
        is_overdue=Case(
            When(overdue_condition(today or local_today()), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def is_overdue(report: Report, *, today: date | None = None) -> bool:
    """The same rule for one report in hand."""
    return (
        report.status in Report.EDITABLE
        and report.due_on < (today or local_today())
        and report.plan.phase not in ENDED_PHASES
    )


def reports_visible_to(user) -> QuerySet[Report]:
    """The reports of the plans the user may see (pilots.selectors.plans_visible_to): a bureau its own
    league/city's, the Department, the Finance Department and the auditor all."""
    return Report.objects.filter(plan__in=plans_visible_to(user).values("pk"))


def report_list(user, *, status: str | None = None, kind: str | None = None) -> QuerySet[Report]:
    """The reports the user may see, soonest due first, with the overdue flag: one query."""
    reports = reports_visible_to(user).select_related("plan__region", "plan__call", "evaluation")
    if status:
        reports = reports.filter(status=status)
    if kind:
        reports = reports.filter(kind=kind)
    return with_overdue(reports).order_by("due_on", "plan__region__code", "kind", "pk")


def review_queue(user) -> QuerySet[Report]:
    """Submitted self-assessments waiting for the Department officer, oldest submission first."""
    if not can_review_self_assessments(user):
        return Report.objects.none()
    return with_overdue(
        Report.objects.filter(kind=Report.Kind.SELF_ASSESSMENT, status=Report.Status.SUBMITTED)
        .select_related("plan__region", "plan__call", "submitted_by")
        .order_by("submitted_at", "pk")
    )


def report_detail(user, pk) -> Report:
    """One report with what its pages show (the plan, the evaluation, the people, the evidence, the values
    and the funds), in a fixed number of queries; another region's report is a 404."""
    queryset = with_overdue(
        Report.objects.select_related(
            "plan__region", "plan__call", "plan__applicant", "evaluation", "version", "submitted_by", "decided_by"
        ).prefetch_related(
            Prefetch("evidence", to_attr="evidence_list"),
            Prefetch("actual_values", queryset=ActualValue.objects.all(), to_attr="actual_list"),
            Prefetch("fund_spending", queryset=FundSpending.objects.all(), to_attr="spending_list"),
        )
    )
    return get_report_for_user_or_404(user, pk, queryset=queryset)


def report_version(report: Report) -> PlanVersion | None:
    """The plan version a report is compared with: the one recorded at submission while it stays
    submitted or accepted; the one in force while it is being filled (again)."""
    if not report.is_editable and report.version_id:
        return report.version
    return version_in_force(report.plan)


def compared_field(report: Report) -> str:
    """Which target the completion is computed against: the mid-term target for the report of a mid-term
    evaluation (and its rectification), the target (目标值) otherwise."""
    evaluation = report.evaluation if report.evaluation_id else None
    if evaluation is not None and evaluation.stage == Evaluation.Stage.MIDTERM:
        return "midterm_target"
    return "target"


def _decimal(value) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _actuals(report: Report) -> dict[int, Decimal | None]:
    rows = getattr(report, "actual_list", None)
    if rows is None:
        rows = list(report.actual_values.all())
    return {row.indicator_id: row.actual for row in rows}


def report_rows(report: Report, version: PlanVersion | None) -> list[dict]:
    """The target table of the version with the report's actual values, whether each target is met and
    the completion rate (evaluation.completion), as rows of a 附2 table with merged level cells."""
    targets = (version.snapshot.get("targets", []) if version else []) or []
    actuals = _actuals(report)
    field = compared_field(report)
    items = []
    for target in targets:
        baseline, midterm, final = (_decimal(target.get(name)) for name in ("baseline", "midterm_target", "target"))
        compared = midterm if field == "midterm_target" else final
        actual = actuals.get(target["indicator_id"])
        items.append(
            {
                "indicator_id": target["indicator_id"],
                "level1": target.get("level1", ""),
                "level2": target.get("level2", ""),
                "name": target.get("name", ""),
                "unit": target.get("unit", ""),
                "kind": target.get("kind", "count"),
                "is_key": target.get("is_key", False),
                "baseline": baseline,
                "midterm_target": midterm,
                "target": final,
                "actual": actual,
                "met": is_met(compared, actual),
                "completion": completion(baseline, compared, actual),
            }
        )
    return merged_rows(items, level1=lambda item: item["level1"], level2=lambda item: item["level2"])


def report_indicator_ids(version: PlanVersion | None) -> list[int]:
    return [target["indicator_id"] for target in (version.snapshot.get("targets", []) if version else [])]


def fund_directions(version: PlanVersion | None) -> dict[str, dict]:
    """The fund plan of the version, by direction: {direction: {"label", source: Decimal, ..., "total"}}."""
    lines = {}
    for line in (version.snapshot.get("fund_lines", []) if version else []) or []:
        planned = {source: Decimal(line.get(source) or "0") for source in FundLine.SOURCES}
        lines[line["direction"]] = {
            "label": line.get("direction_label") or FundLine.Direction(line["direction"]).label,
            "description": line.get("description", ""),
            **planned,
            "total": sum(planned.values(), Decimal("0.00")),
        }
    return lines


def fund_rows(report: Report, version: PlanVersion | None) -> list[dict]:
    """One row per direction of the fund plan that has money planned (or spending recorded): planned and
    spent by source, and the totals. A fund plan with nothing planned shows all its directions."""
    planned = fund_directions(version)
    spending_rows = getattr(report, "spending_list", None)
    if spending_rows is None:
        spending_rows = list(report.fund_spending.all())
    spent = {row.direction: row for row in spending_rows}
    directions = [d for d, line in planned.items() if line["total"] > 0 or d in spent] or list(planned)
    rows = []
    for direction in directions:
        line = planned[direction]
        row = spent.get(direction)
        rows.append(
            {
                "direction": direction,
                "label": line["label"],
                "description": line["description"],
                "planned": {source: line[source] for source in FundLine.SOURCES},
                "planned_total": line["total"],
                "spent": {source: getattr(row, source) if row else Decimal("0.00") for source in FundLine.SOURCES},
                "spent_total": row.total if row else Decimal("0.00"),
            }
        )
    return rows


def fund_row_totals(rows: list[dict]) -> dict:
    zero = Decimal("0.00")
    return {
        "planned": {source: sum((r["planned"][source] for r in rows), zero) for source in FundLine.SOURCES},
        "planned_total": sum((r["planned_total"] for r in rows), zero),
        "spent": {source: sum((r["spent"][source] for r in rows), zero) for source in FundLine.SOURCES},
        "spent_total": sum((r["spent_total"] for r in rows), zero),
    }


def submit_problems(report: Report, version: PlanVersion | None) -> list[str]:
    """Everything that stops a report from being submitted, in Chinese (empty when it may be)."""
    if version is None:
        return [_("该方案没有已批复的版本，无法对照目标填报。")]
    problems = []
    actuals = _actuals(report)
    missing = [
        target["name"] for target in version.snapshot.get("targets", []) if actuals.get(target["indicator_id"]) is None
    ]
    if missing:
        problems.append(_("以下指标的实际值未填写：%(names)s。") % {"names": "、".join(missing)})
    if not report.narrative.strip():
        problems.append(_("请填写情况说明。"))
    return problems


# --- the inbox --------------------------------------------------------------------------------------------


def _fill_title(report: Report) -> str:
    if report.status == Report.Status.RETURNED:
        return _("修改退回的%(kind)s") % {"kind": report.get_kind_display()}
    return _("填报%(kind)s") % {"kind": report.get_kind_display()}


def _since(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def report_inbox_items(user, *, today: date | None = None) -> list[InboxItem]:
    """The bureau's open and returned reports due within 30 days or overdue; the officer's submitted
    self-assessments to accept or return. One query each, whatever the number of items."""
    today = today or local_today()
    items = []
    if has_role(user, Role.APPLICANT):
        organisation = organisation_of(user)
        if organisation is not None:
            reports = with_overdue(
                Report.objects.filter(
                    plan__region_id=organisation.region_id,
                    status__in=Report.EDITABLE,
                    due_on__lte=today + timedelta(days=INBOX_HORIZON_DAYS),
                )
                .exclude(plan__phase__in=ENDED_PHASES)
                .select_related("plan__region"),
                today=today,
            ).order_by("due_on", "pk")
            for report in reports:
                deadline = report.due_on.isoformat()
                note = _("（已逾期，期限%(due)s）") if report.is_overdue else _("（期限%(due)s）")
                items.append(
                    InboxItem(
                        title=_fill_title(report),
                        subject=f"{report.plan.region.name} · {report}" + note % {"due": deadline},
                        created=report.created_at,
                        url=reverse("evaluation:report_detail", args=[report.pk]),
                    )
                )
    if can_review_self_assessments(user):
        for report in review_queue(user):
            items.append(
                InboxItem(
                    title=_("审核年度绩效自评"),
                    subject=f"{report.plan.region.name} · {report}",
                    created=report.submitted_at or _since(report.due_on),
                    url=reverse("evaluation:report_detail", args=[report.pk]),
                )
            )
    return items

"""Reads of the mid-term and final evaluations: the targets an evaluation is measured against, the rows of
its page (target, actual, computed result, ratings of each round), the officer's list of approved pilots
and the inbox items. Each read costs a fixed number of queries, whatever the number of rows.

Which targets: the mid-term evaluation uses the mid-term targets (中期目标), the final evaluation the targets
(目标值), both from the plan version of the report being rated (``Report.version``, the version in force
when it was submitted) — or, before the report says, from the version in force now
(``pilots.selectors.version_in_force``). So an evaluation after an approved plan change uses the new
targets, and an evaluation already rated keeps the targets it was rated against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.inbox import InboxItem
from accounts.permissions import has_role
from accounts.roles import Role
from pilots.models import PilotPlan, PlanVersion
from pilots.pdf import format_indicator_value
from pilots.selectors import version_in_force

from ..completion import completion, is_met
from ..models import ActualValue, Evaluation, IndicatorRating, Report
from ..rules import RatedIndicator, evaluation_outcome

# --- targets ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageTarget:
    """One indicator of a frozen target table, with the target of the evaluation's stage."""

    indicator_id: int
    level1: str
    level2: str
    name: str
    unit: str
    kind: str
    is_key: bool
    baseline: Decimal | None
    target: Decimal | None


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def stage_targets(version: PlanVersion | None, stage: str) -> list[StageTarget]:
    """The indicators of ``version`` with the mid-term target (mid-term evaluation) or the target (final)."""
    if version is None:
        return []
    key = "midterm_target" if stage == Evaluation.Stage.MIDTERM else "target"
    return [
        StageTarget(
            indicator_id=row["indicator_id"],
            level1=row.get("level1", ""),
            level2=row.get("level2", ""),
            name=row.get("name", ""),
            unit=row.get("unit", ""),
            kind=row.get("kind", ""),
            is_key=bool(row.get("is_key")),
            baseline=_decimal(row.get("baseline")),
            target=_decimal(row.get(key)),
        )
        for row in version.snapshot.get("targets", [])
    ]


def report_kind(round_number: int) -> str:
    return Report.Kind.EVALUATION if round_number == 1 else Report.Kind.RECTIFICATION


def round_report(evaluation: Evaluation, round_number: int | None = None) -> Report | None:
    """The report rated in a round: the evaluation report (round 1) or the rectification report (round 2)."""
    kind = report_kind(round_number or evaluation.round)
    return Report.objects.select_related("version", "submitted_by").filter(evaluation=evaluation, kind=kind).first()


def report_version(report: Report | None, plan: PilotPlan) -> PlanVersion | None:
    """The version a report is compared with: its own, else the one in force now."""
    if report is not None and report.version_id:
        return report.version
    return version_in_force(plan)


def report_actuals(report: Report | None) -> dict[int, Decimal | None]:
    if report is None:
        return {}
    return dict(ActualValue.objects.filter(report=report).values_list("indicator_id", "actual"))


# --- the evaluation page ------------------------------------------------------------------------------------


@dataclass
class EvaluationRow:
    target: StageTarget
    actual: Decimal | None
    computed_met: bool | None  # None: no actual (or no target)
    completion: Decimal | None
    rating: IndicatorRating | None  # the current round's rating
    earlier: IndicatorRating | None = None  # round 2: the rating of round 1
    earlier_actual: Decimal | None = None

    @property
    def actual_display(self) -> str:
        return format_indicator_value(self.actual, self.target.kind)

    @property
    def target_display(self) -> str:
        return format_indicator_value(self.target.target, self.target.kind)

    @property
    def baseline_display(self) -> str:
        return format_indicator_value(self.target.baseline, self.target.kind)

    @property
    def earlier_actual_display(self) -> str:
        return format_indicator_value(self.earlier_actual, self.target.kind)

    @property
    def overridden(self) -> bool:
        return self.rating is not None and self.rating.met != self.rating.computed_met


@dataclass
class EvaluationPage:
    evaluation: Evaluation
    report: Report | None
    version: PlanVersion | None
    rows: list[EvaluationRow]
    earlier_report: Report | None = None
    reports: list[Report] = field(default_factory=list)

    @property
    def all_rated(self) -> bool:
        return bool(self.rows) and all(row.rating is not None for row in self.rows)

    @property
    def rated_count(self) -> int:
        return sum(1 for row in self.rows if row.rating is not None)

    @property
    def report_in(self) -> bool:
        return self.report is not None and self.report.status in (Report.Status.SUBMITTED, Report.Status.ACCEPTED)

    def outcome(self) -> tuple[bool, list[str]] | None:
        """The rule applied to the ratings so far (None until every indicator is rated)."""
        if not self.all_rated:
            return None
        return evaluation_outcome(
            rated_indicators(self.rows),
            all_key_met=self.evaluation.rule_all_key_met,
            min_met_share=self.evaluation.rule_min_met_share,
        )


def rated_indicators(rows: list[EvaluationRow]) -> list[RatedIndicator]:
    return [RatedIndicator(name=row.target.name, is_key=row.target.is_key, met=row.rating.met) for row in rows]


def evaluation_page(evaluation: Evaluation) -> EvaluationPage:
    """Everything the evaluation page shows, in five queries: the reports, the version (when the report
    has none), the actual values of both rounds and the ratings of both rounds."""
    reports = list(
        Report.objects.filter(evaluation=evaluation)
        .select_related("version", "submitted_by")
        .order_by("created_at", "pk")
    )
    by_kind = {report.kind: report for report in reports}
    report = by_kind.get(report_kind(evaluation.round))
    earlier_report = by_kind.get(Report.Kind.EVALUATION) if evaluation.round == 2 else None
    version = report_version(report, evaluation.plan)
    actual_rows = ActualValue.objects.filter(report__in=[r for r in (report, earlier_report) if r]).values_list(
        "report_id", "indicator_id", "actual"
    )
    actuals: dict[int, dict[int, Decimal | None]] = {}
    for report_id, indicator_id, actual in actual_rows:
        actuals.setdefault(report_id, {})[indicator_id] = actual
    ratings: dict[tuple[int, int], IndicatorRating] = {
        (rating.round, rating.indicator_id): rating
        for rating in IndicatorRating.objects.filter(evaluation=evaluation).select_related("rated_by")
    }
    current = actuals.get(report.pk, {}) if report else {}
    before = actuals.get(earlier_report.pk, {}) if earlier_report else {}
    rows = []
    for target in stage_targets(version, evaluation.stage):
        actual = current.get(target.indicator_id)
        rows.append(
            EvaluationRow(
                target=target,
                actual=actual,
                computed_met=is_met(target.target, actual),
                completion=completion(target.baseline, target.target, actual),
                rating=ratings.get((evaluation.round, target.indicator_id)),
                earlier=ratings.get((1, target.indicator_id)) if evaluation.round == 2 else None,
                earlier_actual=before.get(target.indicator_id),
            )
        )
    return EvaluationPage(
        evaluation=evaluation,
        report=report,
        version=version,
        rows=rows,
        earlier_report=earlier_report,
        reports=reports,
    )


# --- the officer's list of approved pilots ------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the last day of the month when it has fewer days)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class PilotLine:
    plan: PilotPlan
    midterm: Evaluation | None
    final: Evaluation | None

    @property
    def issued_on(self) -> date | None:
        approval = getattr(self.plan, "approval", None)
        return approval.issued_on if approval else None

    @property
    def midterm_on(self) -> date | None:
        """Half the pilot period after the approval: when the mid-term evaluation is due."""
        issued = self.issued_on
        return add_months(issued, self.plan.call.period_months // 2) if issued else None

    @property
    def final_on(self) -> date | None:
        issued = self.issued_on
        return add_months(issued, self.plan.call.period_months) if issued else None

    @property
    def has_targets(self) -> bool:
        """A national SME city pilot has no target table of its own: nothing to evaluate against."""
        return self.plan.call.kind != self.plan.call.Kind.NATIONAL_SME_CITY

    @property
    def may_open_midterm(self) -> bool:
        return self.has_targets and self.plan.phase == PilotPlan.Phase.IMPLEMENTING and self.midterm is None

    @property
    def may_open_final(self) -> bool:
        return (
            self.has_targets
            and self.plan.phase == PilotPlan.Phase.IMPLEMENTING
            and self.midterm is not None
            and self.midterm.status == Evaluation.Status.MET
            and self.final is None
        )

    @property
    def awaits_clawback(self) -> bool:
        """Still not met after rectification, and no clawback decided yet."""
        failed = any(e is not None and e.status == Evaluation.Status.NOT_MET for e in (self.midterm, self.final))
        return failed and self.plan.phase in (PilotPlan.Phase.MIDTERM_RECTIFYING, PilotPlan.Phase.FINAL_RECTIFYING)

    @property
    def awaits_acceptance(self) -> bool:
        return self.plan.phase == PilotPlan.Phase.AWAITING_ACCEPTANCE


def approved_pilots() -> QuerySet[PilotPlan]:
    """Every approved pilot with its approval, call, region and evaluations: three queries."""
    return (
        PilotPlan.objects.filter(status=PilotPlan.Status.APPROVED)
        .select_related("call", "region", "approval")
        .prefetch_related(Prefetch("evaluations", queryset=Evaluation.objects.order_by("opened_at", "pk")))
        .order_by("-call__year", "call_id", "region__code")
    )


def pilot_lines(plans=None) -> list[PilotLine]:
    lines = []
    for plan in approved_pilots() if plans is None else plans:
        by_stage = {evaluation.stage: evaluation for evaluation in plan.evaluations.all()}
        lines.append(
            PilotLine(
                plan=plan, midterm=by_stage.get(Evaluation.Stage.MIDTERM), final=by_stage.get(Evaluation.Stage.FINAL)
            )
        )
    return lines


# --- the inbox -------------------------------------------------------------------------------------------------


def failed_evaluation_id(plan: PilotPlan) -> int | None:
    """The evaluation a clawback of ``plan`` rests on: one confirmed not met after rectification."""
    return (
        Evaluation.objects.filter(plan=plan, status=Evaluation.Status.NOT_MET)
        .order_by("-decided_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def inbox_items(user) -> list[InboxItem]:
    """The officer: reports submitted for rating, rectifications to set, pilots waiting for acceptance; the
    leader: outcomes to confirm (not the ones they proposed) and clawbacks to decide; an expert: opinions asked
    for. One query per kind."""
    items = []
    if has_role(user, Role.EXPERT):
        items += expert_opinion_items(user)
    if has_role(user, Role.DEPARTMENT_OFFICER):
        items += _officer_items()
    if has_role(user, Role.DEPARTMENT_LEADER):
        items += _leader_items(user)
    return items


def _subject(evaluation: Evaluation) -> str:
    plan = evaluation.plan
    return f"{plan.region.name} · {plan.title} · {evaluation.get_stage_display()}"


def _officer_items() -> list[InboxItem]:
    items = []
    for evaluation in (
        Evaluation.objects.filter(status__in=(Evaluation.Status.RATING, Evaluation.Status.RECTIFICATION_SETUP))
        .select_related("plan__region")
        .order_by("opened_at", "pk")
    ):
        if evaluation.status == Evaluation.Status.RATING:
            title = _("评定整改后绩效") if evaluation.round == 2 else _("评定绩效评价报告")
            url = reverse("evaluation:evaluation_detail", args=[evaluation.pk])
            since = evaluation.proposed_at or evaluation.opened_at
        else:
            title = _("下达整改要求")
            url = reverse("evaluation:rectification_require", args=[evaluation.pk])
            since = evaluation.decided_at or evaluation.opened_at
        items.append(InboxItem(title=str(title), subject=_subject(evaluation), created=since, url=url))
    for evaluation in (
        Evaluation.objects.filter(
            stage=Evaluation.Stage.FINAL,
            status=Evaluation.Status.MET,
            plan__phase=PilotPlan.Phase.AWAITING_ACCEPTANCE,
        )
        .select_related("plan__region")
        .order_by("decided_at", "pk")
    ):
        items.append(
            InboxItem(
                title=_("试点验收"),
                subject=f"{evaluation.plan.region.name} · {evaluation.plan.title}",
                created=evaluation.decided_at,
                url=reverse("pilots:acceptance_record", args=[evaluation.plan_id]),
            )
        )
    return items


def _leader_items(user) -> list[InboxItem]:
    items = []
    for evaluation in (
        Evaluation.objects.filter(status=Evaluation.Status.DECIDING)
        .exclude(proposed_by=user)
        .select_related("plan__region")
        .order_by("proposed_at", "pk")
    ):
        items.append(
            InboxItem(
                title=_("确认绩效评价结论"),
                subject=_subject(evaluation),
                created=evaluation.proposed_at,
                url=reverse("evaluation:evaluation_decide", args=[evaluation.pk]),
            )
        )
    for evaluation in (
        Evaluation.objects.filter(
            status=Evaluation.Status.NOT_MET,
            plan__phase__in=(PilotPlan.Phase.MIDTERM_RECTIFYING, PilotPlan.Phase.FINAL_RECTIFYING),
        )
        .select_related("plan__region")
        .order_by("decided_at", "pk")
    ):
        items.append(
            InboxItem(
                title=_("决定收回专项资金"),
                subject=_subject(evaluation),
                created=evaluation.decided_at,
                url=reverse("pilots:clawback_decide", args=[evaluation.plan_id]),
            )
        )
    return items


# --- expert opinions (optional) ---------------------------------------------------------------------------------


@dataclass
class OpinionChoices:
    """For inviting experts: who may be asked (screened in, not yet asked this round) and who is screened out."""

    eligible: list
    excluded: list  # matching.Excluded: expert and reasons


def opinion_choices(evaluation: Evaluation) -> OpinionChoices:
    """The active experts of the pool screened against the plan, in three queries."""
    from .. import matching
    from ..models import ExpertOpinion, ExpertProfile
    from .pool import plan_facts

    plan = evaluation.plan
    facts = plan_facts([plan])[plan.pk]
    experts = list(
        ExpertProfile.objects.filter(is_active=True).select_related("home_region").order_by("full_name", "pk")
    )
    taken = dict(
        ExpertOpinion.objects.filter(evaluation=evaluation, round=evaluation.round).values_list("expert_id", "status")
    )
    eligible, excluded = matching.screen(experts, facts, taken=taken)
    return OpinionChoices(eligible=eligible, excluded=excluded)


def evaluation_opinions(evaluation: Evaluation) -> list:
    """Every opinion asked for in the evaluation, round by round, with its expert: one query."""
    from ..models import ExpertOpinion

    return list(
        ExpertOpinion.objects.filter(evaluation=evaluation)
        .select_related("expert", "invited_by")
        .order_by("round", "invited_at", "pk")
    )


def expert_opinion_items(user) -> list[InboxItem]:
    """An expert's opinions still asked for (the evaluation still being rated in that round): one query."""
    from django.db.models import F

    from ..models import ExpertOpinion

    items = []
    for opinion in (
        ExpertOpinion.objects.filter(
            expert__user=user,
            status=ExpertOpinion.Status.INVITED,
            evaluation__status=Evaluation.Status.RATING,
            evaluation__round=F("round"),
        )
        .select_related("evaluation__plan__region")
        .order_by("invited_at", "pk")
    ):
        items.append(
            InboxItem(
                title=_("提出绩效评价专家意见"),
                subject=_subject(opinion.evaluation),
                created=opinion.invited_at,
                url=reverse("evaluation:opinion_detail", args=[opinion.pk]),
            )
        )
    return items

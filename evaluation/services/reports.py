"""The bureau's reports after approval (self-assessments, evaluation and rectification reports): fill them
cell by cell, attach evidence, submit once; the Department officer accepts or returns self-assessments.

Lock order: the plan (when submitting: the version in force cannot change meanwhile), the evaluation (when
the report belongs to one), the report, its rows (then the audit chain) — the order of
services/evaluations.py (plan, evaluation).
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from documents.models import Document
from documents.services import document_store
from documents.validation import IMAGES, PDF
from pilots.models import FundLine, Indicator, PilotPlan
from pilots.selectors import version_in_force
from pilots.targets import parse_cell

from ..models import ActualValue, Evaluation, FundSpending, Report
from ..permissions_reports import can_decide_report, can_review_self_assessments, is_report_bureau
from ..selectors.reports import fund_directions, report_indicator_ids, submit_problems

CENTS = Decimal("0.01")
MONEY_LIMIT = Decimal("1e14")  # FundSpending amounts have 16 digits, 2 of them after the point
# What submitting a report of an evaluation does to it: the evaluation waits for the report, then is rated.
EVALUATION_WAITS_FOR = {
    Report.Kind.EVALUATION: Evaluation.Status.REPORTING,
    Report.Kind.RECTIFICATION: Evaluation.Status.RECTIFYING,
}


def actual_field(indicator_id: int) -> str:
    """The key of an actual-value cell, in the form and in the errors of ``report_save``."""
    return f"actual-{indicator_id}"


def fund_field(direction: str, source: str) -> str:
    """The key of a fund-spending cell, in the form and in the errors of ``report_save``."""
    return f"fund-{direction}-{source}"


def parse_money(raw) -> tuple[Decimal | None, str | None]:
    """Yuan with at most two decimals, not negative; an empty cell is 0.00."""
    if raw is None or str(raw).strip() == "":
        return Decimal("0.00"), None
    text = str(raw).strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("“%(raw)s”不是金额") % {"raw": raw}
    if not value.is_finite():
        return None, _("“%(raw)s”不是金额") % {"raw": raw}
    if value < 0:
        return None, _("金额不能为负数")
    if value != value.quantize(CENTS):
        return None, _("金额最多保留两位小数（精确到分）")
    if value >= MONEY_LIMIT:
        return None, _("金额过大")
    return value.quantize(CENTS), None


def lock_report(report: Report) -> Report:
    # of=("self",): the report row only, not the plan, call and region it is read with.
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("plan__call", "plan__region", "plan__applicant")
        .get(pk=report.pk)
    )


def _require_bureau(actor, report: Report) -> None:
    if not is_report_bureau(actor, report):
        raise PermissionDenied(_("只有本盟市工信局可以填报该报告。"))


def _require_editable(report: Report) -> None:
    if not report.is_editable:
        raise ValidationError(
            _("该报告当前状态为“%(status)s”，不能修改（可能已被提交，请刷新页面）。")
            % {"status": report.get_status_display()},
            code="not_editable",
        )


def _lock_editable(actor, report: Report) -> Report:
    _require_bureau(actor, report)
    report = lock_report(report)
    _require_editable(report)
    return report


# --- filling ----------------------------------------------------------------------------------------------


def report_save(
    *,
    actor,
    report: Report,
    actuals: dict[int, str],
    narrative: str | None,
    fund_spending: dict[str, dict[str, str]],
) -> Report:
    """Save what the bureau typed: ``actuals`` {indicator id: text}, the narrative, ``fund_spending``
    {direction: {source: text}} (cumulative yuan). Cells left out are not touched; an empty actual clears it,
    an empty amount is 0.00.

    Every valid cell is kept even when others are not, so nothing typed is lost: the valid part is saved and
    committed (in its own atomic block), and then a ValidationError whose ``message_dict`` is keyed by cell
    (``actual_field`` / ``fund_field``) says, in Chinese, what is wrong with each other cell."""
    report, problems = _report_save_valid(
        actor=actor, report=report, actuals=actuals, narrative=narrative, fund_spending=fund_spending
    )
    if problems:
        raise ValidationError(problems, code="cells")
    return report


@transaction.atomic
def _report_save_valid(*, actor, report, actuals, narrative, fund_spending) -> tuple[Report, dict[str, str]]:
    report = _lock_editable(actor, report)
    version = version_in_force(report.plan)
    problems: dict[str, str] = {}
    changes: dict = {}

    indicator_ids = report_indicator_ids(version)
    typed = {int(key): value for key, value in actuals.items()}
    indicators = Indicator.objects.in_bulk([pk for pk in indicator_ids if pk in typed])
    rows = {row.indicator_id: row for row in ActualValue.objects.select_for_update().filter(report=report)}
    created, updated, actual_changes = [], [], {}
    for indicator_id in indicator_ids:
        if indicator_id not in typed:
            continue
        indicator = indicators[indicator_id]
        value, problem = parse_cell(indicator, typed[indicator_id])
        if problem:
            problems[actual_field(indicator_id)] = problem
            continue
        row = rows.get(indicator_id)
        before = row.actual if row else None
        if before == value:
            continue
        if row is None:
            created.append(ActualValue(report=report, indicator=indicator, actual=value))
        else:
            row.actual = value
            updated.append(row)
        actual_changes[indicator.name] = [before, value]
    ActualValue.objects.bulk_create(created)
    ActualValue.objects.bulk_update(updated, ["actual"])
    if actual_changes:
        changes["actuals"] = actual_changes

    if narrative is not None and narrative.strip() != report.narrative:
        changes["narrative"] = [report.narrative, narrative.strip()]
        report.narrative = narrative.strip()
        report.save(update_fields=["narrative"])

    fund_changes = _save_fund_spending(report, fund_directions(version), fund_spending, problems)
    if fund_changes:
        changes["fund_spending"] = fund_changes

    if changes:
        record_event(actor=actor, action="report.save", target=report, changes=changes)
    return report, problems


def _save_fund_spending(report: Report, planned: dict, typed: dict[str, dict[str, str]], problems: dict) -> dict:
    rows = {row.direction: row for row in FundSpending.objects.select_for_update().filter(report=report)}
    changes = {}
    for direction, cells in typed.items():
        if direction not in planned:
            problems[fund_field(direction, FundLine.SOURCES[0])] = _("该资金使用方向不在方案的资金计划中")
            continue
        row = rows.get(direction) or FundSpending(report=report, direction=direction)
        line_changes = {}
        for source in FundLine.SOURCES:
            if source not in cells:
                continue
            value, problem = parse_money(cells[source])
            if problem:
                problems[fund_field(direction, source)] = problem
                continue
            before = getattr(row, source)
            if before != value:
                setattr(row, source, value)
                line_changes[source] = [before, value]
        if line_changes:
            row.save()
            changes[direction] = line_changes
    return changes


# --- evidence ---------------------------------------------------------------------------------------------


@transaction.atomic
def report_add_evidence(*, actor, report: Report, uploaded) -> Document:
    """Keep a PDF or image (checked by content) as evidence of the report; readable by whoever may read
    the report (documents' owner check)."""
    report = _lock_editable(actor, report)
    document = document_store(
        actor=actor,
        uploaded=uploaded,
        organisation=report.plan.applicant,
        allowed=frozenset({PDF, *IMAGES}),
        purpose="evidence",
        owner=report,
    )
    report.evidence.add(document)
    record_event(
        actor=actor,
        action="report.add_evidence",
        target=report,
        changes={"document": document.pk, "name": document.original_name},
    )
    return document


@transaction.atomic
def report_remove_evidence(*, actor, report: Report, document: Document) -> None:
    """Take a file off the report's evidence (the file itself is kept, as every upload is)."""
    report = _lock_editable(actor, report)
    if not report.evidence.filter(pk=document.pk).exists():
        raise ValidationError(_("该文件不是本报告的佐证材料。"), code="not_evidence")
    report.evidence.remove(document)
    record_event(
        actor=actor,
        action="report.remove_evidence",
        target=report,
        changes={"document": document.pk, "name": document.original_name},
    )


# --- submitting -------------------------------------------------------------------------------------------


@transaction.atomic
def report_submit(*, actor, report: Report) -> Report:
    """Submit once: every actual value filled and a narrative written. The report keeps the plan version
    in force as the one it is compared with. The report of an evaluation (or of its rectification) hands
    the evaluation over to rating (REPORTING or RECTIFYING → RATING); a second submission is refused."""
    _require_bureau(actor, report)
    PilotPlan.objects.select_for_update().only("pk").get(pk=report.plan_id)  # see the lock order above
    evaluation = None
    if report.evaluation_id:
        evaluation = Evaluation.objects.select_for_update(of=("self",)).get(pk=report.evaluation_id)
    report = lock_report(report)
    if report.status in (Report.Status.SUBMITTED, Report.Status.ACCEPTED):
        raise ValidationError(_("该报告已经提交，不能重复提交。"), code="already_submitted")
    version = version_in_force(report.plan)
    problems = submit_problems(report, version)
    if problems:
        raise ValidationError(problems, code="incomplete")
    changes = {"status": [report.status, Report.Status.SUBMITTED], "version": version.number}
    if evaluation is not None:
        waits_for = EVALUATION_WAITS_FOR[report.kind]
        if evaluation.status != waits_for:
            raise ValidationError(
                _("%(evaluation)s当前状态为“%(status)s”，不能提交该报告。")
                % {"evaluation": evaluation.get_stage_display(), "status": evaluation.get_status_display()},
                code="evaluation_not_waiting",
            )
        evaluation.status = Evaluation.Status.RATING
        evaluation.save(update_fields=["status"])
        record_event(
            actor=actor,
            action="evaluation.report_submitted",
            target=evaluation,
            changes={"status": [waits_for, Evaluation.Status.RATING], "report": report.pk, "kind": report.kind},
        )
        changes["evaluation"] = [waits_for, Evaluation.Status.RATING]
    report.version = version
    report.status = Report.Status.SUBMITTED
    report.submitted_by = actor
    report.submitted_at = timezone.now()
    report.save(update_fields=["version", "status", "submitted_by", "submitted_at"])
    record_event(actor=actor, action="report.submit", target=report, changes=changes)
    return report


# --- the Department officer's decision on a self-assessment -------------------------------------------------


def _lock_for_decision(actor, report: Report) -> Report:
    if not can_review_self_assessments(actor):
        raise PermissionDenied(_("只有工信厅经办人可以审核年度绩效自评。"))
    report = lock_report(report)
    if report.kind != Report.Kind.SELF_ASSESSMENT:
        raise ValidationError(_("评价报告和整改报告在绩效评价中评定，不在此审核。"), code="not_self_assessment")
    if not can_decide_report(actor, report):
        raise ValidationError(
            _("该报告当前状态为“%(status)s”，不能审核（可能已被处理，请刷新页面）。")
            % {"status": report.get_status_display()},
            code="wrong_status",
        )
    return report


@transaction.atomic
def report_accept(*, actor, report: Report) -> Report:
    report = _lock_for_decision(actor, report)
    report.status = Report.Status.ACCEPTED
    report.decided_by = actor
    report.decided_at = timezone.now()
    report.save(update_fields=["status", "decided_by", "decided_at"])
    record_event(
        actor=actor,
        action="report.accept",
        target=report,
        changes={"status": [Report.Status.SUBMITTED, Report.Status.ACCEPTED]},
    )
    return report


@transaction.atomic
def report_return(*, actor, report: Report, reasons: str) -> Report:
    """Back to the bureau with reasons; it is editable again with everything it had."""
    if not (reasons or "").strip():
        raise ValidationError({"reasons": _("退回时请写明原因。")}, code="reasons_required")
    report = _lock_for_decision(actor, report)
    report.status = Report.Status.RETURNED
    report.return_reasons = reasons.strip()
    report.decided_by = actor
    report.decided_at = timezone.now()
    report.save(update_fields=["status", "return_reasons", "decided_by", "decided_at"])
    record_event(
        actor=actor,
        action="report.return",
        target=report,
        changes={"status": [Report.Status.SUBMITTED, Report.Status.RETURNED], "reasons": report.return_reasons},
    )
    return report

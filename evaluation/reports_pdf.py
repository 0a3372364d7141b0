"""The evaluation report PDF (绩效评价报告): one pilot, one stage (mid-term or final), printed with
templates/pdf/evaluation_report.html once the leader has decided.

It holds the header (region, plan, approval, stage, the rule), the target table with each round's actual,
completion and rating (the targets of the stage, from the version the report was compared with, as on the
evaluation page: ``selectors.evaluations.evaluation_page``), the charts of the whole time line, the
ratings' comments, the officer's opinion, the leader's decision, the rectification items and deadline if
any, and a block for signatures.

Rendering runs after commit in Celery (``evaluation.tasks.render_evaluation_pdf``). It is idempotent per
decision: a PDF made after the evaluation's last decision (``decided_at``) is kept as it is; after a later
decision (round 2) the task makes a new one. ``refresh=True`` makes a new one in any case.
"""

from operator import attrgetter

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import organisation_of
from documents.pdf import render_pdf
from documents.services import document_store_generated
from documents.validation import PDF
from pilots.pdf import CHINA, chinese_date, format_indicator_value
from pilots.targets import merged_rows

from .charts import progress_charts
from .completion import completion
from .models import Evaluation
from .rules import RatedIndicator, evaluation_outcome, format_share
from .selectors.evaluations import evaluation_page
from .selectors.progress import pilot_progress

MAX_DOCUMENT_NAME = 200  # Document.original_name
ROUND_LABELS = {1: gettext_lazy("评价"), 2: gettext_lazy("整改后再评价")}


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def rule_text(evaluation: Evaluation) -> str:
    share = format_share(evaluation.rule_min_met_share)
    if evaluation.rule_all_key_met:
        return _("关键指标全部达到目标，且达标指标占全部指标的比例不低于%(share)s%%。") % {"share": share}
    return _("达标指标占全部指标的比例不低于%(share)s%%。") % {"share": share}


def _rating_label(rating) -> str:
    if rating is None:
        return "—"
    return _("达标") if rating.met else _("未达标")


def _round_cell(target, actual, rating) -> dict:
    value = completion(target.baseline, target.target, actual)
    return {
        "actual": format_indicator_value(actual, target.kind),
        "completion": "—" if value is None else f"{value}%",
        "rating": _rating_label(rating),
        "met": None if rating is None else rating.met,
        "overridden": rating is not None and rating.met != rating.computed_met,
    }


def _round_summary(evaluation: Evaluation, round_number: int, rated: list[RatedIndicator], total: int) -> dict:
    """A round's counts and, once every indicator is rated, the rule's reasons (evaluation.rules)."""
    reasons = [_("尚未逐项评定。")]
    if rated and len(rated) == total:
        _met, reasons = evaluation_outcome(
            rated, all_key_met=evaluation.rule_all_key_met, min_met_share=evaluation.rule_min_met_share
        )
    return {
        "label": ROUND_LABELS[round_number],
        "key_met": sum(1 for r in rated if r.is_key and r.met),
        "key_total": sum(1 for r in rated if r.is_key),
        "met_count": sum(1 for r in rated if r.met),
        "total": total,
        "reasons": reasons,
    }


def evaluation_pdf_context(evaluation: Evaluation) -> dict:
    """Everything evaluation_report.html prints."""
    page = evaluation_page(evaluation)
    plan = evaluation.plan
    rounds = [1, 2] if evaluation.round == 2 else [1]
    rows, comments = [], []
    rated: dict[int, list[RatedIndicator]] = {number: [] for number in rounds}
    for merged in merged_rows(page.rows, level1=attrgetter("target.level1"), level2=attrgetter("target.level2")):
        row = merged["item"]
        target = row.target
        by_round = {evaluation.round: (row.actual, row.rating)}
        if evaluation.round == 2:
            by_round[1] = (row.earlier_actual, row.earlier)
        cells = [_round_cell(target, *by_round[number]) for number in rounds]
        for number in rounds:
            rating = by_round[number][1]
            if rating is not None:
                rated[number].append(RatedIndicator(name=target.name, is_key=target.is_key, met=rating.met))
                if rating.comment:
                    comments.append({"round": ROUND_LABELS[number], "name": target.name, "comment": rating.comment})
        rows.append(
            {
                "level1": target.level1,
                "level2": target.level2,
                "level1_rowspan": merged["level1_rowspan"],
                "level2_rowspan": merged["level2_rowspan"],
                "name": target.name,
                "unit": target.unit,
                "is_key": target.is_key,
                "baseline": format_indicator_value(target.baseline, target.kind),
                "target": format_indicator_value(target.target, target.kind),
                "cells": cells,
            }
        )
    approval = getattr(plan, "approval", None)
    decided_at = timezone.localtime(evaluation.decided_at, CHINA) if evaluation.decided_at else None
    return {
        "evaluation": evaluation,
        "plan": plan,
        "region": plan.region.name,
        "call": plan.call,
        "approval": approval,
        "stage": evaluation.get_stage_display(),
        "target_label": _("中期目标") if evaluation.stage == Evaluation.Stage.MIDTERM else _("目标值"),
        "rule": rule_text(evaluation),
        "version": page.version,
        "rounds": [{"number": number, "label": ROUND_LABELS[number]} for number in rounds],
        "rows": rows,
        "summaries": [_round_summary(evaluation, number, rated[number], len(rows)) for number in rounds],
        "comments": comments,
        "charts": progress_charts(pilot_progress(plan)),
        "officer": person(evaluation.proposed_by),
        "proposed_on": chinese_date(timezone.localtime(evaluation.proposed_at, CHINA).date())
        if evaluation.proposed_at
        else "",
        "leader": person(evaluation.decided_by),
        "decided_on": chinese_date(decided_at.date()) if decided_at else "",
        "outcome": evaluation.get_outcome_display() if evaluation.outcome else evaluation.get_status_display(),
        "rectification_deadline": chinese_date(evaluation.rectification_deadline)
        if evaluation.rectification_deadline
        else "",
        "printed_on": chinese_date(timezone.localdate()),
    }


def evaluation_pdf_name(evaluation: Evaluation) -> str:
    suffix = f"·{evaluation.get_stage_display()}报告.pdf"
    name = f"{evaluation.plan.region.name}·{evaluation.plan.title}"
    return name[: MAX_DOCUMENT_NAME - len(suffix)] + suffix


def render_evaluation_pdf_now(evaluation_id: int, *, refresh: bool = False):
    """Print a decided evaluation and keep the PDF as its ``pdf`` (a Document owned by the evaluation).
    Idempotent: the evaluation row is locked, and a PDF made after the last decision is returned as it is.
    An evaluation not decided yet has no report: returns None."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        evaluation = (
            Evaluation.objects.select_for_update(of=("self",))
            .select_related(
                "plan__region", "plan__call", "plan__applicant", "plan__approval", "pdf", "proposed_by", "decided_by"
            )
            .get(pk=evaluation_id)
        )
        if evaluation.decided_at is None:
            return evaluation.pdf
        if evaluation.pdf_id and evaluation.pdf.created_at >= evaluation.decided_at and not refresh:
            return evaluation.pdf
        data = render_pdf("pdf/evaluation_report.html", evaluation_pdf_context(evaluation))
        document = document_store_generated(
            actor=None,
            data=data,
            name=evaluation_pdf_name(evaluation),
            content_type=PDF,
            organisation=organisation_of(evaluation.decided_by) or evaluation.plan.applicant,
            purpose="evaluation_pdf",
            owner=evaluation,
        )
        evaluation.pdf = document
        evaluation.save(update_fields=["pdf"])
        return document

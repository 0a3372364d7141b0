"""An expert's assignment, as a state machine. Each transition is one atomic service that locks the
assignment row and writes its audit event:

    pending  ─ declare no conflict (expert) ─→ scoring     grants the expert read access to the plan
    pending  ─ decline with a reason (expert) ─→ declined   the coordinator assigns someone else
    scoring  ─ decline with a reason (expert) ─→ declined   the read access is revoked
    scoring  ─ save draft (expert) ─→ scoring               partial input kept as it is
    scoring  ─ submit (expert) ─→ submitted                 every score, comment and opinion required
    submitted ─ reopen with a reason (coordinator) ─→ scoring

Nothing moves once the call's ranking report is submitted (the call is no longer "in review").
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from pilots.models import PilotCall, PilotPlan, ScoreCriterion
from pilots.services import plan_grant_view, plan_revoke_view

from .. import scoring
from ..models import Assignment, CriterionScore
from .review import lock_call_in_review

Status = Assignment.Status
GRANT_REASON = "专家声明无利益冲突"
REVOKE_REASON = "专家申请回避"


def score_field(criterion_id: int) -> str:
    """The name of a criterion's score in the scorecard form and in the errors the services raise."""
    return f"score_{criterion_id}"


def comment_field(criterion_id: int) -> str:
    return f"comment_{criterion_id}"


@dataclass(frozen=True)
class ScorecardInput:
    """What the expert typed: per criterion id a score (None: not yet given) and a comment."""

    scores: dict[int, tuple[Decimal | None, str]] = field(default_factory=dict)
    overall_opinion: str = ""
    revision_suggestions: str = ""
    recommendation: str = ""


def _lock_own(actor, assignment: Assignment, *allowed: str) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("plan__call", "plan__region", "expert")
        .get(pk=assignment.pk)
    )
    if assignment.expert.user_id != actor.pk:
        raise ValidationError(_("只能处理本人的评审任务。"), code="not_own")
    _require_status(assignment, *allowed)
    plan = assignment.plan
    if plan.call.status != PilotCall.Status.IN_REVIEW or plan.status != PilotPlan.Status.IN_REVIEW:
        raise ValidationError(_("本批次的专家评审已结束，不能再修改。"), code="review_over")
    return assignment


def _require_status(assignment: Assignment, *allowed: str) -> None:
    if assignment.status not in allowed:
        raise ValidationError(
            _("评审任务当前状态为“%(status)s”，不能执行此操作（可能已被处理，请刷新页面）。")
            % {"status": assignment.get_status_display()},
            code="wrong_status",
        )


def _move(assignment: Assignment, *, actor, action: str, to: str, fields=(), extra: dict | None = None) -> Assignment:
    before = assignment.status
    assignment.status = to
    assignment._history_user = actor  # the version history names who made each change
    assignment.save(update_fields=["status", *fields])
    record_event(actor=actor, action=action, target=assignment, changes={"status": [before, to], **(extra or {})})
    return assignment


@transaction.atomic
def assignment_declare_no_conflict(*, actor, assignment: Assignment, confirmed: bool) -> Assignment:
    """pending → scoring: the expert confirms having no conflict of interest and may now read the plan
    (a grant in the plan's own guardian table)."""
    assignment = _lock_own(actor, assignment, Status.PENDING)
    if not confirmed:
        raise ValidationError({"confirm": _("请勾选确认无利益冲突的声明。")}, code="not_confirmed")
    assignment.declared_at = timezone.now()
    _move(assignment, actor=actor, action="assignment.declare", to=Status.SCORING, fields=("declared_at",))
    plan_grant_view(actor=actor, plan=assignment.plan, user=actor, reason=GRANT_REASON)
    return assignment


@transaction.atomic
def assignment_decline(*, actor, assignment: Assignment, reason: str, note: str = "") -> Assignment:
    """pending or scoring → declined, with a reason; any read access to the plan is revoked. The
    coordinator then assigns another expert."""
    assignment = _lock_own(actor, assignment, Status.PENDING, Status.SCORING)
    note = note.strip()
    errors = {}
    if reason not in Assignment.DeclineReason.values:
        errors["reason"] = _("请选择回避原因。")
    elif reason == Assignment.DeclineReason.OTHER and not note:
        errors["note"] = _("选择“其他原因”时，请写明回避说明。")
    if errors:
        raise ValidationError(errors, code="reason_required")
    before = assignment.status
    assignment.decline_reason = reason
    assignment.decline_note = note
    assignment.declared_at = assignment.declared_at or timezone.now()
    _move(
        assignment,
        actor=actor,
        action="assignment.decline",
        to=Status.DECLINED,
        fields=("decline_reason", "decline_note", "declared_at"),
        extra={"reason": reason, "note": note, "from": before},
    )
    plan_revoke_view(actor=actor, plan=assignment.plan, user=actor, reason=REVOKE_REASON)
    return assignment


def _criteria(assignment: Assignment) -> list[ScoreCriterion]:
    return list(ScoreCriterion.objects.filter(call_id=assignment.plan.call_id).order_by("order"))


def _format_errors(scorecard: ScorecardInput, criteria: list[ScoreCriterion]) -> dict[str, str]:
    errors = {}
    for criterion in criteria:
        score, _comment = scorecard.scores.get(criterion.pk, (None, ""))
        if score is not None:
            problem = scoring.score_problem(score, criterion.max_points)
            if problem:
                errors[score_field(criterion.pk)] = problem
    if scorecard.recommendation and scorecard.recommendation not in Assignment.Recommendation.values:
        errors["recommendation"] = _("请选择有效的评审结论。")
    return errors


def _completeness_errors(scorecard: ScorecardInput, criteria: list[ScoreCriterion]) -> dict[str, str]:
    errors = {}
    for criterion in criteria:
        score, comment = scorecard.scores.get(criterion.pk, (None, ""))
        if score is None:
            errors[score_field(criterion.pk)] = _("请为此项打分。")
        if not comment.strip():
            errors[comment_field(criterion.pk)] = _("请填写该项评语。")
    if not scorecard.overall_opinion.strip():
        errors["overall_opinion"] = _("请填写总体意见。")
    if not scorecard.revision_suggestions.strip():
        errors["revision_suggestions"] = _("请填写方案修改完善建议。")
    if not scorecard.recommendation:
        errors["recommendation"] = _("请选择评审结论。")
    return errors


def _save(assignment: Assignment, scorecard: ScorecardInput, criteria: list[ScoreCriterion], *, actor) -> dict:
    """Write what changed (so that the history holds one version per real change); returns the changes."""
    existing = {row.criterion_id: row for row in CriterionScore.objects.filter(assignment=assignment)}
    score_changes, comment_changes = {}, []
    for criterion in criteria:
        score, comment = scorecard.scores.get(criterion.pk, (None, ""))
        comment = comment.strip()
        row = existing.get(criterion.pk)
        if row is None:
            if score is None and not comment:
                continue
            row = CriterionScore(assignment=assignment, criterion=criterion)
        elif row.score == score and row.comment == comment:
            continue
        key = criterion.code or criterion.name
        if row.score != score:
            score_changes[key] = [None if row.score is None else str(row.score), None if score is None else str(score)]
        if row.comment != comment:
            comment_changes.append(key)
        row.score, row.comment = score, comment
        row._history_user = actor
        row.save()
    texts = {
        "overall_opinion": scorecard.overall_opinion.strip(),
        "revision_suggestions": scorecard.revision_suggestions.strip(),
        "recommendation": scorecard.recommendation,
    }
    changed_texts = [name for name, value in texts.items() if getattr(assignment, name) != value]
    for name in changed_texts:
        setattr(assignment, name, texts[name])
    if changed_texts:
        assignment._history_user = actor
        assignment.save(update_fields=changed_texts)
    changes = {}
    if score_changes:
        changes["scores"] = score_changes
    if comment_changes:
        changes["comments"] = comment_changes
    if changed_texts:
        changes["fields"] = changed_texts
    return changes


@transaction.atomic
def scorecard_save_draft(*, actor, assignment: Assignment, scorecard: ScorecardInput) -> Assignment:
    """scoring → scoring: keep whatever is typed so far (each given score must still be valid)."""
    assignment = _lock_own(actor, assignment, Status.SCORING)
    criteria = _criteria(assignment)
    errors = _format_errors(scorecard, criteria)
    if errors:
        raise ValidationError(errors, code="invalid")
    changes = _save(assignment, scorecard, criteria, actor=actor)
    if changes:
        record_event(actor=actor, action="assignment.save_draft", target=assignment, changes=changes)
    return assignment


@transaction.atomic
def assignment_submit(*, actor, assignment: Assignment, scorecard: ScorecardInput) -> Assignment:
    """scoring → submitted: every criterion scored and commented, opinion, suggestions and conclusion
    given. Locked from then on (only the coordinator can reopen it)."""
    assignment = _lock_own(actor, assignment, Status.SCORING)
    criteria = _criteria(assignment)
    errors = {**_completeness_errors(scorecard, criteria), **_format_errors(scorecard, criteria)}
    if errors:
        raise ValidationError(errors, code="incomplete")
    _save(assignment, scorecard, criteria, actor=actor)
    total = scoring.weighted_total(
        scoring.Line(score=scorecard.scores[c.pk][0], max_points=c.max_points, weight=c.weight) for c in criteria
    )
    assignment.submitted_at = timezone.now()
    return _move(
        assignment,
        actor=actor,
        action="assignment.submit",
        to=Status.SUBMITTED,
        fields=("submitted_at",),
        extra={"total": str(total)},
    )


@transaction.atomic
def assignment_reopen(*, actor, assignment: Assignment, reason: str) -> Assignment:
    """submitted → scoring, by the coordinator, with a reason the expert sees."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请写明退回重评的原因。")}, code="reason_required")
    lock_call_in_review(actor=actor, call=assignment.plan.call)
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=assignment.pk)
    _require_status(assignment, Status.SUBMITTED)
    assignment.reopen_reason = reason
    assignment.submitted_at = None
    return _move(
        assignment,
        actor=actor,
        action="assignment.reopen",
        to=Status.SCORING,
        fields=("reopen_reason", "submitted_at"),
        extra={"reason": reason},
    )

"""The Department's mid-term and final evaluations (domain.md, pilot process step 7).

    open (officer) ──► REPORTING ──(bureau submits the report: services.reports.report_submit)──► RATING
    RATING ──(officer rates every indicator, proposes the outcome by the rule)──► DECIDING
    DECIDING ──(leader, not the proposer)──► RATING (sent back with a comment)
                                          ├► MET (round 1 or 2): mid-term → implementing, 2nd instalment due;
                                          │                      final → awaiting acceptance
                                          ├► RECTIFICATION_SETUP (round 1 not met)
                                          └► NOT_MET (round 2 not met): the leader decides the clawback
    RECTIFICATION_SETUP ──(officer: deadline and items; round 2)──► RECTIFYING
    RECTIFYING ──(bureau submits the rectification report)──► RATING

Every function locks the plan, then the evaluation (and the instalment, through
``pilots.services.instalment_make_due``): the same order as the clawback (plan, approval, instalments),
so two of them never wait for each other in a circle. Audit events are written on the plan, so the plan's
timeline shows the evaluation.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import has_role
from accounts.roles import Role
from audit.services import record_event
from pilots import services as pilot_services
from pilots.models import Instalment, PilotPlan
from pilots.selectors import version_in_force

from ..completion import is_met
from ..models import ActualValue, Evaluation, IndicatorRating, Report
from ..permissions_evaluations import can_run_evaluation
from ..rules import RatedIndicator, evaluation_outcome
from ..selectors.evaluations import report_kind, report_version, stage_targets

Stage = Evaluation.Stage
Status = Evaluation.Status
Phase = PilotPlan.Phase

# Where the pilot stands while an evaluation of each stage runs, and while its rectification runs.
EVALUATING_PHASE = {Stage.MIDTERM: Phase.MIDTERM, Stage.FINAL: Phase.FINAL}
RECTIFYING_PHASE = {Stage.MIDTERM: Phase.MIDTERM_RECTIFYING, Stage.FINAL: Phase.FINAL_RECTIFYING}


@dataclass(frozen=True)
class RatingInput:
    """The officer's rating of one indicator: met or not, and why when it differs from the computed result."""

    indicator_id: int
    met: bool
    comment: str = ""


# --- helpers --------------------------------------------------------------------------------------------------


def _require_officer(actor) -> None:
    if not can_run_evaluation(actor):
        raise PermissionDenied(_("只有工信厅经办人可以组织绩效评价。"))


def _lock_plan(plan_id: int) -> PilotPlan:
    return PilotPlan.objects.select_for_update(of=("self",)).select_related("call", "region").get(pk=plan_id)


def lock_evaluation(evaluation: Evaluation) -> tuple[PilotPlan, Evaluation]:
    """Lock the plan, then the evaluation (the order every service of this stage keeps)."""
    plan = _lock_plan(evaluation.plan_id)
    evaluation = Evaluation.objects.select_for_update(of=("self",)).get(pk=evaluation.pk)
    evaluation.plan = plan
    return plan, evaluation


def require_evaluation_status(evaluation: Evaluation, *allowed: str) -> None:
    if evaluation.status not in allowed:
        raise ValidationError(
            _("该评价当前状态为“%(status)s”，不能执行此操作（可能已被他人处理，请刷新页面）。")
            % {"status": evaluation.get_status_display()},
            code="wrong_status",
        )


def _set_phase(plan: PilotPlan, phase: str) -> list[str]:
    before = plan.phase
    plan.phase = phase
    plan.save(update_fields=["phase"])
    return [before, phase]


def _clean_text(value: str, message: str, code: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message, code=code)
    return value


def _new_report(*, evaluation: Evaluation, kind: str, due_on: date) -> Report:
    report = Report(
        plan=evaluation.plan,
        kind=kind,
        evaluation=evaluation,
        due_on=due_on,
        version=version_in_force(evaluation.plan),
        created_at=timezone.now(),
    )
    report.full_clean(validate_unique=False)
    report.save(force_insert=True)
    return report


# --- open -----------------------------------------------------------------------------------------------------


@transaction.atomic
def evaluation_open(*, actor, plan: PilotPlan, stage: str, report_due_on: date) -> Evaluation:
    """Open the mid-term evaluation (pilot implementing, none yet) or the final one (mid-term met): the rule is
    copied from the call, the bureau's evaluation report is created, the pilot's phase moves on."""
    _require_officer(actor)
    if stage not in Stage.values:
        raise ValidationError(_("请选择中期绩效评价或期后绩效评价。"), code="bad_stage")
    plan = _lock_plan(plan.pk)
    if plan.status != PilotPlan.Status.APPROVED:
        raise ValidationError(_("该方案尚未批复，不能开展绩效评价。"), code="not_approved")
    existing = {evaluation.stage: evaluation for evaluation in Evaluation.objects.filter(plan=plan)}
    label = Stage(stage).label
    if stage in existing:
        raise ValidationError(_("该试点已经开展过%(stage)s，不能重复开展。") % {"stage": label}, code="already_open")
    if plan.phase != Phase.IMPLEMENTING:
        raise ValidationError(
            _("试点当前阶段为“%(phase)s”，不能开展%(stage)s。")
            % {"phase": plan.get_phase_display() or _("未批复"), "stage": label},
            code="wrong_phase",
        )
    if stage == Stage.FINAL:
        midterm = existing.get(Stage.MIDTERM)
        if midterm is None or midterm.status != Status.MET:
            raise ValidationError(_("中期绩效评价达标后才能开展期后绩效评价。"), code="midterm_not_met")
    if not isinstance(report_due_on, date):
        raise ValidationError(_("请填写报告提交期限。"), code="due_required")
    if report_due_on <= timezone.localdate():
        raise ValidationError(_("报告提交期限应晚于今天。"), code="due_past")
    version = version_in_force(plan)
    if version is None or all(target.target is None for target in stage_targets(version, stage)):
        raise ValidationError(_("该方案没有绩效目标表，无法对照目标开展评价。"), code="no_targets")
    evaluation = Evaluation(
        plan=plan,
        stage=stage,
        status=Status.REPORTING,
        round=1,
        rule_all_key_met=plan.call.evaluation_all_key_met,
        rule_min_met_share=plan.call.evaluation_min_met_share,
        report_due_on=report_due_on,
        opened_by=actor,
        opened_at=timezone.now(),
    )
    evaluation.full_clean(validate_unique=False)
    evaluation.save(force_insert=True)
    report = _new_report(evaluation=evaluation, kind=Report.Kind.EVALUATION, due_on=report_due_on)
    phase = _set_phase(plan, EVALUATING_PHASE[stage])
    record_event(
        actor=actor,
        action="evaluation.open",
        target=plan,
        changes={
            "evaluation": evaluation.pk,
            "stage": stage,
            "report": report.pk,
            "report_due_on": report_due_on,
            "version": report.version.number if report.version else None,
            "rule": {"all_key_met": evaluation.rule_all_key_met, "min_met_share": evaluation.rule_min_met_share},
            "phase": phase,
        },
    )
    return evaluation


# --- rate -----------------------------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return _("达标") if value else _("未达标")


@transaction.atomic
def evaluation_rate(*, actor, evaluation: Evaluation, ratings: list[RatingInput]) -> list[IndicatorRating]:
    """Save the officer's ratings of the current round (some or all indicators; again until proposed). Each
    keeps the result computed from the report's actual value against the stage's target of the report's
    version; a rating that differs from it needs a comment. Nothing is saved when any rating is refused."""
    _require_officer(actor)
    plan, evaluation = lock_evaluation(evaluation)
    require_evaluation_status(evaluation, Status.RATING)
    report = (
        Report.objects.select_related("version")
        .filter(evaluation=evaluation, kind=report_kind(evaluation.round))
        .first()
    )
    if report is None or report.status not in (Report.Status.SUBMITTED, Report.Status.ACCEPTED):
        raise ValidationError(_("试点地区尚未提交本轮报告，不能评定。"), code="no_report")
    targets = {target.indicator_id: target for target in stage_targets(report_version(report, plan), evaluation.stage)}
    actuals = dict(ActualValue.objects.filter(report=report).values_list("indicator_id", "actual"))
    problems = []
    cleaned = []
    for rating in ratings:
        target = targets.get(rating.indicator_id)
        if target is None:
            problems.append(_("指标（编号%(id)s）不在本次评价对照的目标表中。") % {"id": rating.indicator_id})
            continue
        if rating.met not in (True, False):
            problems.append(_("请评定“%(name)s”是否达标。") % {"name": target.name})
            continue
        computed = bool(is_met(target.target, actuals.get(rating.indicator_id)))
        comment = (rating.comment or "").strip()
        if rating.met != computed and not comment:
            problems.append(
                _("“%(name)s”评定为%(met)s，与按实际值计算的结果（%(computed)s）不同，请填写说明。")
                % {"name": target.name, "met": _yes_no(rating.met), "computed": _yes_no(computed)}
            )
            continue
        cleaned.append((target, rating.met, computed, comment))
    if problems:
        raise ValidationError(problems, code="bad_rating")
    now = timezone.now()
    existing = {
        rating.indicator_id: rating
        for rating in IndicatorRating.objects.select_for_update().filter(evaluation=evaluation, round=evaluation.round)
    }
    saved, changes = [], {}
    for target, met, computed, comment in cleaned:
        rating = existing.get(target.indicator_id) or IndicatorRating(
            evaluation=evaluation, round=evaluation.round, indicator_id=target.indicator_id
        )
        if rating.pk and (rating.met, rating.computed_met, rating.comment) == (met, computed, comment):
            saved.append(rating)
            continue
        rating.met, rating.computed_met, rating.comment = met, computed, comment
        rating.rated_by, rating.rated_at = actor, now
        rating.save()
        saved.append(rating)
        changes[target.name] = {"met": met, "computed_met": computed, **({"comment": comment} if comment else {})}
    if changes:
        record_event(
            actor=actor,
            action="evaluation.rate",
            target=plan,
            changes={"evaluation": evaluation.pk, "stage": evaluation.stage, "round": evaluation.round, **changes},
        )
    return saved


# --- propose and decide ------------------------------------------------------------------------------------


def current_outcome(evaluation: Evaluation) -> tuple[bool, list[str], list[str]]:
    """(met, reasons, unrated indicator names) of the current round, by the evaluation's rule."""
    report = (
        Report.objects.select_related("version")
        .filter(evaluation=evaluation, kind=report_kind(evaluation.round))
        .first()
    )
    targets = stage_targets(report_version(report, evaluation.plan), evaluation.stage)
    ratings = {
        rating.indicator_id: rating
        for rating in IndicatorRating.objects.filter(evaluation=evaluation, round=evaluation.round)
    }
    unrated = [target.name for target in targets if target.indicator_id not in ratings]
    rated = [
        RatedIndicator(name=target.name, is_key=target.is_key, met=ratings[target.indicator_id].met)
        for target in targets
        if target.indicator_id in ratings
    ]
    met, reasons = evaluation_outcome(
        rated, all_key_met=evaluation.rule_all_key_met, min_met_share=evaluation.rule_min_met_share
    )
    return met, reasons, unrated


@transaction.atomic
def evaluation_propose(*, actor, evaluation: Evaluation, opinion: str) -> Evaluation:
    """Every indicator rated: the outcome follows from the rule; the officer's opinion goes with it to the
    leader (DECIDING)."""
    _require_officer(actor)
    plan, evaluation = lock_evaluation(evaluation)
    require_evaluation_status(evaluation, Status.RATING)
    opinion = _clean_text(opinion, _("请填写评价意见。"), "opinion_required")
    met, reasons, unrated = current_outcome(evaluation)
    if unrated:
        raise ValidationError(
            _("还有%(count)s项指标未评定：%(names)s。") % {"count": len(unrated), "names": "、".join(unrated)},
            code="unrated",
        )
    evaluation.proposed_outcome = Evaluation.Outcome.MET if met else Evaluation.Outcome.NOT_MET
    evaluation.officer_opinion = opinion
    evaluation.proposed_by = actor
    evaluation.proposed_at = timezone.now()
    evaluation.status = Status.DECIDING
    evaluation.save(update_fields=["proposed_outcome", "officer_opinion", "proposed_by", "proposed_at", "status"])
    record_event(
        actor=actor,
        action="evaluation.propose",
        target=plan,
        changes={
            "evaluation": evaluation.pk,
            "stage": evaluation.stage,
            "round": evaluation.round,
            "proposed_outcome": evaluation.proposed_outcome,
            "reasons": reasons,
            "opinion": opinion,
        },
    )
    return evaluation


def _require_leader(actor) -> None:
    if not has_role(actor, Role.DEPARTMENT_LEADER):
        raise PermissionDenied(_("只有工信厅领导可以确认评价结论。"))


def _render_pdf_after_commit(evaluation_id: int) -> None:
    """The evaluation report PDF (evaluation.tasks.render_evaluation_pdf, written by the pilot-page work)."""
    from .. import tasks

    task = getattr(tasks, "render_evaluation_pdf", None)
    if task is not None:
        transaction.on_commit(lambda: task.delay(evaluation_id), robust=True)


@transaction.atomic
def evaluation_decide(*, actor, evaluation: Evaluation, confirm: bool, comment: str = "") -> Evaluation:
    """The leader confirms the proposed outcome or sends it back to rating with a comment. The proposer may
    not decide (four eyes)."""
    _require_leader(actor)
    plan, evaluation = lock_evaluation(evaluation)
    require_evaluation_status(evaluation, Status.DECIDING)
    if evaluation.proposed_by_id == actor.pk:
        raise ValidationError(_("评价结论由您提出，须由另一位领导确认。"), code="four_eyes")
    comment = (comment or "").strip()
    changes = {"evaluation": evaluation.pk, "stage": evaluation.stage, "round": evaluation.round}
    if not confirm:
        comment = _clean_text(comment, _("退回时请写明意见。"), "comment_required")
        evaluation.status = Status.RATING
        evaluation.leader_comment = comment
        evaluation.save(update_fields=["status", "leader_comment"])
        record_event(actor=actor, action="evaluation.return", target=plan, changes={**changes, "comment": comment})
        return evaluation
    evaluation.leader_comment = comment
    evaluation.decided_by = actor
    evaluation.decided_at = timezone.now()
    met = evaluation.proposed_outcome == Evaluation.Outcome.MET
    final_decision = met or evaluation.round == 2
    if met:
        evaluation.status = Status.MET
        evaluation.outcome = Evaluation.Outcome.MET
        next_phase = Phase.IMPLEMENTING if evaluation.stage == Stage.MIDTERM else Phase.AWAITING_ACCEPTANCE
        changes["phase"] = _set_phase(plan, next_phase)
    elif evaluation.round == 1:
        evaluation.status = Status.RECTIFICATION_SETUP
    else:
        # Still not met after rectification: the pilot waits for the leader's clawback decision
        # (pilots.services.clawback_decide moves it to clawed_back).
        evaluation.status = Status.NOT_MET
        evaluation.outcome = Evaluation.Outcome.NOT_MET
    evaluation.save(update_fields=["status", "outcome", "leader_comment", "decided_by", "decided_at"])
    changes["report"] = _close_round_report(evaluation, actor=actor, at=evaluation.decided_at)
    record_event(
        actor=actor,
        action="evaluation.decide",
        target=plan,
        changes={**changes, "outcome": evaluation.proposed_outcome, "status": evaluation.status, "comment": comment},
    )
    if met and evaluation.stage == Stage.MIDTERM:
        instalment = Instalment.objects.filter(plan=plan, stage=Instalment.Stage.MIDTERM).first()
        if instalment is not None and instalment.status == Instalment.Status.SCHEDULED:
            pilot_services.instalment_make_due(actor=actor, instalment=instalment, reason=str(_("中期绩效评价达标")))
    if final_decision:
        _render_pdf_after_commit(evaluation.pk)
    return evaluation


def _close_round_report(evaluation: Evaluation, *, actor, at) -> int | None:
    """The round's report has been evaluated: it no longer reads as waiting for review (lock order: plan,
    evaluation, report)."""
    report = (
        Report.objects.select_for_update()
        .filter(evaluation=evaluation, kind=report_kind(evaluation.round), status=Report.Status.SUBMITTED)
        .first()
    )
    if report is None:
        return None
    report.status, report.decided_by, report.decided_at = Report.Status.ACCEPTED, actor, at
    report.save(update_fields=["status", "decided_by", "decided_at"])
    return report.pk


# --- rectification ---------------------------------------------------------------------------------------------


@transaction.atomic
def rectification_require(*, actor, evaluation: Evaluation, deadline: date, items: str) -> Evaluation:
    """Not met in round 1: the officer sets the deadline and the items to fix; round 2 begins with the bureau's
    rectification report (due at the deadline)."""
    _require_officer(actor)
    plan, evaluation = lock_evaluation(evaluation)
    require_evaluation_status(evaluation, Status.RECTIFICATION_SETUP)
    items = _clean_text(items, _("请写明整改事项。"), "items_required")
    if not isinstance(deadline, date):
        raise ValidationError(_("请填写整改期限。"), code="deadline_required")
    if deadline <= timezone.localdate():
        raise ValidationError(_("整改期限应晚于今天。"), code="deadline_past")
    evaluation.round = 2
    evaluation.rectification_deadline = deadline
    evaluation.rectification_items = items
    evaluation.status = Status.RECTIFYING
    evaluation.save(update_fields=["round", "rectification_deadline", "rectification_items", "status"])
    report = _new_report(evaluation=evaluation, kind=Report.Kind.RECTIFICATION, due_on=deadline)
    phase = _set_phase(plan, RECTIFYING_PHASE[evaluation.stage])
    record_event(
        actor=actor,
        action="evaluation.rectification_require",
        target=plan,
        changes={
            "evaluation": evaluation.pk,
            "stage": evaluation.stage,
            "deadline": deadline,
            "items": items,
            "report": report.pk,
            "phase": phase,
        },
    )
    return evaluation

"""Optional expert opinions on an evaluation (reusing the review's conflict screening, evaluation.matching).

While an evaluation is being rated, the officer may ask experts of the pool for an opinion on the bureau's
report. The screening of the expert review applies (home region, declared ties with the applicant, the region
or an enterprise of the plan): a screened-out expert cannot be invited, and the reasons are given. The expert
declares no conflict of interest and answers with a suggested outcome and an opinion, or declines with a
reason. The officer still rates every indicator and proposes the outcome by the rule; the opinions are shown
beside the ratings, to the officer and the leader.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import has_role
from accounts.roles import Role
from audit.services import record_event

from .. import matching
from ..models import Evaluation, ExpertOpinion, ExpertProfile
from ..permissions_evaluations import can_run_evaluation
from ..selectors.pool import plan_facts
from .evaluations import lock_evaluation, require_evaluation_status


@transaction.atomic
def evaluation_experts_invite(*, actor, evaluation: Evaluation, expert_ids: list[int]) -> list[ExpertOpinion]:
    """Ask the given experts (active, screened in, not yet asked in this round) for an opinion."""
    if not can_run_evaluation(actor):
        raise PermissionDenied(_("只有工信厅经办人可以邀请专家。"))
    plan, evaluation = lock_evaluation(evaluation)
    require_evaluation_status(evaluation, Evaluation.Status.RATING)
    expert_ids = sorted({int(pk) for pk in expert_ids})
    if not expert_ids:
        raise ValidationError(_("请选择要邀请的专家。"), code="none_chosen")
    experts = list(ExpertProfile.objects.select_related("home_region").filter(pk__in=expert_ids, is_active=True))
    if len(experts) != len(expert_ids):
        raise ValidationError(_("所选专家不在专家库中或已出库，请刷新页面重新选择。"), code="unknown_expert")
    taken = set(
        ExpertOpinion.objects.filter(evaluation=evaluation, round=evaluation.round).values_list("expert_id", flat=True)
    )
    facts = plan_facts([plan])[plan.pk]
    problems = []
    for expert in experts:
        if expert.pk in taken:
            problems.append(_("%(name)s已受邀提出本轮意见。") % {"name": expert.full_name})
            continue
        reasons = matching.conflict_reasons(matching.expert_facts(expert), facts)
        if reasons:
            problems.append(
                _("%(name)s需回避：%(reasons)s。") % {"name": expert.full_name, "reasons": "；".join(reasons)}
            )
    if problems:
        raise ValidationError(problems, code="screened_out")
    now = timezone.now()
    opinions = [
        ExpertOpinion(evaluation=evaluation, round=evaluation.round, expert=expert, invited_by=actor, invited_at=now)
        for expert in experts
    ]
    ExpertOpinion.objects.bulk_create(opinions)
    record_event(
        actor=actor,
        action="evaluation.experts_invite",
        target=plan,
        changes={
            "evaluation": evaluation.pk,
            "stage": evaluation.stage,
            "round": evaluation.round,
            "experts": [expert.full_name for expert in experts],
        },
    )
    return opinions


def _lock_own_opinion(actor, opinion: ExpertOpinion) -> tuple[ExpertOpinion, Evaluation]:
    if not has_role(actor, Role.EXPERT) or opinion.expert.user_id != actor.pk:
        raise PermissionDenied(_("只能处理邀请本人提出的意见。"))
    _plan, evaluation = lock_evaluation(opinion.evaluation)
    opinion = ExpertOpinion.objects.select_for_update(of=("self",)).select_related("expert").get(pk=opinion.pk)
    if opinion.status != ExpertOpinion.Status.INVITED:
        raise ValidationError(
            _("该意见当前状态为“%(status)s”，不能再提交。") % {"status": opinion.get_status_display()},
            code="wrong_status",
        )
    if evaluation.status != Evaluation.Status.RATING or evaluation.round != opinion.round:
        raise ValidationError(_("该评价已进入下一环节，不再征求本轮意见。"), code="evaluation_moved_on")
    return opinion, evaluation


@transaction.atomic
def evaluation_opinion_submit(
    *, actor, opinion: ExpertOpinion, no_conflict: bool, suggested_outcome: str, text: str
) -> ExpertOpinion:
    """The expert declares no conflict of interest and gives a suggested outcome with an opinion."""
    opinion, evaluation = _lock_own_opinion(actor, opinion)
    problems = []
    if not no_conflict:
        problems.append(ValidationError(_("请先声明与该试点无利益冲突；如有冲突请申请回避。"), code="not_declared"))
    if suggested_outcome not in Evaluation.Outcome.values:
        problems.append(ValidationError(_("请选择建议结论（达标或未达标）。"), code="outcome_required"))
    text = (text or "").strip()
    if not text:
        problems.append(ValidationError(_("请填写专家意见。"), code="opinion_required"))
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    opinion.status = ExpertOpinion.Status.SUBMITTED
    opinion.declared_at = now
    opinion.suggested_outcome = suggested_outcome
    opinion.opinion = text
    opinion.submitted_at = now
    opinion.save(update_fields=["status", "declared_at", "suggested_outcome", "opinion", "submitted_at"])
    record_event(
        actor=actor,
        action="evaluation.expert_opinion",
        target=evaluation.plan,
        changes={
            "evaluation": evaluation.pk,
            "round": opinion.round,
            "expert": opinion.expert.full_name,
            "suggested_outcome": suggested_outcome,
            "opinion": text,
        },
    )
    return opinion


@transaction.atomic
def evaluation_opinion_decline(*, actor, opinion: ExpertOpinion, reason: str) -> ExpertOpinion:
    """The expert declines (a conflict of interest, or unavailable), with a reason."""
    opinion, evaluation = _lock_own_opinion(actor, opinion)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请写明回避理由。"), code="reason_required")
    opinion.status = ExpertOpinion.Status.DECLINED
    opinion.decline_reason = reason
    opinion.submitted_at = timezone.now()
    opinion.save(update_fields=["status", "decline_reason", "submitted_at"])
    record_event(
        actor=actor,
        action="evaluation.expert_decline",
        target=evaluation.plan,
        changes={
            "evaluation": evaluation.pk,
            "round": opinion.round,
            "expert": opinion.expert.full_name,
            "reason": reason,
        },
    )
    return opinion

"""Moving a plan through its flow: co-signing, submission, completeness check. One transaction each,
the plan row locked, the audit event written inside."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import PilotPlan, PlanVersion
from ..targets import retrofit_total, table_problems
from ..versions import plan_snapshot
from .national import is_national, national_submission_problems
from .plans import funds_fingerprint, lock_plan
from .status import move_plan, require_status

Status = PilotPlan.Status


def submission_problems(plan: PilotPlan, *, now=None) -> list[str]:
    """Every reason the plan cannot be submitted yet, each its own message (empty list: ready)."""
    if is_national(plan):
        return national_submission_problems(plan, now=now)
    problems = []
    if not plan.call.accepts_submissions(now):
        problems.append(
            _("申报批次未开放或已过截止时间（%(deadline)s），不能提交。")
            % {"deadline": timezone.localtime(plan.call.deadline).strftime("%Y-%m-%d %H:%M")}
        )
    empty = [
        str(PilotPlan._meta.get_field(name).verbose_name)
        for name in PilotPlan.SECTION_FIELDS
        if not getattr(plan, name).strip()
    ]
    if empty:
        problems.append(_("以下章节未填写：%(sections)s。") % {"sections": "、".join(empty)})
    if not plan.phased_tasks.exists():
        problems.append(_("实施内容中至少要有一项阶段任务（做什么、谁来做、何时完成）。"))
    if not plan.chains.exists():
        problems.append(_("至少要选择一条产业链。"))
    rows = list(plan.target_values.select_related("indicator"))
    problems += [_("绩效目标表：%(problem)s") % {"problem": p} for p in table_problems(rows)]
    total = retrofit_total(rows)
    if total < plan.call.min_retrofit_enterprises:
        problems.append(
            _("改造规上、规下企业数量目标合计为%(total)s家，不足%(minimum)s家。")
            % {"total": int(total), "minimum": plan.call.min_retrofit_enterprises}
        )
    if not plan.enterprises.exists():
        problems.append(_("产业链企业名单为空，请导入企业名单。"))
    totals = plan.fund_lines.all()
    if sum((line.total for line in totals), 0) <= 0:
        problems.append(_("资金计划合计为0，请填写资金使用计划。"))
    if not any(line.subsidy_requested > 0 for line in totals):
        problems.append(_("资金计划中未填写申请自治区奖补资金。"))
    if plan.stamped_pdf_id is None:
        problems.append(_("请上传盖章的总体方案PDF。"))
    if not plan.cosigned_funds_hash:
        problems.append(_("资金计划尚未经同级财政局会签。"))
    elif plan.cosigned_funds_hash != funds_fingerprint(plan):
        problems.append(_("资金计划在会签后有改动，请重新送财政局会签。"))
    return problems


@transaction.atomic
def plan_send_to_cosign(*, actor, plan: PilotPlan) -> PilotPlan:
    plan = lock_plan(plan)
    require_status(plan, Status.DRAFT, Status.RETURNED, Status.COSIGNED)
    if is_national(plan):
        raise ValidationError(_("国家中小企业数字化转型城市试点的方案不需要送财政局会签。"), code="no_cosign")
    if sum((line.total for line in plan.fund_lines.all()), 0) <= 0:
        raise ValidationError(_("资金计划合计为0，请先填写资金使用计划再送会签。"))
    return move_plan(plan, actor=actor, action="plan.send_to_cosign", to=Status.COSIGNING)


@transaction.atomic
def plan_cosign(*, actor, plan: PilotPlan, comment: str = "") -> PilotPlan:
    plan = lock_plan(plan)
    require_status(plan, Status.COSIGNING)
    plan.cosigned_funds_hash = funds_fingerprint(plan)
    plan.cosign_comment = comment.strip()
    return move_plan(
        plan,
        actor=actor,
        action="plan.cosign",
        to=Status.COSIGNED,
        extra={"comment": plan.cosign_comment},
        fields=("cosigned_funds_hash", "cosign_comment"),
    )


@transaction.atomic
def plan_return_from_cosign(*, actor, plan: PilotPlan, comment: str) -> PilotPlan:
    plan = lock_plan(plan)
    require_status(plan, Status.COSIGNING)
    if not comment.strip():
        raise ValidationError(_("退回时请写明意见。"), code="comment_required")
    plan.cosign_comment = comment.strip()
    plan.cosigned_funds_hash = ""
    return move_plan(
        plan,
        actor=actor,
        action="plan.cosign_return",
        to=Status.DRAFT,
        extra={"comment": plan.cosign_comment},
        fields=("cosign_comment", "cosigned_funds_hash"),
    )


@transaction.atomic
def plan_submit(*, actor, plan: PilotPlan) -> PlanVersion:
    """Freeze the plan as a new version after every check passes. A second click finds the plan
    already submitted (the row is locked) and is refused: one version only."""
    plan = lock_plan(plan)
    require_status(plan, Status.DRAFT, Status.COSIGNED, Status.RETURNED)
    problems = submission_problems(plan)
    if problems:
        raise ValidationError(problems, code="not_ready")
    plan.version += 1
    plan.submitted_at = timezone.now()
    version = PlanVersion.objects.create(plan=plan, number=plan.version, snapshot=plan_snapshot(plan), created_by=actor)
    move_plan(
        plan,
        actor=actor,
        action="plan.submit",
        to=Status.SUBMITTED,
        extra={"version": plan.version},
        fields=("version", "submitted_at"),
    )
    if is_national(plan):
        return version  # its document is the approved plan the city uploaded; nothing to print
    from ..tasks import render_version_pdf

    # robust: a failed render is logged and retried by the worker; it never undoes the submission.
    transaction.on_commit(lambda: render_version_pdf.delay(version.pk), robust=True)
    return version


@transaction.atomic
def plan_accept(*, actor, plan: PilotPlan) -> PilotPlan:
    plan = lock_plan(plan)
    require_status(plan, Status.SUBMITTED)
    if is_national(plan):
        # A national SME city pilot was reviewed nationally: no expert review, no notice; it waits for the approval.
        return move_plan(
            plan, actor=actor, action="plan.accept_national", to=Status.SELECTED, extra={"version": plan.version}
        )
    return move_plan(plan, actor=actor, action="plan.accept", to=Status.ACCEPTED, extra={"version": plan.version})


@transaction.atomic
def plan_return(*, actor, plan: PilotPlan, reasons: str) -> PilotPlan:
    """Back to the bureau with reasons; the plan keeps everything."""
    plan = lock_plan(plan)
    require_status(plan, Status.SUBMITTED)
    if not reasons.strip():
        raise ValidationError(_("退回时请写明原因。"), code="reasons_required")
    plan.return_reasons = reasons.strip()
    return move_plan(
        plan,
        actor=actor,
        action="plan.return",
        to=Status.RETURNED,
        extra={"reasons": plan.return_reasons},
        fields=("return_reasons",),
    )

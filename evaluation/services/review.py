"""Starting a call's expert review and assigning experts to its plans (the coordinator's part).

Locks are always taken in the same order: the call, then the plan, then the assignment."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from pilots.models import PilotCall, PilotPlan
from pilots.services import move_plan, require_status

from ..models import Assignment, CallReview, ExpertProfile
from ..permissions import REVIEW_STARTED, agency_of, is_coordinator, review_of, submissions_over

Status = Assignment.Status


def lock_call(call: PilotCall) -> PilotCall:
    return PilotCall.objects.select_for_update().get(pk=call.pk)


def require_agency(actor):
    """The acting coordinator's review agency."""
    if not is_coordinator(actor):
        raise ValidationError(_("只有第三方评审机构的协调人可以执行此操作。"), code="not_coordinator")
    return agency_of(actor)


def lock_call_in_review(*, actor, call: PilotCall) -> PilotCall:
    """The call, locked, after checking that its review runs and that the actor's agency runs it."""
    agency = require_agency(actor)
    call = lock_call(call)
    review = review_of(call)
    if review is None or review.agency_id != agency.pk:
        raise ValidationError(_("本批次的专家评审不由您所在的机构组织。"), code="other_agency")
    if call.status != PilotCall.Status.IN_REVIEW:
        raise ValidationError(
            _("批次当前状态为“%(status)s”，评审已结束，不能再修改。") % {"status": call.get_status_display()},
            code="review_over",
        )
    return call


@transaction.atomic
def review_start(*, actor, call: PilotCall) -> CallReview:
    """Start the call's expert review: the call goes to "in review", so does every accepted plan (each
    locked and moved through pilots.services.move_plan, which wakes its process). The actor's agency
    runs the review from now on. Refused while a plan still waits for its completeness check."""
    agency = require_agency(actor)
    call = lock_call(call)
    if review_of(call) is not None or call.status in REVIEW_STARTED:
        raise ValidationError(_("本批次的专家评审已经启动。"), code="already_started")
    if not submissions_over(call):
        raise ValidationError(_("本批次尚未截止申报，不能启动专家评审。"), code="not_closed")
    waiting = list(
        PilotPlan.objects.filter(call=call, status=PilotPlan.Status.SUBMITTED)
        .select_related("region")
        .order_by("region__code")
    )
    if waiting:
        raise ValidationError(
            _("尚有%(count)s份方案未完成形式审查（%(regions)s），请工信厅完成形式审查后再启动专家评审。")
            % {"count": len(waiting), "regions": "、".join(plan.region.name for plan in waiting)},
            code="checks_pending",
        )
    plans = list(
        PilotPlan.objects.select_for_update(of=("self",))
        .select_related("region")
        .filter(call=call, status=PilotPlan.Status.ACCEPTED)
        .order_by("pk")
    )
    if not plans:
        raise ValidationError(_("本批次没有通过形式审查的方案，无需启动专家评审。"), code="no_plans")
    now = timezone.now()
    review = CallReview.objects.create(call=call, agency=agency, started_by=actor, started_at=now)
    before = call.status
    call.status = PilotCall.Status.IN_REVIEW
    call.save(update_fields=["status"])
    record_event(
        actor=actor,
        action="call.review_start",
        target=call,
        changes={"status": [before, call.status], "agency": agency.name, "plans": len(plans)},
    )
    for plan in plans:
        move_plan(plan, actor=actor, action="plan.review_start", to=PilotPlan.Status.IN_REVIEW)
    return review


def _screening_problems(expert: ExpertProfile, plan: PilotPlan) -> list[str]:
    from .. import matching
    from ..selectors import plan_facts

    facts = plan_facts([plan])[plan.pk]
    expert = ExpertProfile.objects.select_related("home_region").get(pk=expert.pk)
    return matching.conflict_reasons(matching.expert_facts(expert), facts)


@transaction.atomic
def assignment_create(*, actor, plan: PilotPlan, expert: ExpertProfile) -> Assignment:
    """Assign an expert of the actor's agency to a plan in review (status "pending": the expert must
    declare no conflict before seeing the plan). Refused for an expert screened out (same reasons as
    the suggestion shows), inactive, already on the plan, or when the plan has its experts already."""
    call = lock_call_in_review(actor=actor, call=plan.call)
    plan = PilotPlan.objects.select_for_update(of=("self",)).select_related("region", "applicant").get(pk=plan.pk)
    require_status(plan, PilotPlan.Status.IN_REVIEW)
    expert = ExpertProfile.objects.select_related("user__membership", "home_region").get(pk=expert.pk)
    membership = getattr(expert.user, "membership", None)
    if membership is None or membership.organisation_id != call.review.agency_id:
        raise ValidationError(_("该专家不在本机构的专家库中。"), code="not_in_pool")
    if not expert.is_active:
        raise ValidationError(_("%(name)s已停用，不能分配。") % {"name": expert.full_name}, code="inactive")
    existing = {a.expert_id: a for a in Assignment.objects.filter(plan=plan)}
    if expert.pk in existing:
        if existing[expert.pk].status == Status.DECLINED:
            message = _("%(name)s已对本方案申请回避，请分配其他专家。")
        else:
            message = _("%(name)s已分配评审本方案。")
        raise ValidationError(message % {"name": expert.full_name}, code="already_assigned")
    active = sum(1 for a in existing.values() if a.status != Status.DECLINED)
    if active >= call.experts_per_plan:
        raise ValidationError(
            _("本方案已有%(count)s位评审专家，达到每份方案%(needed)s位的要求，无需再分配。")
            % {"count": active, "needed": call.experts_per_plan},
            code="enough_experts",
        )
    reasons = _screening_problems(expert, plan)
    if reasons:
        raise ValidationError(
            [_("%(name)s存在利益冲突，不能分配：") % {"name": expert.full_name}, *reasons], code="conflict"
        )
    assignment = Assignment(plan=plan, expert=expert, assigned_by=actor, assigned_at=timezone.now())
    assignment.full_clean()
    assignment.save()
    record_event(
        actor=actor,
        action="assignment.create",
        target=assignment,
        changes={"status": [None, assignment.status], "plan": plan.title, "expert": expert.full_name},
    )
    return assignment


@transaction.atomic
def assignments_create_many(*, actor, call: PilotCall, pairs: list[tuple[int, int]]) -> list[Assignment]:
    """Create the suggested (plan id, expert id) assignments of one call, all or none: each goes through
    every check of ``assignment_create``; the first refusal undoes them all."""
    if not pairs:
        raise ValidationError(_("没有选择要分配的专家。"), code="empty")
    plans = PilotPlan.objects.select_related("region", "call").in_bulk({plan_id for plan_id, _expert in pairs})
    experts = ExpertProfile.objects.in_bulk({expert_id for _plan, expert_id in pairs})
    created = []
    for plan_id, expert_id in pairs:
        plan, expert = plans.get(plan_id), experts.get(expert_id)
        if plan is None or expert is None or plan.call_id != call.pk:
            raise ValidationError(_("分配建议已失效，请刷新页面后重试。"), code="stale")
        try:
            created.append(assignment_create(actor=actor, plan=plan, expert=expert))
        except ValidationError as error:
            raise ValidationError(
                [_("%(region)s：") % {"region": plan.region.name} + message for message in error.messages],
                code="refused",
            ) from error
    return created

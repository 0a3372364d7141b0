"""Running the pilot-plan flow: each task is completed in the same transaction as the domain service
that decides it, under the process lock, so a double click or a concurrent colleague finds the task
already done and changes nothing."""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from pilots import services as pilot_services
from pilots.models import PilotCall, PilotPlan

from .flows import PilotPlanFlow
from .models import PilotPlanProcess

T = TypeVar("T")
OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def open_task(plan: PilotPlan, node) -> Task | None:
    return (
        Task.objects.filter(process__pilotplanprocess__plan=plan, flow_task=node, status__in=OPEN)
        .order_by("-created")
        .first()
    )


@transaction.atomic
def plan_start(*, actor, call: PilotCall) -> PilotPlan:
    plan = pilot_services.plan_create(actor=actor, call=call)
    PilotPlanFlow.start.run(plan=plan)
    return plan


def complete_plan_task(*, actor, plan: PilotPlan, node, decide: Callable[[], T]) -> T:
    """Lock the plan, then its process; check the task is still open, let the domain decide, complete the task.

    Lock order: the plan row before the process row, as on every other path. The call-level steps (review
    start, final list) lock their plans and then wake each plan's process (workflows.orchestration); taking
    the process first here would let the two wait for each other."""
    process_pk = PilotPlanProcess.objects.filter(plan=plan).values_list("pk", flat=True).first()
    if process_pk is None:
        raise ValidationError(_("该方案没有关联的办理流程。"))
    with transaction.atomic():
        PilotPlan.objects.select_for_update().filter(pk=plan.pk).exists()
        with PilotPlanFlow.lock(process_pk):
            task = open_task(plan, node)
            if task is None:
                raise ValidationError(
                    _("该事项已经办理过了（可能是重复点击，或已由他人处理），请刷新页面查看最新状态。")
                )
            result = decide()
            activation = node.activation_class(task)
            if task.status == STATUS.NEW:
                activation.assign(actor)
            if task.status == STATUS.ASSIGNED:
                activation.start(None)
            activation.execute()
    return result


def plan_send_to_cosign(*, actor, plan: PilotPlan) -> PilotPlan:
    return complete_plan_task(
        actor=actor,
        plan=plan,
        node=PilotPlanFlow.draft,
        decide=lambda: pilot_services.plan_send_to_cosign(actor=actor, plan=plan),
    )


def plan_submit(*, actor, plan: PilotPlan):
    return complete_plan_task(
        actor=actor,
        plan=plan,
        node=PilotPlanFlow.draft,
        decide=lambda: pilot_services.plan_submit(actor=actor, plan=plan),
    )


def plan_cosign(*, actor, plan: PilotPlan, comment: str = "") -> PilotPlan:
    return complete_plan_task(
        actor=actor,
        plan=plan,
        node=PilotPlanFlow.cosign,
        decide=lambda: pilot_services.plan_cosign(actor=actor, plan=plan, comment=comment),
    )


def plan_return_from_cosign(*, actor, plan: PilotPlan, comment: str) -> PilotPlan:
    return complete_plan_task(
        actor=actor,
        plan=plan,
        node=PilotPlanFlow.cosign,
        decide=lambda: pilot_services.plan_return_from_cosign(actor=actor, plan=plan, comment=comment),
    )


def plan_accept(*, actor, plan: PilotPlan) -> PilotPlan:
    return complete_plan_task(
        actor=actor,
        plan=plan,
        node=PilotPlanFlow.completeness_check,
        decide=lambda: pilot_services.plan_accept(actor=actor, plan=plan),
    )


def plan_return(*, actor, plan: PilotPlan, reasons: str) -> PilotPlan:
    return complete_plan_task(
        actor=actor,
        plan=plan,
        node=PilotPlanFlow.completeness_check,
        decide=lambda: pilot_services.plan_return(actor=actor, plan=plan, reasons=reasons),
    )

"""The pilot-plan flow. Nodes only orchestrate: every decision is made by pilots.services, called
from the task views in workflows.views, which complete the task in the same transaction.

    start → draft ─┬─(sent to co-sign)→ cosign → draft
                   └─(submitted)→ completeness_check ─┬─(accepted)→ awaiting_review → awaiting_list ─┐
                                                      ├─(national SME city pilot: selected)→ draft_approval
                                                      └─(returned)→ draft                             │
    ┌──────────────────────────────────────────────────────────────────────────────────────────────┘
    └─(selected)→ draft_approval → approve ─(approved)→ end;  (not selected)→ end;  (returned)→ draft_approval
"""

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from pilots.models import PilotCall, PilotPlan

from .models import PilotPlanProcess


def _national_and_selected(activation) -> bool:
    plan = activation.process.plan
    return plan.call.kind == PilotCall.Kind.NATIONAL_SME_CITY and plan.status == PilotPlan.Status.SELECTED


def _to_task_page(request, process_pk=None, task_pk=None, **kwargs):
    # viewflow's stock task URLs lead to our own task page, which checks object permissions.
    return redirect("workflows:task", task_pk=task_pk)


class PilotPlanFlow(flow.Flow):
    process_class = PilotPlanProcess
    process_title = _("试点总体方案申报")
    lock_impl = lock.SelectForUpdateLock(nowait=False)

    start = flow.StartHandle(this.start_process).Next(this.draft)

    draft = (
        flow.View(_to_task_page)
        .Annotation(title=_("编辑并提交总体方案"))
        .Permission("pilots.draft_pilotplan")
        .Next(this.after_draft)
    )
    after_draft = (
        flow.Switch()
        .Case(this.cosign, lambda activation: activation.process.plan.status == PilotPlan.Status.COSIGNING)
        .Default(this.completeness_check)
    )
    cosign = (
        flow.View(_to_task_page)
        .Annotation(title=_("会签资金计划"))
        .Permission("pilots.cosign_pilotplan")
        .Next(this.draft)
    )
    completeness_check = (
        flow.View(_to_task_page)
        .Annotation(title=_("形式审查"))
        .Permission("pilots.check_pilotplan")
        .Next(this.after_check)
    )
    # A national SME city pilot (PilotCall.Kind.NATIONAL_SME_CITY) was reviewed nationally: once the check
    # accepts it, it is SELECTED at once and goes straight to the approval (no expert review, no notice).
    after_check = (
        flow.Switch()
        .Case(this.awaiting_review, lambda activation: activation.process.plan.status == PilotPlan.Status.ACCEPTED)
        .Case(this.draft_approval, _national_and_selected)
        .Default(this.draft)
    )
    # Woken by workflows.orchestration when the plan's status says the call moved on.
    awaiting_review = flow.Handle().Annotation(title=_("等待专家评审")).Next(this.awaiting_list)
    awaiting_list = flow.Handle().Annotation(title=_("评审、排名与公示")).Next(this.after_list)
    after_list = (
        flow.If(lambda activation: activation.process.plan.status == PilotPlan.Status.SELECTED)
        .Then(this.draft_approval)
        .Else(this.end)
    )
    draft_approval = (
        flow.View(_to_task_page).Annotation(title=_("起草批复")).Permission("pilots.draft_approval").Next(this.approve)
    )
    approve = (
        flow.View(_to_task_page)
        .Annotation(title=_("审批批复"))
        .Permission("pilots.approve_approval")
        .Next(this.after_approve)
    )
    after_approve = (
        flow.If(lambda activation: activation.process.plan.status == PilotPlan.Status.APPROVED)
        .Then(this.end)
        .Else(this.draft_approval)
    )
    end = flow.End()

    def start_process(self, activation, plan: PilotPlan):
        activation.process.plan = plan
        return activation.process

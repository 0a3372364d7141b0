"""The pilot-plan flow. Nodes only orchestrate: every decision is made by pilots.services, called
from the task views in workflows.views, which complete the task in the same transaction.

    start → draft ─┬─(sent to co-sign)→ cosign → draft
                   └─(submitted)→ completeness_check ─┬─(accepted)→ awaiting_review → end
                                                      └─(returned)→ draft
"""

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from pilots.models import PilotPlan

from .models import PilotPlanProcess


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
    after_check = (
        flow.If(lambda activation: activation.process.plan.status == PilotPlan.Status.ACCEPTED)
        .Then(this.awaiting_review)
        .Else(this.draft)
    )
    # Woken by the expert-review stage of the call (next issue).
    awaiting_review = flow.Handle(this.review_started).Annotation(title=_("等待专家评审")).Next(this.end)
    end = flow.End()

    def start_process(self, activation, plan: PilotPlan):
        activation.process.plan = plan
        return activation.process

    def review_started(self, activation, **kwargs):
        return activation.process

"""The two approval tasks of the plan flow: the officer drafts the approval (``draft_approval``), the leader
approves or returns it (``approve``). Each completes its viewflow task in the same transaction as the
pilots service that decides it (``services.complete_plan_task``)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.flash import flash_errors
from pilots import services as pilot_services
from pilots.permissions import get_plan_for_user_or_404
from pilots.selectors import fund_totals, plan_detail
from pilots.selectors_money import (
    can_decide_approval,
    can_draft_approval,
    plan_approval,
    requested_subsidy,
    revision_suggestions,
)
from pilots.services.approvals import instalment_schedule

from .flows import PilotPlanFlow
from .services import complete_plan_task, open_task

TEXTAREA = forms.Textarea(attrs={"rows": 5})


class ApprovalForm(forms.Form):
    approved_amount = forms.DecimalField(
        label=gettext_lazy("批复奖补金额（元）"),
        max_digits=16,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )
    conditions = forms.CharField(label=gettext_lazy("批复要求"), widget=TEXTAREA, max_length=10000, required=False)
    revision_requests = forms.CharField(
        label=gettext_lazy("修改完善意见（来自专家评审）"),
        widget=TEXTAREA,
        max_length=10000,
        required=False,
        help_text=gettext_lazy("已按专家评审的修改建议预填，可修改。"),
    )


class LeaderDecisionForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("领导意见"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
        help_text=gettext_lazy("退回时必须填写。"),
    )


@login_required
def approval_draft(request, plan_pk: int):
    plan = plan_detail(request.user, plan_pk)
    if not can_draft_approval(request.user, plan) or open_task(plan, PilotPlanFlow.draft_approval) is None:
        raise Http404
    approval = plan_approval(plan)
    version = plan.versions.all()[0] if plan.versions.all() else None  # prefetched, newest first
    requested = requested_subsidy(version.snapshot) if version else None
    if approval is not None:
        initial = {
            "approved_amount": approval.approved_amount,
            "conditions": approval.conditions,
            "revision_requests": approval.revision_requests,
        }
    else:
        initial = {"approved_amount": requested, "revision_requests": revision_suggestions(plan)}
    form = ApprovalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complete_plan_task(
                actor=request.user,
                plan=plan,
                node=PilotPlanFlow.draft_approval,
                decide=lambda: pilot_services.approval_draft(
                    actor=request.user,
                    plan=plan,
                    approved_amount=data["approved_amount"],
                    conditions=data["conditions"],
                    revision_requests=data["revision_requests"],
                ),
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("批复已起草，已送领导审批。"))
            return redirect("pilots:plan_detail", pk=plan.pk)
    return render(
        request,
        "pilots/approval_form.html",
        {
            "plan": plan,
            "approval": approval,
            "version": version,
            "requested": requested,
            "form": form,
            "fund_lines": plan.fund_lines.all(),
            "fund_totals": fund_totals(plan),
        },
    )


@login_required
def approval_approve(request, plan_pk: int):
    plan = get_plan_for_user_or_404(request.user, plan_pk)
    approval = plan_approval(plan)
    if (
        approval is None
        or not can_decide_approval(request.user, approval)
        or open_task(plan, PilotPlanFlow.approve) is None
    ):
        raise Http404
    form = LeaderDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        comment = form.cleaned_data["comment"]
        returning = request.POST.get("decision") == "return"
        try:
            complete_plan_task(
                actor=request.user,
                plan=plan,
                node=PilotPlanFlow.approve,
                decide=(
                    (lambda: pilot_services.approval_return(actor=request.user, approval=approval, comment=comment))
                    if returning
                    else (lambda: pilot_services.approval_approve(actor=request.user, approval=approval))
                ),
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            if returning:
                messages.success(request, _("批复已退回经办人修改。"))
            else:
                approval.refresh_from_db()
                messages.success(request, _("已批复，批复文号%(number)s。") % {"number": approval.number})
            return redirect("pilots:plan_detail", pk=plan.pk)
    return render(
        request,
        "pilots/approval_decide.html",
        {
            "plan": plan,
            "approval": approval,
            "schedule": instalment_schedule(plan.call, approval.approved_amount),
            "form": form,
        },
    )

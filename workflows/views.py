"""Task pages and actions of the pilot-plan flow, and the home page. Thin: check, call one service,
redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task

from accounts.permissions import organisation_of, roles_of
from accounts.roles import Role
from pilots.forms import CosignCommentForm, ReturnReasonsForm
from pilots.models import PilotCall
from pilots.permissions import (
    can_check_plan,
    can_cosign_plan,
    can_create_plan,
    can_edit_plan,
    can_manage_calls,
    get_call_for_user_or_404,
    get_plan_for_user_or_404,
)
from pilots.selectors import calls_visible_to, fund_totals, plan_detail
from pilots.services import submission_problems

from . import services
from .flows import PilotPlanFlow
from .selectors import inbox
from .services import OPEN


@login_required
def home(request):
    """The landing page of every role: who I am, my inbox, what I can start."""
    user = request.user
    startable = []
    if can_manage_calls(user):
        startable.append({"title": _("新建试点申报批次"), "url": reverse("pilots:call_create"), "help": ""})
    if can_create_plan(user):
        for call in calls_visible_to(user).filter(status="open"):
            if call.accepts_submissions():
                startable.append(
                    {
                        "title": _("申报：%(call)s") % {"call": call.title},
                        "url": reverse("pilots:call_detail", args=[call.pk]),
                        "help": _("截止 %(deadline)s")
                        % {"deadline": timezone.localtime(call.deadline).strftime("%Y-%m-%d %H:%M")},
                    }
                )
    return render(
        request,
        "workflows/home.html",
        {
            "roles": [Role(name) for name in sorted(roles_of(user)) if name in Role.values],
            "organisation": organisation_of(user),
            "tasks": inbox(user),
            "startable": startable,
        },
    )


@login_required
def inbox_page(request):
    return render(request, "workflows/inbox.html", {"tasks": inbox(request.user, limit=500)})


def _task_for_user_or_404(user, task_pk: int):
    task = Task.objects.filter(pk=task_pk, status__in=OPEN).select_related("process").first()
    if task is None or task.flow_task not in (
        PilotPlanFlow.draft,
        PilotPlanFlow.cosign,
        PilotPlanFlow.completeness_check,
        PilotPlanFlow.draft_approval,
        PilotPlanFlow.approve,
    ):
        raise Http404
    plan = get_plan_for_user_or_404(user, task.process.pilotplanprocess.plan_id)
    return task, plan


@login_required
def task(request, task_pk: int):
    task, plan = _task_for_user_or_404(request.user, task_pk)
    if task.flow_task == PilotPlanFlow.draft:
        if not can_edit_plan(request.user, plan):
            raise Http404
        return redirect("pilots:plan_detail", pk=plan.pk)
    if task.flow_task == PilotPlanFlow.cosign:
        return redirect("workflows:plan_cosign", plan_pk=plan.pk)
    if task.flow_task == PilotPlanFlow.draft_approval:
        return redirect("workflows:approval_draft", plan_pk=plan.pk)
    if task.flow_task == PilotPlanFlow.approve:
        return redirect("workflows:approval_approve", plan_pk=plan.pk)
    return redirect("workflows:plan_check", plan_pk=plan.pk)


@login_required
@require_POST
def plan_start(request, call_pk: int):
    call = get_call_for_user_or_404(request.user, call_pk)
    if not can_create_plan(request.user):
        raise Http404
    try:
        plan = services.plan_start(actor=request.user, call=call)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("pilots:call_detail", pk=call.pk)
    messages.success(request, _("总体方案已创建，请按提纲逐项填写。"))
    return redirect("pilots:plan_detail", pk=plan.pk)


def _run(request, plan, action, success: str):
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return False
    messages.success(request, success)
    return True


@login_required
@require_POST
def plan_send_to_cosign(request, plan_pk: int):
    plan = get_plan_for_user_or_404(request.user, plan_pk)
    if not can_edit_plan(request.user, plan):
        raise Http404
    _run(
        request,
        plan,
        lambda: services.plan_send_to_cosign(actor=request.user, plan=plan),
        _("已送同级财政局会签。"),
    )
    return redirect("pilots:plan_detail", pk=plan.pk)


@login_required
@require_POST
def plan_submit(request, plan_pk: int):
    plan = get_plan_for_user_or_404(request.user, plan_pk)
    if not can_edit_plan(request.user, plan):
        messages.error(request, _("方案当前状态不能提交（可能已经提交过了），请刷新页面。"))
        return redirect("pilots:plan_detail", pk=plan.pk)
    _run(
        request,
        plan,
        lambda: services.plan_submit(actor=request.user, plan=plan),
        _("方案已提交，已冻结为新版本，等待自治区工信厅形式审查。"),
    )
    return redirect("pilots:plan_detail", pk=plan.pk)


@login_required
def plan_cosign(request, plan_pk: int):
    plan = plan_detail(request.user, plan_pk)
    if not can_cosign_plan(request.user, plan):
        raise Http404
    form = CosignCommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        comment = form.cleaned_data["comment"]
        if request.POST.get("decision") == "return":
            ok = _run(
                request,
                plan,
                lambda: services.plan_return_from_cosign(actor=request.user, plan=plan, comment=comment),
                _("已退回申报单位。"),
            )
        else:
            ok = _run(
                request,
                plan,
                lambda: services.plan_cosign(actor=request.user, plan=plan, comment=comment),
                _("已会签。"),
            )
        if ok:
            return redirect("pilots:plan_detail", pk=plan.pk)
    return render(
        request,
        "workflows/plan_cosign.html",
        {"plan": plan, "form": form, "fund_lines": plan.fund_lines.all(), "fund_totals": fund_totals(plan)},
    )


@login_required
def plan_check(request, plan_pk: int):
    plan = plan_detail(request.user, plan_pk)
    if not can_check_plan(request.user, plan):
        raise Http404
    form = ReturnReasonsForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("decision") == "accept":
            if _run(request, plan, lambda: services.plan_accept(actor=request.user, plan=plan), _("形式审查通过。")):
                return redirect("pilots:plan_detail", pk=plan.pk)
        elif form.is_valid():
            reasons = form.cleaned_data["reasons"]
            if _run(
                request,
                plan,
                lambda: services.plan_return(actor=request.user, plan=plan, reasons=reasons),
                _("已退回申报单位修改。"),
            ):
                return redirect("pilots:plan_detail", pk=plan.pk)
    return render(
        request,
        "workflows/plan_check.html",
        {
            "plan": plan,
            "form": form,
            "fund_lines": plan.fund_lines.all(),
            "fund_totals": fund_totals(plan),
            "problems": submission_problems(plan, now=plan.submitted_at),
            "national": plan.call.kind == PilotCall.Kind.NATIONAL_SME_CITY,
        },
    )

"""The preliminary list of a call: the officer proposes it from the ranking, the leader approves or returns
it, the officer publishes the notice and makes the list final. Thin: check, one service call, redirect."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.flash import flash_errors

from .. import selectors_money, services
from ..models import PilotCall, Selection
from ..permissions import get_call_for_user_or_404
from ..selectors_money import (
    call_notice,
    can_decide_selection,
    can_propose_selection,
    can_view_selection,
    get_selection_for_user_or_404,
    selection_entries,
    selections_of,
)
from ..services.selection import default_selection


class ProposalForm(forms.Form):
    deviation_reason = forms.CharField(
        label=gettext_lazy("未按排名遴选的理由"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
        help_text=gettext_lazy("所选名单与按排名遴选的结果不一致时必须填写。"),
    )


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("领导意见"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
        help_text=gettext_lazy("退回时必须填写。"),
    )


def _selection_call_or_404(user, call_pk: int) -> PilotCall:
    if not can_view_selection(user):
        raise Http404
    return get_call_for_user_or_404(user, call_pk)


@login_required
def selection_page(request, call_pk: int):
    """The call's list at every stage: the ranking and the proposal form, the lists proposed so far, the
    notice and its state."""
    call = _selection_call_or_404(request.user, call_pk)
    selections = selections_of(call)
    live = next((s for s in selections if s.status in (Selection.Status.PROPOSED, Selection.Status.APPROVED)), None)
    may_propose = can_propose_selection(request.user) and call.status == PilotCall.Status.RANKED and live is None
    form = ProposalForm(request.POST or None)
    ranking, chosen = [], set()
    if call.status == PilotCall.Status.RANKED:
        ranking = selectors_money.ranked_plans(call)
        chosen = set(default_selection(call, ranking))
        returned = next((s for s in selections if s.status == Selection.Status.RETURNED), None)
        if returned is not None and live is None:  # start again from the list the leader returned
            chosen = {entry.plan_id for entry in returned.entries.all() if entry.selected}
            form.initial["deviation_reason"] = returned.deviation_reason
    if request.method == "POST":
        if not may_propose:
            raise Http404
        chosen = {int(pk) for pk in request.POST.getlist("plans") if pk.isdigit()}
        if form.is_valid():
            try:
                services.selection_propose(
                    actor=request.user,
                    call=call,
                    selected_plan_ids=sorted(chosen),
                    deviation_reason=form.cleaned_data["deviation_reason"],
                )
            except ValidationError as error:
                flash_errors(request, error)
            else:
                messages.success(request, _("初步名单已提交领导审批。"))
                return redirect("pilots:selection", call_pk=call.pk)
    notice = call_notice(call) if call.status in (PilotCall.Status.IN_NOTICE, PilotCall.Status.FINAL) else None
    can_finalise, finalise_reasons = False, []
    if notice is not None and call.status == PilotCall.Status.IN_NOTICE:
        from notices.services import notice_can_finalise

        if notice.status == notice.Status.FINAL:
            can_finalise = True
        else:
            can_finalise, finalise_reasons = notice_can_finalise(notice)
    default = set(default_selection(call, ranking)) if ranking else set()
    return render(
        request,
        "pilots/selection.html",
        {
            "call": call,
            "ranking": [
                {"line": line, "checked": line.plan.pk in chosen, "default": line.plan.pk in default}
                for line in ranking
            ],
            "form": form,
            "may_propose": may_propose,
            "live": live,
            "selections": selections,
            "notice": notice,
            "may_publish": (
                can_propose_selection(request.user)
                and live is not None
                and live.status == Selection.Status.APPROVED
                and call.status == PilotCall.Status.RANKED
            ),
            "may_decide": live is not None and can_decide_selection(request.user, live),
            "may_finalise": can_propose_selection(request.user) and call.status == PilotCall.Status.IN_NOTICE,
            "can_finalise": can_finalise,
            "finalise_reasons": finalise_reasons,
        },
    )


@login_required
def selection_decide(request, pk: int):
    """The leader's page: the proposed list against the ranking, approve or return with a comment."""
    selection = get_selection_for_user_or_404(request.user, pk)
    if not can_decide_selection(request.user, selection):
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        comment = form.cleaned_data["comment"]
        try:
            if request.POST.get("decision") == "return":
                services.selection_return(actor=request.user, selection=selection, comment=comment)
                messages.success(request, _("已退回经办人修改。"))
            else:
                services.selection_approve(actor=request.user, selection=selection, comment=comment)
                messages.success(request, _("初步名单已批准，经办人可发布公示。"))
        except ValidationError as error:
            flash_errors(request, error)
        else:
            return redirect("pilots:selection", call_pk=selection.call_id)
    return render(
        request,
        "pilots/selection_decide.html",
        {"selection": selection, "call": selection.call, "entries": selection_entries(selection), "form": form},
    )


@login_required
@require_POST
def selection_publish(request, pk: int):
    selection = get_selection_for_user_or_404(request.user, pk)
    if not can_propose_selection(request.user):
        raise Http404
    try:
        notice = services.selection_publish(actor=request.user, selection=selection)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(
            request,
            _("公示已发布，公示期为%(start)s至%(end)s（按工作日计算）。")
            % {"start": notice.starts_on.strftime("%Y-%m-%d"), "end": notice.ends_on.strftime("%Y-%m-%d")},
        )
    return redirect("pilots:selection", call_pk=selection.call_id)


@login_required
@require_POST
def selection_finalise(request, call_pk: int):
    call = _selection_call_or_404(request.user, call_pk)
    if not can_propose_selection(request.user):
        raise Http404
    try:
        services.selection_finalise(actor=request.user, call=call)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("名单已确定，入选盟市进入批复环节，已通知各盟市工信局。"))
    return redirect("pilots:selection", call_pk=call.pk)

"""After the evaluations: the leader's clawback form, the Finance Department's recovery queue and form, and the
officer's acceptance form. Thin: check → read → one service call → redirect."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.flash import flash_errors

from .. import services
from ..pdf import format_money
from ..selectors_money import (
    can_decide_clawback,
    can_record_acceptance,
    can_record_clawback,
    can_view_payments_list,
    clawbacks_to_record,
    failed_evaluation_id,
    get_approved_plan_for_user_or_404,
    get_clawback_for_user_or_404,
    money_of,
    plan_clawbacks,
    recent_recoveries,
)


class ClawbackForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("收回金额（元）"),
        max_digits=16,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )
    reason = forms.CharField(label=gettext_lazy("收回理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class RecoveryForm(forms.Form):
    recovered_on = forms.DateField(
        label=gettext_lazy("收回日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    voucher_number = forms.CharField(label=gettext_lazy("收回凭证号"), max_length=60)


class AcceptanceForm(forms.Form):
    summary = forms.CharField(label=gettext_lazy("验收意见"), widget=forms.Textarea(attrs={"rows": 5}), max_length=8000)
    lessons = forms.CharField(
        label=gettext_lazy("经验总结（供复制推广）"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=8000,
        help_text=gettext_lazy("试点形成的可复制、可推广的经验做法。"),
    )


@login_required
def clawback_decide(request, pk: int):
    """The leader's form: what was paid, what was already clawed back and the most that may be clawed back."""
    plan = get_approved_plan_for_user_or_404(request.user, pk)
    if not can_decide_clawback(request.user, plan) or failed_evaluation_id(plan) is None:
        raise Http404
    money = money_of(plan)
    form = ClawbackForm(request.POST or None, initial={"amount": money.max_clawback})
    if request.method == "POST" and form.is_valid():
        try:
            clawback = services.clawback_decide(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(
                request,
                _("已决定收回专项资金%(amount)s元，待自治区财政厅登记收回；未拨付的资金不再拨付。")
                % {"amount": format_money(clawback.amount)},
            )
            return redirect("pilots:plan_detail", pk=plan.pk)
    return render(
        request,
        "pilots/clawback_decide.html",
        {"plan": plan, "money": money, "clawbacks": plan_clawbacks(plan), "form": form},
    )


@login_required
def clawback_list(request):
    """The Finance Department's queue of decided clawbacks and the recoveries recorded lately."""
    if not can_view_payments_list(request.user):
        raise Http404
    return render(
        request,
        "pilots/clawbacks.html",
        {
            "clawbacks": clawbacks_to_record(),
            "recoveries": recent_recoveries(),
            "can_record": can_record_clawback(request.user),
        },
    )


@login_required
def clawback_record(request, pk: int):
    clawback = get_clawback_for_user_or_404(request.user, pk)
    if not can_record_clawback(request.user):
        raise Http404
    if not can_record_clawback(request.user, clawback):
        messages.error(request, _("该笔收回资金已经登记，不能重复登记。"))
        return redirect("pilots:clawbacks")
    form = RecoveryForm(request.POST or None, initial={"recovered_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.clawback_record(actor=request.user, clawback=clawback, **form.cleaned_data)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("收回资金已登记。"))
            return redirect("pilots:clawbacks")
    return render(request, "pilots/clawback_record.html", {"clawback": clawback, "plan": clawback.plan, "form": form})


@login_required
def acceptance_record(request, pk: int):
    plan = get_approved_plan_for_user_or_404(request.user, pk)
    if not can_record_acceptance(request.user, plan):
        raise Http404
    form = AcceptanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.acceptance_record(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("试点已验收，验收后奖补资金进入待拨付。"))
            return redirect("pilots:plan_detail", pk=plan.pk)
    return render(request, "pilots/acceptance_form.html", {"plan": plan, "money": money_of(plan), "form": form})

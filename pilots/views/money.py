"""The subsidy in instalments: the Finance Department's list of due instalments and the payment form."""

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
from ..models import Instalment
from ..selectors_money import (
    can_record_payment,
    can_view_payments_list,
    get_instalment_for_user_or_404,
    instalments_due,
    recent_payments,
)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("拨付金额（元）"),
        max_digits=16,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )
    paid_on = forms.DateField(
        label=gettext_lazy("拨付日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    voucher_number = forms.CharField(label=gettext_lazy("凭证号"), max_length=60)


@login_required
def instalment_list(request):
    if not can_view_payments_list(request.user):
        raise Http404
    return render(
        request,
        "pilots/instalments.html",
        {
            "instalments": instalments_due(),
            "payments": recent_payments(),
            "can_pay": can_record_payment(request.user),
        },
    )


@login_required
def payment_record(request, pk: int):
    instalment = get_instalment_for_user_or_404(request.user, pk)
    if not can_record_payment(request.user):
        raise Http404
    if instalment.status != Instalment.Status.DUE:
        messages.error(
            request, _("该期资金当前状态为“%(status)s”，不能登记拨付。") % {"status": instalment.get_status_display()}
        )
        return redirect("pilots:instalments")
    form = PaymentForm(request.POST or None, initial={"amount": instalment.amount, "paid_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_record(actor=request.user, instalment=instalment, **form.cleaned_data)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("拨付已登记。"))
            return redirect("pilots:instalments")
    return render(
        request, "pilots/instalments_pay.html", {"instalment": instalment, "plan": instalment.plan, "form": form}
    )

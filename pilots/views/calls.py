from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import is_province_wide_reader

from .. import services
from ..forms import CallForm
from ..models import TargetTemplate
from ..permissions import can_create_plan, can_manage_calls, get_call_for_user_or_404
from ..selectors import calls_visible_to, plan_list


@login_required
def call_list(request):
    return render(
        request,
        "pilots/call_list.html",
        {"calls": calls_visible_to(request.user), "can_manage": can_manage_calls(request.user)},
    )


@login_required
def call_create(request):
    if not can_manage_calls(request.user):
        raise Http404
    template = TargetTemplate.objects.order_by("created_at").first()
    form = CallForm(request.POST or None, initial={"target_template": template})
    if request.method == "POST" and form.is_valid():
        call = services.call_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("申报批次已创建（草稿）。确认无误后请点击“发布”。"))
        return redirect("pilots:call_detail", pk=call.pk)
    return render(request, "pilots/call_form.html", {"form": form})


@login_required
def call_detail(request, pk: int):
    call = get_call_for_user_or_404(request.user, pk)
    plans = plan_list(request.user, call=call)
    own_plan = next((plan for plan in plans if can_create_plan(request.user)), None)
    return render(
        request,
        "pilots/call_detail.html",
        {
            "call": call,
            "plans": plans,
            "criteria": call.criteria.all(),
            "indicators": call.target_template.indicators.all(),
            "can_manage": can_manage_calls(request.user),
            "show_review_links": can_manage_calls(request.user) or is_province_wide_reader(request.user),
            "can_create_plan": can_create_plan(request.user) and own_plan is None and call.accepts_submissions(),
        },
    )


@login_required
@require_POST
def call_open(request, pk: int):
    call = get_call_for_user_or_404(request.user, pk)
    if not can_manage_calls(request.user):
        raise Http404
    try:
        services.call_open(actor=request.user, call=call)
        messages.success(request, _("批次已发布，盟市现在可以申报。"))
    except (ValueError, ValidationError):
        messages.error(request, _("只有草稿状态的批次可以发布。"))
    return redirect("pilots:call_detail", pk=call.pk)

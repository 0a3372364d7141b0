"""The Department's pages inside the portal shell (under /notices/manage/): notices and their objections,
the leader's confirmation, finalising, and the holiday corrections. The auditor reads them all."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.flash import flash_errors

from .. import services
from ..forms import ConfirmForm, HolidayOverrideForm, ProposeForm, ReturnForm
from ..models import Objection
from ..permissions import (
    can_confirm_objection,
    can_finalise_notice,
    can_investigate_objection,
    can_list_notices,
    can_manage_holidays,
    can_view_holidays,
    get_holiday_override_for_user_or_404,
    get_notice_for_user_or_404,
    get_objection_for_user_or_404,
)
from ..selectors import holiday_overrides, notice_detail, notice_list


@login_required
def notice_index(request):
    if not can_list_notices(request.user):
        raise Http404
    return render(request, "notices/manage_list.html", {"notices": notice_list(request.user)})


@login_required
def notice_manage(request, pk: int):
    notice, entries, objections = notice_detail(request.user, pk)
    can_finalise = can_finalise_notice(request.user, notice)
    ready, reasons = services.notice_can_finalise(notice)
    return render(
        request,
        "notices/manage_detail.html",
        {
            "notice": notice,
            "entries": entries,
            "objections": objections,
            "can_finalise": can_finalise,
            "ready": ready,
            "reasons": reasons,
        },
    )


@login_required
@require_POST
def notice_finalise(request, pk: int):
    notice = get_notice_for_user_or_404(request.user, pk, check=can_finalise_notice)
    try:
        services.notice_finalise(actor=request.user, notice=notice)
        messages.success(request, _("公示结果已确定。"))
    except ValidationError as error:
        flash_errors(request, error)
    return redirect("notices:notice_manage", pk=notice.pk)


def _objection_page(request, objection: Objection, *, propose_form=None, confirm_form=None, return_form=None):
    user = request.user
    can_investigate = can_investigate_objection(user, objection)
    can_confirm = can_confirm_objection(user, objection)
    initial = {"investigation": objection.investigation, "reason": objection.decision_reason}
    return render(
        request,
        "notices/objection_detail.html",
        {
            "objection": objection,
            "notice": objection.notice,
            "can_investigate": can_investigate,
            "can_confirm": can_confirm,
            "propose_form": propose_form or (ProposeForm(initial=initial) if can_investigate else None),
            "confirm_form": confirm_form or (ConfirmForm(prefix="confirm") if can_confirm else None),
            "return_form": return_form or (ReturnForm(prefix="return") if can_confirm else None),
        },
    )


@login_required
def objection_detail(request, pk: int):
    return _objection_page(request, get_objection_for_user_or_404(request.user, pk))


@login_required
@require_POST
def objection_propose(request, pk: int):
    objection = get_objection_for_user_or_404(request.user, pk, check=can_investigate_objection)
    form = ProposeForm(request.POST)
    if form.is_valid():
        try:
            services.objection_propose(
                actor=request.user,
                objection=objection,
                uphold=form.cleaned_data["decision"],
                investigation=form.cleaned_data["investigation"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("处理意见已提交，待领导确认。"))
        return redirect("notices:objection_detail", pk=objection.pk)
    return _objection_page(request, objection, propose_form=form)


@login_required
@require_POST
def objection_confirm(request, pk: int):
    objection = get_objection_for_user_or_404(request.user, pk, check=can_confirm_objection)
    form = ConfirmForm(request.POST, prefix="confirm")
    if form.is_valid():
        try:
            objection = services.objection_confirm(
                actor=request.user, objection=objection, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("已确认：%(status)s。") % {"status": objection.get_status_display()})
    return redirect("notices:objection_detail", pk=objection.pk)


@login_required
@require_POST
def objection_return(request, pk: int):
    objection = get_objection_for_user_or_404(request.user, pk, check=can_confirm_objection)
    form = ReturnForm(request.POST, prefix="return")
    if form.is_valid():
        try:
            services.objection_return(actor=request.user, objection=objection, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("已退回经办人重新调查。"))
        return redirect("notices:objection_detail", pk=objection.pk)
    return _objection_page(request, objection, return_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def holiday_list(request):
    if not can_view_holidays(request.user):
        raise Http404
    can_manage = can_manage_holidays(request.user)
    form = HolidayOverrideForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if form.is_valid():
            services.holiday_override_create(
                actor=request.user,
                day=form.cleaned_data["date"],
                is_working_day=form.cleaned_data["is_working_day"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("已添加节假日调整。"))
            return redirect("notices:holiday_list")
    return render(
        request,
        "notices/holidays.html",
        {"overrides": holiday_overrides(), "form": form, "can_manage": can_manage},
    )


@login_required
@require_POST
def holiday_delete(request, pk: int):
    override = get_holiday_override_for_user_or_404(request.user, pk)
    services.holiday_override_delete(actor=request.user, override=override)
    messages.success(request, _("已删除 %(date)s 的调整。") % {"date": override.date.isoformat()})
    return redirect("notices:holiday_list")

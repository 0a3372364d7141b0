"""The Department officer's pages of subsidy rounds: create, edit while draft, open, close early, and a
round's page with its applications counted by status. Everyone else gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.permissions import has_role
from accounts.roles import Role

from . import selectors, services
from .forms import RoundForm
from .models import SubsidyApplication, SubsidyRound
from .permissions import get_round_for_user_or_404


def can_manage_rounds(user) -> bool:
    return has_role(user, Role.DEPARTMENT_OFFICER)


def get_round_for_manager_or_404(user, pk) -> SubsidyRound:
    if not can_manage_rounds(user):
        raise Http404
    return get_round_for_user_or_404(user, pk)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _save(request, form, subsidy_round=None):
    data = form.cleaned_data
    kwargs = {
        "actor": request.user,
        "policy": data["policy"],
        "year": data["year"],
        "title": data["title"],
        "opens_at": data["opens_at"],
        "closes_at": data["closes_at"],
        "regions": list(data["regions"]),
        "expert_review_threshold": data["expert_review_threshold"],
        "notice_working_days": data["notice_working_days"],
    }
    if subsidy_round is None:
        return services.round_create(**kwargs)
    return services.round_update(subsidy_round=subsidy_round, **kwargs)


@login_required
def round_form(request, pk: int | None = None):
    if pk is None:
        if not can_manage_rounds(request.user):
            raise Http404
        subsidy_round, initial = None, {"year": selectors.today().year}
    else:
        subsidy_round = get_round_for_manager_or_404(request.user, pk)
        if subsidy_round.status != SubsidyRound.Status.DRAFT:
            messages.error(request, _("只有草稿状态的批次可以修改。"))
            return redirect("applications:round_detail", subsidy_round.pk)
        initial = {
            "policy": subsidy_round.policy,
            "year": subsidy_round.year,
            "title": subsidy_round.title,
            "opens_at": subsidy_round.opens_at,
            "closes_at": subsidy_round.closes_at,
            "regions": list(subsidy_round.regions.all()),
            "expert_review_threshold": subsidy_round.expert_review_threshold,
            "notice_working_days": subsidy_round.notice_working_days,
        }
    form = RoundForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, form, subsidy_round)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("批次已保存：%(title)s") % {"title": saved.title})
            return redirect("applications:round_detail", saved.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "applications/round_form.html", {"form": form, "round": subsidy_round}, status=status)


@login_required
def round_detail(request, pk: int):
    subsidy_round = get_round_for_manager_or_404(request.user, pk)
    counts = selectors.round_status_counts([subsidy_round.pk]).get(subsidy_round.pk, {})
    rows = [(label, counts.get(value, 0)) for value, label in SubsidyApplication.Status.choices]
    return render(
        request,
        "applications/round_detail.html",
        {"round": subsidy_round, "status_rows": rows, "total": sum(counts.values())},
    )


def _confirm(request, pk: int, *, service, question: str, done: str):
    subsidy_round = get_round_for_manager_or_404(request.user, pk)
    if request.method == "POST":
        try:
            service(actor=request.user, subsidy_round=subsidy_round)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
        return redirect("applications:round_detail", subsidy_round.pk)
    return render(request, "applications/round_confirm.html", {"round": subsidy_round, "question": question})


@login_required
def round_open(request, pk: int):
    return _confirm(
        request,
        pk,
        service=services.round_open,
        question=_("开启后企业即可在受理时间内申报，批次内容不能再修改。确定开启受理？"),
        done=_("批次已开启受理。"),
    )


@login_required
def round_close(request, pk: int):
    return _confirm(
        request,
        pk,
        service=services.round_close,
        question=_("提前截止后企业不能再新建或提交申报。确定立即截止？"),
        done=_("批次已截止受理。"),
    )

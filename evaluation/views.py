"""Pages of the expert review. Thin: check (permissions.py) → read (selectors.py) → validate (forms.py)
→ one service call → redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.flash import flash_errors
from accounts.permissions import has_role
from accounts.roles import Role

from . import selectors, services
from .forms import (
    AssignForm,
    ConsensusNoteForm,
    DeclarationForm,
    DeclineForm,
    ExpertForm,
    ReasonForm,
    ScorecardForm,
)
from .models import Assignment
from .permissions import (
    can_manage_call_review,
    can_manage_experts,
    can_view_review_history,
    get_assignment_for_user_or_404,
    get_assignment_of_plan_or_404,
    get_call_for_review_or_404,
    get_expert_for_user_or_404,
    get_plan_review_for_user_or_404,
    get_ranking_report_for_user_or_404,
    is_coordinator,
    is_department_reader,
    review_of,
    submissions_over,
)


def _add_errors(form, error: ValidationError) -> None:
    """A service's errors onto the form: keyed ones at their field (when the form has it), others on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def index(request):
    if has_role(request.user, Role.EXPERT) and not (is_coordinator(request.user) or is_department_reader(request.user)):
        return redirect("evaluation:my_assignments")
    if not (is_coordinator(request.user) or is_department_reader(request.user)):
        return redirect("evaluation:report_list")  # the bureaus and the Finance Department: the reports
    return redirect("evaluation:call_list")


# --- the expert pool -------------------------------------------------------------------------------


@login_required
def expert_list(request):
    if not can_manage_experts(request.user):
        raise Http404
    return render(request, "evaluation/expert_list.html", {"experts": selectors.expert_pool(request.user)})


@login_required
def expert_edit(request, pk: int):
    expert = get_expert_for_user_or_404(request.user, pk)
    initial = {"declared_ties": "\n".join(expert.declared_ties or []), "is_active": expert.is_active}
    form = ExpertForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.expert_update(actor=request.user, expert=expert, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("专家信息已保存。"))
            return redirect("evaluation:expert_list")
    return render(request, "evaluation/expert_form.html", {"expert": expert, "form": form})


# --- calls -----------------------------------------------------------------------------------------


@login_required
def call_list(request):
    if not (is_coordinator(request.user) or is_department_reader(request.user)):
        raise Http404
    return render(request, "evaluation/call_list.html", {"calls": selectors.review_calls(request.user)})


@login_required
def call_review(request, pk: int):
    call = get_call_for_review_or_404(request.user, pk)
    reviews = selectors.call_plan_reviews(call)
    can_manage = can_manage_call_review(request.user, call)
    in_review = call.status == call.Status.IN_REVIEW
    return render(
        request,
        "evaluation/call_review.html",
        {
            "call": call,
            "review": review_of(call),
            "reviews": reviews,
            "ranked": selectors.rank_reviews(
                [r for r in reviews if r.plan.status != r.plan.Status.ACCEPTED], pass_threshold=call.pass_threshold
            ),
            "can_manage": can_manage,
            "can_start": can_manage and review_of(call) is None and submissions_over(call),
            "can_assign": can_manage and in_review,
            "needs_experts": any(r.needed for r in reviews if r.plan.status == r.plan.Status.IN_REVIEW),
            "ranking_problems": selectors.ranking_problems(call, reviews) if in_review else [],
            "report": getattr(call, "ranking_report", None) if not in_review else None,
        },
    )


@login_required
@require_POST
def review_start(request, pk: int):
    call = get_call_for_review_or_404(request.user, pk)
    if not can_manage_call_review(request.user, call):
        raise Http404
    try:
        services.review_start(actor=request.user, call=call)
        messages.success(request, _("专家评审已启动，请为各方案分配评审专家。"))
    except ValidationError as error:
        flash_errors(request, error)
    return redirect("evaluation:call_review", pk=call.pk)


@login_required
def suggest(request, pk: int):
    call = get_call_for_review_or_404(request.user, pk)
    if not can_manage_call_review(request.user, call):
        raise Http404
    if request.method == "POST":
        pairs = []
        for value in request.POST.getlist("pair"):
            plan_id, _sep, expert_id = value.partition(":")
            if plan_id.isdigit() and expert_id.isdigit():
                pairs.append((int(plan_id), int(expert_id)))
        try:
            created = services.assignments_create_many(actor=request.user, call=call, pairs=pairs)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            message = _("已分配%(count)s项评审任务，专家声明无利益冲突后方可查阅方案。")
            messages.success(request, message % {"count": len(created)})
            return redirect("evaluation:call_review", pk=call.pk)
    proposals = selectors.review_suggestions(request.user, selectors.call_plan_reviews(call))
    return render(request, "evaluation/suggest.html", {"call": call, "proposals": proposals})


# --- plans -----------------------------------------------------------------------------------------


@login_required
def assign(request, pk: int):
    plan = get_plan_review_for_user_or_404(request.user, pk)
    if not can_manage_call_review(request.user, plan.call):
        raise Http404
    review = selectors.plan_review(plan)
    choices = selectors.assign_choices(request.user, review)
    # Only the experts who pass the conflict screening are offered; the others are listed with reasons.
    eligible = [expert.pk for expert in choices.eligible]
    form = AssignForm(request.POST or None, experts=selectors.expert_pool(request.user).filter(pk__in=eligible))
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_create(actor=request.user, plan=plan, expert=form.cleaned_data["expert"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已分配。专家声明无利益冲突后方可查阅方案。"))
            return redirect("evaluation:plan_review", pk=plan.pk)
    return render(request, "evaluation/assign.html", {"plan": plan, "review": review, "choices": choices, "form": form})


@login_required
def plan_review(request, pk: int):
    plan = get_plan_review_for_user_or_404(request.user, pk)
    return _render_plan_review(request, plan)


def _render_plan_review(request, plan, *, note_form=None, reopen_form=None, reopen_pk=None, status=200):
    review = selectors.plan_review(plan)
    can_manage = can_manage_call_review(request.user, plan.call) and plan.call.status == plan.call.Status.IN_REVIEW
    note = review.consensus_note
    return render(
        request,
        "evaluation/plan_review.html",
        {
            "plan": plan,
            "review": review,
            "can_manage": can_manage,
            "can_see_history": can_view_review_history(request.user, plan),
            "note_form": note_form or ConsensusNoteForm(initial={"note": note.note if note else ""}),
            "reopen_form": reopen_form or ReasonForm(),
            "reopen_pk": reopen_pk,
            "events": selectors.assignment_events(review),
        },
        status=status,
    )


@login_required
@require_POST
def consensus_note(request, pk: int):
    plan = get_plan_review_for_user_or_404(request.user, pk)
    if not can_manage_call_review(request.user, plan.call):
        raise Http404
    form = ConsensusNoteForm(request.POST)
    if form.is_valid():
        try:
            services.consensus_note_save(actor=request.user, plan=plan, note=form.cleaned_data["note"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("合议意见已保存。"))
            return redirect("evaluation:plan_review", pk=plan.pk)
    return _render_plan_review(request, plan, note_form=form, status=400)


@login_required
@require_POST
def assignment_reopen(request, pk: int, assignment_pk: int):
    plan = get_plan_review_for_user_or_404(request.user, pk)
    if not can_manage_call_review(request.user, plan.call):
        raise Http404
    assignment = get_assignment_of_plan_or_404(plan, assignment_pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.assignment_reopen(actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已退回专家重新评审。"))
            return redirect("evaluation:plan_review", pk=plan.pk)
    return _render_plan_review(request, plan, reopen_form=form, reopen_pk=assignment.pk, status=400)


@login_required
def plan_history(request, pk: int):
    plan = get_plan_review_for_user_or_404(request.user, pk)
    if not can_view_review_history(request.user, plan):
        raise Http404
    return render(
        request, "evaluation/plan_history.html", {"plan": plan, "history": selectors.plan_review_history(plan)}
    )


# --- ranking ---------------------------------------------------------------------------------------


@login_required
@require_POST
def ranking_submit(request, pk: int):
    call = get_call_for_review_or_404(request.user, pk)
    if not can_manage_call_review(request.user, call):
        raise Http404
    try:
        services.ranking_report_submit(actor=request.user, call=call)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect("evaluation:call_review", pk=call.pk)
    messages.success(request, _("评审排名报告已提交，PDF正在生成。"))
    return redirect("evaluation:ranking_report", pk=call.pk)


@login_required
def ranking_report(request, pk: int):
    report = get_ranking_report_for_user_or_404(request.user, pk)
    return render(request, "evaluation/ranking_report.html", {"report": report, "content": report.content})


# --- the expert's assignments ----------------------------------------------------------------------


@login_required
def my_assignments(request):
    if not has_role(request.user, Role.EXPERT):
        raise Http404
    return render(
        request, "evaluation/my_assignments.html", {"assignments": selectors.expert_assignments(request.user)}
    )


def _render_assignment(request, assignment, *, declaration=None, decline=None, scorecard=None, status=200):
    context = {"assignment": assignment, "plan": assignment.plan}
    if assignment.status == Assignment.Status.PENDING:
        context["declaration_form"] = declaration or DeclarationForm()
        context["decline_form"] = decline or DeclineForm()
    elif assignment.status in (Assignment.Status.SCORING, Assignment.Status.SUBMITTED):
        review, own = selectors.assignment_scorecard(assignment)
        context.update(review=review, own=own, own_list=[own], peers=selectors.peer_reviews(review, own))
        if assignment.status == Assignment.Status.SCORING:
            context["scorecard_form"] = scorecard or ScorecardForm(
                criteria=review.criteria, initial=ScorecardForm.initial_from(own)
            )
            context["decline_form"] = decline or DeclineForm()
    return render(request, "evaluation/assignment_detail.html", context, status=status)


@login_required
def assignment_detail(request, pk: int):
    assignment = get_assignment_for_user_or_404(request.user, pk)
    if request.method != "POST":
        return _render_assignment(request, assignment)
    if assignment.status != Assignment.Status.SCORING:
        message = _("评审任务当前状态为“%(status)s”，不能修改评分。")
        messages.error(request, message % {"status": assignment.get_status_display()})
        return redirect("evaluation:assignment_detail", pk=assignment.pk)
    form = ScorecardForm(request.POST, criteria=selectors.call_criteria(assignment.plan.call_id))
    submit = request.POST.get("action") == "submit"
    if form.is_valid():
        service = services.assignment_submit if submit else services.scorecard_save_draft
        try:
            service(actor=request.user, assignment=assignment, scorecard=form.scorecard())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("评审意见已提交。") if submit else _("草稿已保存。"))
            return redirect("evaluation:assignment_detail", pk=assignment.pk)
    messages.error(request, _("提交失败，请按提示修改后重试。") if submit else _("保存失败，请按提示修改。"))
    return _render_assignment(request, assignment, scorecard=form, status=400)


@login_required
@require_POST
def assignment_declare(request, pk: int):
    assignment = get_assignment_for_user_or_404(request.user, pk)
    form = DeclarationForm(request.POST)
    if form.is_valid():
        try:
            services.assignment_declare_no_conflict(actor=request.user, assignment=assignment, confirmed=True)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已声明无利益冲突，现在可以查阅方案并评分。"))
            return redirect("evaluation:assignment_detail", pk=assignment.pk)
    return _render_assignment(request, assignment, declaration=form, status=400)


@login_required
@require_POST
def assignment_decline(request, pk: int):
    assignment = get_assignment_for_user_or_404(request.user, pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.assignment_decline(actor=request.user, assignment=assignment, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已申请回避，协调人将另行分配专家。"))
            return redirect("evaluation:my_assignments")
    return _render_assignment(request, assignment, decline=form, status=400)

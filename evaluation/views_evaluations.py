"""Pages of the mid-term and final evaluations: the officer's list of approved pilots (open an evaluation),
the evaluation page (the report's actuals against the targets with the computed results, the rating form,
the proposal), the leader's decision page and the rectification form. Thin: check → read → one service call
→ redirect; on bad input the page is shown again with what was typed and a message per problem."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.flash import flash_errors
from pilots.models import PilotPlan
from pilots.permissions import get_plan_for_user_or_404
from pilots.selectors_money import can_decide_clawback, can_record_acceptance

from .forms_evaluations import DecisionForm, DeclineForm, OpenForm, OpinionForm, ProposeForm, RectificationForm
from .models import Evaluation, ExpertOpinion
from .permissions_evaluations import (
    can_decide_evaluation,
    can_run_evaluation,
    can_view_evaluation_list,
    get_evaluation_for_user_or_404,
    get_opinion_for_user_or_404,
)
from .selectors.evaluations import evaluation_opinions, evaluation_page, opinion_choices, pilot_lines
from .services.evaluation_experts import (
    evaluation_experts_invite,
    evaluation_opinion_decline,
    evaluation_opinion_submit,
)
from .services.evaluations import (
    RatingInput,
    evaluation_decide,
    evaluation_open,
    evaluation_propose,
    evaluation_rate,
    rectification_require,
)


@login_required
def evaluation_list(request):
    """Every approved pilot with its phase, its evaluation dates and evaluations; the officer opens them."""
    if not can_view_evaluation_list(request.user):
        raise Http404
    return render(
        request,
        "evaluation/evaluations.html",
        {
            "lines": pilot_lines(),
            "can_run": can_run_evaluation(request.user),
            "can_accept": can_record_acceptance(request.user),
            "can_claw_back": can_decide_clawback(request.user),
        },
    )


@login_required
def evaluation_open_view(request, plan_pk: int, stage: str):
    """Confirm opening the mid-term or final evaluation of a pilot, with the report's due date."""
    if not can_run_evaluation(request.user) or stage not in Evaluation.Stage.values:
        raise Http404
    plan = get_plan_for_user_or_404(request.user, plan_pk)
    if plan.status != PilotPlan.Status.APPROVED:
        raise Http404
    form = OpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = evaluation_open(
                actor=request.user, plan=plan, stage=stage, report_due_on=form.cleaned_data["report_due_on"]
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(
                request,
                _("已开展%(stage)s，已通知%(region)s在%(due)s前提交绩效评价报告。")
                % {
                    "stage": evaluation.get_stage_display(),
                    "region": plan.region.name,
                    "due": evaluation.report_due_on.isoformat(),
                },
            )
            return redirect("evaluation:evaluation_detail", pk=evaluation.pk)
    return render(
        request,
        "evaluation/evaluation_open.html",
        {"plan": plan, "stage": stage, "stage_label": Evaluation.Stage(stage).label, "form": form},
    )


def _posted_ratings(request, page) -> tuple[list[RatingInput], dict[int, dict]]:
    """The ratings in the POST (``met_<indicator id>`` = 1/0, ``comment_<indicator id>``), and what was typed
    by indicator so the page can show it again."""
    ratings, typed = [], {}
    for row in page.rows:
        indicator_id = row.target.indicator_id
        raw = request.POST.get(f"met_{indicator_id}", "")
        comment = request.POST.get(f"comment_{indicator_id}", "")
        typed[indicator_id] = {"met": raw, "comment": comment}
        if raw in ("1", "0"):
            ratings.append(RatingInput(indicator_id=indicator_id, met=raw == "1", comment=comment))
    return ratings, typed


def _form_rows(page, typed: dict[int, dict] | None = None) -> list[dict]:
    """The rating form's rows: what was typed, else the saved rating, else the computed suggestion."""
    rows = []
    for row in page.rows:
        indicator_id = row.target.indicator_id
        if typed is not None:
            met, comment = typed[indicator_id]["met"], typed[indicator_id]["comment"]
        elif row.rating is not None:
            met, comment = ("1" if row.rating.met else "0"), row.rating.comment
        elif row.computed_met is not None:
            met, comment = ("1" if row.computed_met else "0"), ""
        else:
            met, comment = "", ""
        rows.append({"row": row, "met": met, "comment": comment})
    return rows


def _render_evaluation(request, evaluation, *, typed=None, propose_form=None, status=200):
    page = evaluation_page(evaluation)
    may_rate = can_run_evaluation(request.user) and evaluation.status == Evaluation.Status.RATING and page.report_in
    return render(
        request,
        "evaluation/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "plan": evaluation.plan,
            "page": page,
            "form_rows": _form_rows(page, typed),
            "outcome": page.outcome(),
            "may_rate": may_rate,
            "may_propose": may_rate and page.all_rated,
            "propose_form": propose_form or ProposeForm(),
            "may_decide": can_decide_evaluation(request.user, evaluation),
            "may_set_rectification": can_run_evaluation(request.user)
            and evaluation.status == Evaluation.Status.RECTIFICATION_SETUP,
            "opinions": evaluation_opinions(evaluation),
            "choices": opinion_choices(evaluation) if may_rate else None,
        },
        status=status,
    )


@login_required
def evaluation_detail(request, pk: int):
    evaluation = get_evaluation_for_user_or_404(request.user, pk)
    return _render_evaluation(request, evaluation)


@login_required
@require_POST
def evaluation_rate_view(request, pk: int):
    evaluation = get_evaluation_for_user_or_404(request.user, pk)
    if not can_run_evaluation(request.user):
        raise Http404
    page = evaluation_page(evaluation)
    ratings, typed = _posted_ratings(request, page)
    if not ratings:
        messages.error(request, _("请至少评定一项指标。"))
        return _render_evaluation(request, evaluation, typed=typed)
    try:
        evaluation_rate(actor=request.user, evaluation=evaluation, ratings=ratings)
    except ValidationError as error:
        flash_errors(request, error)
        return _render_evaluation(request, evaluation, typed=typed)
    messages.success(request, _("评定结果已保存。"))
    return redirect("evaluation:evaluation_detail", pk=evaluation.pk)


@login_required
@require_POST
def evaluation_propose_view(request, pk: int):
    evaluation = get_evaluation_for_user_or_404(request.user, pk)
    if not can_run_evaluation(request.user):
        raise Http404
    form = ProposeForm(request.POST)
    if form.is_valid():
        try:
            evaluation = evaluation_propose(
                actor=request.user, evaluation=evaluation, opinion=form.cleaned_data["opinion"]
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(
                request,
                _("评价结论（%(outcome)s）已提交领导确认。") % {"outcome": evaluation.get_proposed_outcome_display()},
            )
            return redirect("evaluation:evaluation_detail", pk=evaluation.pk)
    return _render_evaluation(request, evaluation, propose_form=form)


@login_required
def evaluation_decide_view(request, pk: int):
    """The leader's page: the ratings, the outcome by the rule and the officer's opinion; confirm or send back."""
    evaluation = get_evaluation_for_user_or_404(request.user, pk)
    if not can_decide_evaluation(request.user, evaluation):
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirm = request.POST.get("decision") != "return"
        try:
            evaluation = evaluation_decide(
                actor=request.user, evaluation=evaluation, confirm=confirm, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _decision_message(evaluation, confirm))
            return redirect("evaluation:evaluation_detail", pk=evaluation.pk)
    page = evaluation_page(evaluation)
    return render(
        request,
        "evaluation/evaluation_decide.html",
        {
            "evaluation": evaluation,
            "plan": evaluation.plan,
            "page": page,
            "outcome": page.outcome(),
            "form": form,
            "opinions": evaluation_opinions(evaluation),
        },
    )


def _decision_message(evaluation: Evaluation, confirm: bool) -> str:
    if not confirm:
        return _("已退回经办人重新评定。")
    if evaluation.status == Evaluation.Status.MET:
        if evaluation.stage == Evaluation.Stage.MIDTERM:
            return _("已确认中期绩效评价达标，中期奖补资金进入待拨付。")
        return _("已确认期后绩效评价达标，试点待验收。")
    if evaluation.status == Evaluation.Status.RECTIFICATION_SETUP:
        return _("已确认未达标，经办人将下达限期整改要求。")
    return _("已确认整改后仍未达标，请决定收回专项资金。")


@login_required
def rectification_require_view(request, pk: int):
    evaluation = get_evaluation_for_user_or_404(request.user, pk)
    if not can_run_evaluation(request.user) or evaluation.status != Evaluation.Status.RECTIFICATION_SETUP:
        raise Http404
    form = RectificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = rectification_require(
                actor=request.user,
                evaluation=evaluation,
                deadline=form.cleaned_data["deadline"],
                items=form.cleaned_data["items"],
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(
                request,
                _("已下达整改要求，试点地区须在%(deadline)s前提交整改报告。")
                % {"deadline": evaluation.rectification_deadline.isoformat()},
            )
            return redirect("evaluation:evaluation_detail", pk=evaluation.pk)
    page = evaluation_page(evaluation)
    return render(
        request,
        "evaluation/rectification_form.html",
        {"evaluation": evaluation, "plan": evaluation.plan, "page": page, "form": form},
    )


# --- expert opinions (optional) ---------------------------------------------------------------------------------


@login_required
@require_POST
def experts_invite_view(request, pk: int):
    evaluation = get_evaluation_for_user_or_404(request.user, pk)
    if not can_run_evaluation(request.user):
        raise Http404
    expert_ids = [int(value) for value in request.POST.getlist("experts") if value.isdigit()]
    try:
        opinions = evaluation_experts_invite(actor=request.user, evaluation=evaluation, expert_ids=expert_ids)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已邀请%(count)s位专家提出意见。") % {"count": len(opinions)})
    return redirect("evaluation:evaluation_detail", pk=evaluation.pk)


def _render_opinion(request, opinion, *, form=None, decline=None):
    evaluation = opinion.evaluation
    page = evaluation_page(evaluation)
    may_answer = (
        opinion.status == ExpertOpinion.Status.INVITED
        and evaluation.status == Evaluation.Status.RATING
        and evaluation.round == opinion.round
    )
    return render(
        request,
        "evaluation/opinion_detail.html",
        {
            "opinion": opinion,
            "evaluation": evaluation,
            "plan": evaluation.plan,
            "page": page,
            "may_answer": may_answer,
            "form": form or OpinionForm(),
            "decline": decline or DeclineForm(),
        },
    )


@login_required
def opinion_detail(request, pk: int):
    """The expert's page: the report's actual values against the targets, the declaration and the opinion."""
    opinion = get_opinion_for_user_or_404(request.user, pk)
    if request.method != "POST":
        return _render_opinion(request, opinion)
    if request.POST.get("action") == "decline":
        decline = DeclineForm(request.POST)
        if decline.is_valid():
            try:
                evaluation_opinion_decline(actor=request.user, opinion=opinion, reason=decline.cleaned_data["reason"])
            except ValidationError as error:
                flash_errors(request, error)
            else:
                messages.success(request, _("已申请回避。"))
                return redirect("evaluation:opinion_detail", pk=opinion.pk)
        return _render_opinion(request, opinion, decline=decline)
    form = OpinionForm(request.POST)
    if form.is_valid():
        try:
            evaluation_opinion_submit(
                actor=request.user,
                opinion=opinion,
                no_conflict=form.cleaned_data["no_conflict"],
                suggested_outcome=form.cleaned_data["suggested_outcome"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("意见已提交。"))
            return redirect("evaluation:opinion_detail", pk=opinion.pk)
    return _render_opinion(request, opinion, form=form)

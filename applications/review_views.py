"""The reviewers' actions on an application (county, city, experts, Department, Finance Department): POST
only; select with permissions, validate, one service call, a message, back to the application."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .case_views import report_invalid, run_and_report
from .forms import (
    ApprovalForm,
    CityReviewForm,
    CountyReviewForm,
    ExpertAssignForm,
    ExpertConclusionForm,
    ExpertOpinionForm,
    FactsForm,
    FiscalContributionForm,
    PaymentForm,
)
from .permissions import (
    can_approve_applications,
    can_city_review,
    can_county_review,
    can_manage_applications,
    can_record_subsidy_payments,
    get_application_for_user_or_404,
)


@login_required
@require_POST
def county_review(request, pk: int):
    application = get_application_for_user_or_404(request.user, pk)
    category = selectors.round_category(application.round, application.category_code)
    if not can_county_review(request.user, application) or category is None:
        raise Http404
    form = CountyReviewForm(request.POST)
    rule_rows = selectors.rules_on(category, selectors.today()) or selectors.latest_rules(category)
    facts_form = FactsForm(request.POST, prefix="recognised", category=category, rule_rows=rule_rows)
    if not form.is_valid():
        return report_invalid(request, application, form)
    passed = form.cleaned_data["decision"] == "pass"
    if passed and not facts_form.is_valid():
        return report_invalid(request, application, facts_form)
    return run_and_report(
        request,
        application,
        lambda: services.county_review(
            actor=request.user,
            application=application,
            passed=passed,
            comment=form.cleaned_data["comment"],
            recognised_facts=facts_form.facts() if passed else None,
            reasons=form.cleaned_data["reasons"],
        ),
        _("初审已通过，转盟市工信局审核。") if passed else _("已退回企业修改。"),
    )


@login_required
@require_POST
def city_review(request, pk: int):
    application = get_application_for_user_or_404(request.user, pk)
    if not can_city_review(request.user, application):
        raise Http404
    form = CityReviewForm(request.POST)
    if not form.is_valid():
        return report_invalid(request, application, form)
    return run_and_report(
        request,
        application,
        lambda: services.city_review(
            actor=request.user,
            application=application,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            recommended_amount=form.cleaned_data["recommended_amount"],
        ),
        _("审核结论已保存。"),
    )


@login_required
@require_POST
def expert_review(request, pk: int):
    application = get_application_for_user_or_404(request.user, pk)
    if not can_manage_applications(request.user):
        raise Http404
    form = ExpertConclusionForm(request.POST)
    if not form.is_valid():
        return report_invalid(request, application, form)
    return run_and_report(
        request,
        application,
        lambda: services.expert_review_conclude(
            actor=request.user,
            application=application,
            passed=form.cleaned_data["passed"],
            conclusion=form.cleaned_data["conclusion"],
        ),
        _("专家评审结论已录入。"),
    )


@login_required
@require_POST
def expert_assign(request, pk: int):
    application = get_application_for_user_or_404(request.user, pk)
    if not can_manage_applications(request.user):
        raise Http404
    experts = selectors.experts_for_assignment(application)
    form = ExpertAssignForm(request.POST, experts=experts)
    if not form.is_valid():
        return report_invalid(request, application, form)
    expert = next(e for e, _reasons in experts if e.pk == form.cleaned_data["expert"])
    return run_and_report(
        request,
        application,
        lambda: services.expert_assign(actor=request.user, application=application, expert=expert),
        _("已分配专家。"),
    )


@login_required
@require_POST
def expert_opinion(request, pk: int):
    application = get_application_for_user_or_404(request.user, pk)
    review = next(
        (r for r in application.expert_reviews.all() if r.expert.user_id == request.user.pk and not r.submitted_at),
        None,
    )
    if review is None:
        raise Http404
    form = ExpertOpinionForm(request.POST)
    if not form.is_valid():
        return report_invalid(request, application, form)
    return run_and_report(
        request,
        application,
        lambda: services.expert_review_submit(
            actor=request.user,
            review=review,
            no_conflict=form.cleaned_data["no_conflict"],
            recommend=form.cleaned_data["recommend"],
            comment=form.cleaned_data["comment"],
        ),
        _("评审意见已提交。"),
    )


@login_required
@require_POST
def approve(request, pk: int):
    application = get_application_for_user_or_404(request.user, pk)
    if not can_approve_applications(request.user):
        raise Http404
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        return report_invalid(request, application, form)
    return run_and_report(
        request,
        application,
        lambda: services.application_approve(
            actor=request.user,
            application=application,
            approve=form.cleaned_data["decision"] == "approve",
            amount=form.cleaned_data["amount"],
            comment=form.cleaned_data["comment"],
        ),
        _("批准结论已保存。"),
    )


@login_required
@require_POST
def contribution_record(request, pk: int):
    application = get_application_for_user_or_404(request.user, pk)
    if not can_record_subsidy_payments(request.user):
        raise Http404
    form = FiscalContributionForm(request.POST)
    if not form.is_valid():
        return report_invalid(request, application, form)
    return run_and_report(
        request,
        application,
        lambda: services.fiscal_contribution_record(
            actor=request.user,
            enterprise=application.enterprise,
            year=form.cleaned_data["year"],
            amount=form.cleaned_data["amount"],
        ),
        _("地方财政贡献已录入，兑付计划已更新。"),
    )


@login_required
@require_POST
def payment_record(request, pk: int, year: int):
    application = get_application_for_user_or_404(request.user, pk)
    if not can_record_subsidy_payments(request.user):
        raise Http404
    payment = next((p for p in application.payments.all() if p.year == year), None)
    if payment is None:
        raise Http404
    form = PaymentForm(request.POST)
    if not form.is_valid():
        return report_invalid(request, application, form)
    return run_and_report(
        request,
        application,
        lambda: services.payment_record(
            actor=request.user,
            payment=payment,
            amount=form.cleaned_data["amount"],
            paid_on=form.cleaned_data["paid_on"],
            voucher=form.cleaned_data["voucher"],
        ),
        _("兑付已登记。"),
    )

"""Pages of subsidy applications and rounds. Thin: authenticate, select (with permissions), validate, one
service call, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import has_role, organisation_of, roles_of
from accounts.roles import Role
from documents.services import document_store
from documents.validation import IMAGES, PDF

from . import selectors, services
from .forms import (
    ApplicationForm,
    ApprovalForm,
    CategoryChoiceForm,
    CityReviewForm,
    CountyReviewForm,
    EvidenceForm,
    ExpertAssignForm,
    ExpertConclusionForm,
    ExpertOpinionForm,
    FactsForm,
    FiscalContributionForm,
    InvestmentFormSet,
    PaymentForm,
)
from .models import SubsidyApplication
from .permissions import (
    can_apply,
    can_approve_applications,
    can_city_review,
    can_county_review,
    can_edit_application,
    can_manage_applications,
    can_record_subsidy_payments,
    get_application_for_user_or_404,
    get_round_for_user_or_404,
)
from .services.cases import round_closed_message

EVIDENCE_TYPES = frozenset({PDF, *IMAGES})
PAGE_SIZE = 50
Status = SubsidyApplication.Status


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
def application_list(request):
    if not roles_of(request.user):
        raise Http404
    rows = selectors.applications_for_user(request.user).order_by("-pk")
    status = request.GET.get("status", "")
    if status in Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/application_list.html",
        {
            "page": page,
            "statuses": Status.choices,
            "status": status,
            "open_rounds": selectors.open_rounds(timezone.now()) if can_apply(request.user) else [],
        },
    )


@login_required
def application_form(request, round_pk: int, pk: int | None = None):
    """New application in a round (``pk`` None) or a draft/returned one changed; save or submit."""
    if not can_apply(request.user):
        raise Http404
    subsidy_round = get_round_for_user_or_404(request.user, round_pk)
    application = None
    if pk is not None:
        application = get_application_for_user_or_404(request.user, pk)
        if application.round_id != subsidy_round.pk:
            raise Http404
        if not can_edit_application(request.user, application):
            messages.info(request, _("该申报当前不能修改。"))
            return redirect("applications:application_detail", pk=application.pk)
    if not subsidy_round.accepts_on(timezone.now()):
        messages.error(request, round_closed_message(subsidy_round))
        return redirect("applications:application_list")
    categories = selectors.round_categories(subsidy_round)
    code = request.GET.get("category") or (application.category_code if application else "")
    by_code = {category.code: category for category in categories}
    chooser = CategoryChoiceForm(
        categories=categories, initial={"category": by_code[code].pk} if code in by_code else {}
    )
    if code not in by_code:
        if "category" in request.GET and request.GET["category"].isdigit():
            chosen = next((c for c in categories if c.pk == int(request.GET["category"])), None)
            if chosen is not None:
                return redirect(f"{request.path}?category={chosen.code}")
        return render(
            request,
            "applications/application_form.html",
            {"round": subsidy_round, "chooser": chooser, "application": application},
        )
    category = selectors.round_category(subsidy_round, code)
    rule_rows = selectors.rules_on(category, selectors.today()) or selectors.latest_rules(category)
    own = organisation_of(request.user)
    data = request.POST if request.method == "POST" else None
    initial = {"uscc": own.uscc, "county": own.region_id}
    if application is not None:
        initial.update(
            project_name=application.project_name,
            period_from=application.period_from,
            period_to=application.period_to,
            county=application.county_id,
        )
    form = ApplicationForm(data, counties=selectors.round_counties(subsidy_round), initial=initial)
    facts_form = FactsForm(
        data, prefix="facts", category=category, rule_rows=rule_rows, initial=application.facts if application else {}
    )
    formset = InvestmentFormSet(
        data,
        prefix="inv",
        initial=[
            {"kind": i.kind, "description": i.description, "amount": i.amount, "invoice_number": i.invoice_number}
            for i in (application.investments.all() if application else [])
        ],
    )
    if request.method == "POST" and form.is_valid() and facts_form.is_valid() and formset.is_valid():
        enterprise = selectors.enterprise_by_uscc(form.cleaned_data["uscc"])
        counties = {county.pk: county for county in selectors.round_counties(subsidy_round)}
        try:
            if enterprise is None:
                raise ValidationError(_("只能以本企业名义申报。"))
            application = services.application_save(
                actor=request.user,
                subsidy_round=subsidy_round,
                enterprise=enterprise,
                project_name=form.cleaned_data["project_name"],
                category_code=category.code,
                period_from=form.cleaned_data["period_from"],
                period_to=form.cleaned_data["period_to"],
                county=counties[form.cleaned_data["county"]],
                facts=facts_form.facts(),
                investments=[
                    services.InvestmentSpec(**row) for row in formset.cleaned_data if row and not row.get("DELETE")
                ],
                application=application,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if "submit" in request.POST:
                return _submit(request, application)
            messages.success(request, _("草稿已保存。测算金额见下方。"))
            return redirect("applications:application_detail", pk=application.pk)
    return render(
        request,
        "applications/application_form.html",
        {
            "round": subsidy_round,
            "chooser": chooser,
            "category": category,
            "form": form,
            "facts_form": facts_form,
            "formset": formset,
            "application": application,
        },
    )


def _submit(request, application):
    try:
        application = services.application_submit(actor=request.user, application=application)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已提交旗县区工信局初审。"))
        if application.stacking_flag:
            messages.warning(request, application.stacking_note)
    return redirect("applications:application_detail", pk=application.pk)


@login_required
@require_POST
def application_submit(request, pk: int):
    application = get_application_for_user_or_404(request.user, pk)
    return _submit(request, application)


@login_required
def application_detail(request, pk: int):
    application = get_application_for_user_or_404(request.user, pk)
    user = request.user
    category = selectors.round_category(application.round, application.category_code)
    context = {
        "application": application,
        "category_name": category.name if category else application.category_code,
        "facts": _labelled(category, application.facts),
        "recognised_facts": _labelled(category, application.recognised_facts),
        "evidence": selectors.application_evidence(application),
        "can_edit": can_edit_application(user, application),
        "payments": list(application.payments.all()),
    }
    if context["can_edit"]:
        context["evidence_form"] = EvidenceForm()
    if application.status == Status.SUBMITTED and can_county_review(user, application) and category:
        rule_rows = selectors.rules_on(category, selectors.today()) or selectors.latest_rules(category)
        context["county_form"] = CountyReviewForm()
        context["recognised_form"] = FactsForm(
            prefix="recognised", category=category, rule_rows=rule_rows, initial=application.facts
        )
    if application.status == Status.COUNTY_PASSED and can_city_review(user, application):
        context["city_form"] = CityReviewForm(initial={"recommended_amount": application.recognised_quote})
    if application.status == Status.EXPERT_REVIEW:
        reviews = list(application.expert_reviews.all())
        context["expert_reviews"] = reviews
        if can_manage_applications(user):
            context["expert_form"] = ExpertConclusionForm()
            experts = selectors.experts_for_assignment(application)
            context["screened_out"] = [(expert, reasons) for expert, reasons in experts if reasons]
            context["assign_form"] = ExpertAssignForm(experts=experts)
        own = next((r for r in reviews if r.expert.user_id == user.pk and r.submitted_at is None), None)
        if own is not None:
            context["own_review"] = own
            context["opinion_form"] = ExpertOpinionForm()
    elif has_role(user, Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR):
        context["expert_reviews"] = list(application.expert_reviews.all())
    if application.status == Status.NOTICE_PASSED and can_approve_applications(user):
        context["approval_form"] = ApprovalForm(initial={"amount": application.recommended_amount})
    if application.status == Status.APPROVED:
        paid = sum((p.paid_amount or 0 for p in context["payments"]), 0)
        scheduled = sum((p.scheduled_amount for p in context["payments"]), 0)
        context["unscheduled"] = application.approved_amount - scheduled
        context["paid_total"] = paid
        context["contributions"] = selectors.fiscal_contributions(application.enterprise_id)
        if can_record_subsidy_payments(user):
            context["contribution_form"] = FiscalContributionForm()
            context["payment_form"] = PaymentForm(initial={"paid_on": selectors.today()})
    return render(request, "applications/application_detail.html", context)


def _labelled(category, facts: dict) -> list[tuple[str, str]]:
    """(label, value) of stored facts, in the category's order; a choice shown by its Chinese name."""
    if not facts:
        return []
    if category is None:
        return list(facts.items())
    rows = []
    for fact in category.facts.all():
        if fact.code in facts:
            value = facts[fact.code]
            rows.append((fact.label, dict(fact.choices).get(value, value) if fact.choices else value))
    return rows


def run_and_report(request, application, call, success: str):
    """Run one service call; its refusal or ``success`` becomes a message on the application page."""
    try:
        call()
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)
    return redirect("applications:application_detail", pk=application.pk)


def report_invalid(request, application, form):
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("applications:application_detail", pk=application.pk)


@login_required
@require_POST
def evidence_upload(request, pk: int):
    application = get_application_for_user_or_404(request.user, pk)
    if not can_edit_application(request.user, application):
        raise Http404
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return report_invalid(request, application, form)
    return run_and_report(
        request,
        application,
        lambda: document_store(
            actor=request.user,
            uploaded=form.cleaned_data["file"],
            organisation=application.enterprise,
            allowed=EVIDENCE_TYPES,
            purpose="subsidy_evidence",
            owner=application,
        ),
        _("证明材料已上传。"),
    )


@login_required
def round_list(request):
    if not roles_of(request.user):
        raise Http404
    can_manage = can_manage_applications(request.user)
    rounds = list(selectors.round_list())
    if can_manage:
        counts = selectors.round_status_counts(r.pk for r in rounds)
        for subsidy_round in rounds:
            subsidy_round.application_count = sum(counts.get(subsidy_round.pk, {}).values())
    return render(
        request,
        "applications/round_list.html",
        {
            "rounds": rounds,
            "can_manage": can_manage,
            "can_apply": can_apply(request.user),
            "can_publish": can_manage,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def round_notice_publish(request, pk: int):
    subsidy_round = get_round_for_user_or_404(request.user, pk)
    if not can_manage_applications(request.user):
        raise Http404
    try:
        notice = services.round_notice_publish(actor=request.user, subsidy_round=subsidy_round)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("applications:round_list")
    messages.success(request, _("公示已发布：%(title)s") % {"title": notice.title})
    return redirect("applications:round_list")

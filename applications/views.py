"""Thin views: authenticate, select, validate, one service call, render or redirect."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import rules, selectors, services
from .forms import CategoryChoiceForm, FactsForm, RuleRevisionForm
from .permissions import (
    can_revise_rules,
    can_use_calculator,
    can_view_policies,
    get_category_for_calculator_or_404,
    get_policy_for_user_or_404,
    get_rule_for_reviser_or_404,
)

PK = re.compile(r"[0-9]{1,18}")


@login_required
def calculator(request):
    """Pick a category (grouped by policy), type the facts, see the maximum and why — before applying."""
    if not can_use_calculator(request.user):
        raise Http404
    day = selectors.today()
    categories = selectors.calculator_categories(day)
    chooser = CategoryChoiceForm(request.GET if "category" in request.GET else None, categories=categories)
    category = facts_form = quote = None
    if "category" in request.GET:
        # A category of a policy not in force can still be opened (from the policy page): the quote
        # then says why it pays nothing.
        category_id = request.GET.get("category")
        if chooser.is_valid():
            category = get_category_for_calculator_or_404(request.user, chooser.cleaned_data["category"])
        elif category_id and PK.fullmatch(category_id):
            category = get_category_for_calculator_or_404(request.user, int(category_id))
            chooser = CategoryChoiceForm(categories=categories, initial={"category": category.pk})
    if category is not None:
        rule_rows = selectors.rules_on(category, day) or selectors.latest_rules(category)
        try:
            facts_form = FactsForm(
                request.POST if request.method == "POST" else None, category=category, rule_rows=rule_rows
            )
        except rules.RuleDataError:
            messages.error(request, _("该类别的规则数据有误，暂不能试算，请联系工信厅。"))
            facts_form = None
        if facts_form is not None and request.method == "POST" and facts_form.is_valid():
            quote = services.quote_subsidy(
                category_code=category.code, facts=facts_form.facts(), policy_code=category.policy.code, on_date=day
            )
            if quote.fact_errors:
                # The facts do not fit together (e.g. a park with neither of its facts): a form error,
                # not a result.
                for code, message in quote.fact_errors.items():
                    facts_form.add_error(code if code in facts_form.fields else None, message)
                quote = None
    return render(
        request,
        "applications/calculator.html",
        {
            "chooser": chooser,
            "category": category,
            "form": facts_form,
            "quote": quote,
            "today": day,
            "evidence": _evidence(category, day) if category else [],
        },
    )


def _evidence(category, day) -> list[str]:
    rows = selectors.rules_on(category, day) or selectors.latest_rules(category)
    return list(dict.fromkeys(item for row in rows for item in row.evidence))


@login_required
def policy_list(request):
    if not can_view_policies(request.user):
        raise Http404
    day = selectors.today()
    policies = selectors.policy_list()
    return render(
        request,
        "applications/policy_list.html",
        {"policies": [(policy, policy.status_on(day)) for policy in policies], "today": day},
    )


@login_required
def policy_detail(request, code: str):
    policy = get_policy_for_user_or_404(request.user, code)
    day = selectors.today()
    categories = []
    for category in policy.categories.all():
        facts = {fact.code: fact.as_fact() for fact in category.facts.all()}
        in_force_today = {rule.pk for rule in selectors.rules_on(category, day)}
        versions_by_code: dict[str, list] = {}
        for rule in category.rules.all():
            versions_by_code.setdefault(rule.code, []).append(rule)
        sub_items = []
        for rule in selectors.latest_rules(category):
            try:
                numbers = rules.editable_numbers(rule.kind, rule.as_rule(facts).params, facts)
            except rules.RuleDataError as error:
                numbers, broken = [], str(error)
            else:
                broken = ""
            sub_items.append(
                {
                    "rule": rule,
                    "numbers": numbers,
                    "broken": broken,
                    "versions": versions_by_code[rule.code],
                    "latest_in_force": rule.pk in in_force_today,
                }
            )
        categories.append({"category": category, "facts": category.facts.all(), "sub_items": sub_items})
    return render(
        request,
        "applications/policy_detail.html",
        {
            "policy": policy,
            "status": policy.status_on(day),
            "categories": categories,
            "can_revise": can_revise_rules(request.user),
            "today": day,
        },
    )


@login_required
def rule_revise(request, pk: int):
    """Department officers: new numbers for a rule, as a new version from a date (audited)."""
    rule = get_rule_for_reviser_or_404(request.user, pk)
    versions = [version for version in rule.category.rules.all() if version.code == rule.code]
    latest = max(versions, key=lambda version: version.version)
    if latest.pk != rule.pk:
        messages.info(
            request, _("该子项已有更新版本，已为您打开最新的第 %(version)d 版。") % {"version": latest.version}
        )
        return redirect("applications:rule_revise", pk=latest.pk)
    facts = {fact.code: fact.as_fact() for fact in rule.category.facts.all()}
    try:
        numbers = rules.editable_numbers(rule.kind, rule.as_rule(facts).params, facts)
    except rules.RuleDataError as error:
        raise Http404 from error
    form = RuleRevisionForm(
        request.POST if request.method == "POST" else None,
        numbers=numbers,
        initial={"effective_from": max(selectors.today(), rule.effective_from)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            revised = services.rule_revise(
                actor=request.user,
                rule=rule,
                numbers=form.numbers(),
                effective_from=form.cleaned_data["effective_from"],
                reason=form.cleaned_data["change_reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("已生成“%(name)s”第 %(version)d 版，自 %(day)s 起适用；原版本保留。")
                % {"name": revised.name, "version": revised.version, "day": revised.effective_from.isoformat()},
            )
            return redirect("applications:policy_detail", code=rule.category.policy.code)
    return render(
        request,
        "applications/rule_revise.html",
        {"rule": rule, "policy": rule.category.policy, "form": form, "versions": versions, "facts": facts},
    )


def _add_errors(form, error: ValidationError) -> None:
    """Messages of the service at their field when the form has it, at the top otherwise."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, field_messages in by_field.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)

"""Reads. Policies are public to every signed-in user, so the selectors filter by date and code, not by
viewer; each fetches what its page or computation needs in a fixed number of queries."""

from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import CategoryRule, FactDefinition, Policy, PolicyCategory

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """Today in China, whatever the server's zone: policy validity is counted in Chinese calendar days."""
    return timezone.localdate(timezone=CHINA)


def _with_rules(categories: QuerySet[PolicyCategory]) -> QuerySet[PolicyCategory]:
    return categories.select_related("policy").prefetch_related(
        Prefetch("facts", queryset=FactDefinition.objects.order_by("order", "code")),
        Prefetch("rules", queryset=CategoryRule.objects.order_by("order", "code", "version")),
    )


def categories_for_quote(*, category_code: str, policy_code: str | None = None) -> list[PolicyCategory]:
    """The categories with this code (in one policy, or in every policy), each with its policy, facts and
    all rule versions: three queries."""
    categories = PolicyCategory.objects.filter(code=category_code)
    if policy_code is not None:
        categories = categories.filter(policy__code=policy_code)
    return list(_with_rules(categories))


def policy_exists(code: str) -> bool:
    return Policy.objects.filter(code=code).exists()


def rules_on(category: PolicyCategory, on_date: date) -> list[CategoryRule]:
    """The version of each sub-item that applies on a date: the highest version in force by then.
    Works on the prefetched rules (no query)."""
    current: dict[str, CategoryRule] = {}
    for rule in category.rules.all():
        if rule.effective_from <= on_date and (rule.code not in current or rule.version > current[rule.code].version):
            current[rule.code] = rule
    return sorted(current.values(), key=lambda rule: (rule.order, rule.code))


def latest_rules(category: PolicyCategory) -> list[CategoryRule]:
    """The newest version of each sub-item, whatever its date (no query)."""
    latest: dict[str, CategoryRule] = {}
    for rule in category.rules.all():
        if rule.code not in latest or rule.version > latest[rule.code].version:
            latest[rule.code] = rule
    return sorted(latest.values(), key=lambda rule: (rule.order, rule.code))


def policy_list() -> QuerySet[Policy]:
    return Policy.objects.select_related("region").prefetch_related(
        Prefetch("categories", queryset=PolicyCategory.objects.order_by("order", "code"))
    )


def policy_detail(code: str) -> Policy | None:
    """A policy with its categories, their facts and every rule version (four queries)."""
    return (
        Policy.objects.select_related("region", "supersedes", "copied_from")
        .prefetch_related(
            Prefetch("categories", queryset=_with_rules(PolicyCategory.objects.order_by("order", "code")))
        )
        .filter(code=code)
        .first()
    )


def calculator_categories(on_date: date) -> list[PolicyCategory]:
    """The categories of the policies in force on a date, grouped by policy (most recent first)."""
    return list(
        PolicyCategory.objects.filter(policy__valid_from__lte=on_date)
        .exclude(policy__valid_to__lt=on_date)
        .select_related("policy")
        .order_by("-policy__issued_on", "policy__code", "order", "code")
    )


def category_with_rules(pk) -> PolicyCategory | None:
    return _with_rules(PolicyCategory.objects.filter(pk=pk)).first()


def rule_with_versions(pk) -> CategoryRule | None:
    """A rule with its category, policy and the category's facts and rule versions."""
    return (
        CategoryRule.objects.select_related("category__policy", "created_by")
        .prefetch_related(
            Prefetch("category__facts", queryset=FactDefinition.objects.order_by("order", "code")),
            Prefetch(
                "category__rules",
                queryset=CategoryRule.objects.select_related("created_by").order_by("code", "version"),
            ),
        )
        .filter(pk=pk)
        .first()
    )

"""Reads. Policies are public to every signed-in user, so the selectors filter by date and code, not by
viewer; each fetches what its page or computation needs in a fixed number of queries."""

from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import (
    CategoryRule,
    FactDefinition,
    FiscalContribution,
    Policy,
    PolicyCategory,
    SubsidyApplication,
    SubsidyRound,
)

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


# Applications -------------------------------------------------------------------------------------------


def applications_for_user(user) -> QuerySet:
    """The applications a user may see (see applications.permissions), with what a list row shows:
    one query however many there are (the organisation lookup is cached on the user)."""
    from accounts.permissions import has_role, is_province_wide_reader, organisation_of
    from accounts.roles import Role

    from .permissions import is_city_reviewer, is_county_reviewer, is_enterprise_user

    rows = SubsidyApplication.objects.select_related("round", "enterprise", "county__parent")
    if is_province_wide_reader(user):
        return rows
    org = organisation_of(user)
    if org is None:
        return rows.none()
    if is_enterprise_user(user):
        return rows.filter(enterprise_id=org.pk)
    if is_county_reviewer(user):
        return rows.filter(county_id=org.region_id)
    if is_city_reviewer(user):
        return rows.filter(county__parent_id=org.region_id)
    if has_role(user, Role.EXPERT):
        return rows.filter(expert_reviews__expert__user_id=user.pk).distinct()
    return rows.none()


def application_detail(pk) -> SubsidyApplication | None:
    return (
        SubsidyApplication.objects.select_related(
            "round__policy", "enterprise", "county__parent", "stacking_with", "created_by"
        )
        .prefetch_related("investments", "payments", "expert_reviews__expert")
        .filter(pk=pk)
        .first()
    )


def application_evidence(application: SubsidyApplication):
    from django.contrib.contenttypes.models import ContentType

    from documents.models import Document

    return Document.objects.filter(
        owner_type=ContentType.objects.get_for_model(SubsidyApplication), owner_id=application.pk
    ).order_by("created_at")


def open_rounds(moment) -> list[SubsidyRound]:
    return list(
        SubsidyRound.objects.filter(status=SubsidyRound.Status.OPEN, opens_at__lte=moment, closes_at__gt=moment)
        .select_related("policy")
        .prefetch_related("regions")
    )


def round_list() -> QuerySet:
    return SubsidyRound.objects.select_related("policy").prefetch_related("regions")


def round_status_counts(round_ids) -> dict[int, dict[str, int]]:
    """{round id: {status: number of applications}} for some rounds, in one query."""
    from django.db.models import Count

    counts: dict[int, dict[str, int]] = {}
    rows = (
        SubsidyApplication.objects.filter(round_id__in=list(round_ids))
        .values_list("round_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for round_id, status, number in rows:
        counts.setdefault(round_id, {})[status] = number
    return counts


def round_detail(pk) -> SubsidyRound | None:
    return SubsidyRound.objects.select_related("policy").prefetch_related("regions").filter(pk=pk).first()


def fiscal_contributions(enterprise_id: int) -> list[FiscalContribution]:
    return list(FiscalContribution.objects.filter(enterprise_id=enterprise_id).order_by("year"))


INBOX_LIMIT = 50


def inbox_items(user) -> list:
    """The user's waiting applications for the inbox (at most INBOX_LIMIT, one query)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from accounts.inbox import InboxItem
    from accounts.permissions import has_role
    from accounts.roles import Role

    from .permissions import is_city_reviewer, is_county_reviewer, is_enterprise_user

    Status = SubsidyApplication.Status
    if is_enterprise_user(user):
        waiting, title = [Status.COUNTY_RETURNED, Status.CITY_RETURNED], _("修改退回的奖补申报")
    elif is_county_reviewer(user):
        waiting, title = [Status.SUBMITTED], _("初审奖补申报")
    elif is_city_reviewer(user):
        waiting, title = [Status.COUNTY_PASSED], _("审核奖补申报")
    elif has_role(user, Role.DEPARTMENT_LEADER):
        waiting, title = [Status.NOTICE_PASSED], _("批准奖补申报")
    elif has_role(user, Role.DEPARTMENT_OFFICER):
        waiting, title = [Status.EXPERT_REVIEW], _("分配专家并作出评审结论")
    elif has_role(user, Role.FINANCE_DEPARTMENT):
        return _finance_inbox_items()
    elif has_role(user, Role.EXPERT):
        rows = (
            applications_for_user(user)
            .filter(
                status=Status.EXPERT_REVIEW, expert_reviews__expert__user_id=user.pk, expert_reviews__submitted_at=None
            )
            .order_by("submitted_at", "pk")[:INBOX_LIMIT]
        )
        return [
            InboxItem(
                title=_("评审奖补申报"),
                subject=f"{row.enterprise.name} · {row.project_name}",
                created=row.submitted_at or row.created_at,
                url=reverse("applications:application_detail", args=[row.pk]),
            )
            for row in rows
        ]
    else:
        return []
    rows = applications_for_user(user).filter(status__in=waiting).order_by("submitted_at", "pk")[:INBOX_LIMIT]
    return [
        InboxItem(
            title=title,
            subject=f"{row.enterprise.name} · {row.project_name}",
            created=row.submitted_at or row.created_at,
            url=reverse("applications:application_detail", args=[row.pk]),
        )
        for row in rows
    ]


def _finance_inbox_items() -> list:
    """The Finance Department's waiting work (two queries): each payment row due this year or earlier and
    not yet recorded, and each approved application whose award is not fully scheduled because the
    enterprise's fiscal contribution for the coming years has not been entered."""
    from decimal import Decimal

    from django.db.models import DecimalField, F, Sum, Value
    from django.db.models.functions import Coalesce
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from accounts.inbox import InboxItem

    from .models import SubsidyPayment

    approved = SubsidyApplication.Status.APPROVED
    payments = (
        SubsidyPayment.objects.filter(application__status=approved, paid_amount__isnull=True, year__lte=today().year)
        .select_related("application__enterprise")
        .order_by("year", "application_id")[:INBOX_LIMIT]
    )
    items = [
        InboxItem(
            title=_("登记%(year)s年度奖补兑付") % {"year": payment.year},
            subject=f"{payment.application.enterprise.name} · {payment.application.project_name} · "
            + _("计划 %(amount)s 元") % {"amount": f"{payment.scheduled_amount:,.2f}"},
            created=payment.application.submitted_at or payment.application.created_at,
            url=reverse("applications:application_detail", args=[payment.application_id]),
        )
        for payment in payments
    ]
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=16, decimal_places=2))
    waiting = (
        SubsidyApplication.objects.filter(status=approved)
        .annotate(scheduled=Coalesce(Sum("payments__scheduled_amount"), zero))
        .filter(approved_amount__gt=F("scheduled"))
        .select_related("enterprise")
        .order_by("approved_on", "pk")[:INBOX_LIMIT]
    )
    items += [
        InboxItem(
            title=_("录入企业地方财政贡献"),
            subject=f"{row.enterprise.name} · {row.project_name} · "
            + _("尚有 %(amount)s 元未能安排兑付") % {"amount": f"{row.approved_amount - row.scheduled:,.2f}"},
            created=row.submitted_at or row.created_at,
            url=reverse("applications:application_detail", args=[row.pk]),
        )
        for row in waiting
    ]
    return items


def round_category(subsidy_round: SubsidyRound, code: str) -> PolicyCategory | None:
    """A category of the round's policy with its facts and rules (three queries)."""
    return _with_rules(PolicyCategory.objects.filter(policy_id=subsidy_round.policy_id, code=code)).first()


def round_categories(subsidy_round: SubsidyRound) -> list[PolicyCategory]:
    return list(PolicyCategory.objects.filter(policy_id=subsidy_round.policy_id).order_by("order", "code"))


def round_counties(subsidy_round: SubsidyRound) -> list:
    """The counties of the round's leagues/cities (all counties when the round names none)."""
    from accounts.models import Region

    counties = Region.objects.filter(level=Region.Level.COUNTY).select_related("parent").order_by("code")
    region_ids = [region.pk for region in subsidy_round.regions.all()]
    return list(counties.filter(parent_id__in=region_ids) if region_ids else counties)


def enterprise_by_uscc(uscc: str):
    from accounts.models import Organisation

    return Organisation.objects.filter(uscc=uscc, kind=Organisation.Kind.ENTERPRISE).first() if uscc else None


def experts_for_assignment(application: SubsidyApplication) -> list:
    """The active experts of the evaluation pool not yet on this application, each with its conflict
    reasons (empty: may be assigned). Two queries."""
    from evaluation.models import ExpertProfile

    from .services.experts import _conflicts

    taken = {review.expert_id for review in application.expert_reviews.all()}
    experts = ExpertProfile.objects.filter(is_active=True).select_related("home_region").order_by("full_name")
    return [(expert, _conflicts(expert, application)) for expert in experts if expert.pk not in taken]

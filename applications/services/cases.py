"""Writes of subsidy applications up to the city bureau: draft, submit (with the stacking check), county and
city review; the expert review is in ``experts``, the notice, approval and payments in ``awards``.
Keyword-only, one transaction each, the rows they change locked, an audit event inside. Raise
ValidationError with Chinese messages."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation
from accounts.permissions import has_role, organisation_of
from accounts.roles import Role
from audit.services import record_event

from ..models import (
    InvestmentItem,
    SubsidyApplication,
    SubsidyRound,
)
from ..selectors import CHINA, today
from .quotes import quote_subsidy

Status = SubsidyApplication.Status
# Applications that count for 就高不重复: everything submitted and not turned down.
LIVE = [s for s in Status.values if s not in (Status.DRAFT, Status.REJECTED, Status.NOT_APPROVED)]
PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class InvestmentSpec:
    kind: str
    description: str
    amount: Decimal
    invoice_number: str


def project_key(name: str) -> str:
    """The project name as compared for stacking: width-folded, lower case, without spaces or punctuation."""
    return PUNCTUATION.sub("", unicodedata.normalize("NFKC", name or "")).lower()


def _facts_as_json(facts: dict) -> dict:
    return {code: str(value) for code, value in facts.items() if value not in (None, "")}


def _lock(application: SubsidyApplication) -> SubsidyApplication:
    return (
        SubsidyApplication.objects.select_for_update(of=("self",))
        .select_related("round__policy", "enterprise", "county__parent")
        .get(pk=application.pk)
    )


def _move(application, *, actor, action: str, to: str, changes: dict | None = None) -> None:
    before = application.status
    application.status = to
    application.save()
    record_event(
        actor=actor,
        action=action,
        target=application,
        changes={"status": [before, to], **(changes or {})},
    )


def _expect(application, *statuses) -> None:
    if application.status not in statuses:
        raise ValidationError(
            _("该申报当前状态为“%(status)s”，不能进行此操作。") % {"status": application.get_status_display()}
        )


def round_closed_message(subsidy_round: SubsidyRound) -> str:
    closes = timezone.localtime(subsidy_round.closes_at, CHINA).strftime("%Y-%m-%d %H:%M")
    opens = timezone.localtime(subsidy_round.opens_at, CHINA).strftime("%Y-%m-%d %H:%M")
    return _("“%(round)s”不在受理期内（%(opens)s 至 %(closes)s，北京时间），不能申报。") % {
        "round": subsidy_round.title,
        "opens": opens,
        "closes": closes,
    }


def _check_round_open(subsidy_round: SubsidyRound) -> None:
    if not subsidy_round.accepts_on(timezone.now()):
        raise ValidationError(round_closed_message(subsidy_round), code="round_closed")


def _quote(application: SubsidyApplication, facts: dict):
    return quote_subsidy(
        category_code=application.category_code,
        facts=facts,
        policy_code=application.round.policy.code,
        on_date=today(),
    )


# Enterprise ---------------------------------------------------------------------------------------------


@transaction.atomic
def application_save(
    *,
    actor,
    subsidy_round: SubsidyRound,
    enterprise: Organisation,
    project_name: str,
    category_code: str,
    period_from: date,
    period_to: date,
    county,
    facts: dict,
    investments: list[InvestmentSpec],
    application: SubsidyApplication | None = None,
) -> SubsidyApplication:
    """Create or change a draft (or a returned application). The quote is computed here, never typed."""
    own = organisation_of(actor)
    if not has_role(actor, Role.ENTERPRISE) or own is None or own.pk != enterprise.pk:
        raise ValidationError(_("只能以本企业名义申报。"), code="not_own_enterprise")
    if enterprise.kind != Organisation.Kind.ENTERPRISE:
        raise ValidationError(_("只有企业可以申报。"))
    _check_round_open(subsidy_round)
    if county.level != county.Level.COUNTY:
        raise ValidationError({"county": _("请选择项目所在旗县区。")})
    if subsidy_round.regions.exists() and not subsidy_round.regions.filter(pk=county.parent_id).exists():
        raise ValidationError({"county": _("该批次不受理此地区的项目。")})
    if not subsidy_round.policy.categories.filter(code=category_code).exists():
        raise ValidationError({"category_code": _("该批次的政策不含此奖补类别。")})
    if application is None:
        application = SubsidyApplication(round=subsidy_round, enterprise=enterprise, created_by=actor)
        action = "subsidy_application.create"
    else:
        application = _lock(application)
        if application.enterprise_id != enterprise.pk:
            raise ValidationError(_("只能以本企业名义申报。"), code="not_own_enterprise")
        _expect(application, *SubsidyApplication.EDITABLE)
        action = "subsidy_application.update"
    application.project_name = project_name.strip()
    application.project_key = project_key(project_name)
    application.category_code = category_code
    application.period_from = period_from
    application.period_to = period_to
    application.county = county
    application.facts = _facts_as_json(facts)
    quote = _quote(application, application.facts)
    application.quote_eligible = quote.eligible
    application.quote_amount = quote.amount
    application.quote_reasons = list(quote.reasons)
    application.full_clean(exclude=["created_by", "round", "enterprise"])
    application.save()
    application.investments.all().delete()
    InvestmentItem.objects.bulk_create(
        [
            InvestmentItem(
                application=application,
                kind=item.kind,
                description=item.description,
                amount=item.amount,
                invoice_number=item.invoice_number.strip(),
            )
            for item in investments
        ]
    )
    record_event(
        actor=actor,
        action=action,
        target=application,
        changes={
            "project_name": application.project_name,
            "category_code": category_code,
            "facts": application.facts,
            "quote_amount": str(application.quote_amount),
            "investments": [f"{i.kind} {i.amount} {i.invoice_number}" for i in investments],
        },
    )
    return application


def find_stacking(application: SubsidyApplication) -> SubsidyApplication | None:
    """The first other live application of the same enterprise for the same project (normalised name) or
    with the identical invoice set, under any category or policy."""
    invoices = {item.invoice_number for item in application.investments.all() if item.invoice_number}
    others = (
        SubsidyApplication.objects.filter(enterprise_id=application.enterprise_id, status__in=LIVE)
        .exclude(pk=application.pk)
        .prefetch_related("investments")
        .order_by("submitted_at", "pk")
    )
    for other in others:
        if other.project_key == application.project_key:
            return other
        other_invoices = {item.invoice_number for item in other.investments.all() if item.invoice_number}
        if invoices and other_invoices == invoices:
            return other
    return None


@transaction.atomic
def application_submit(*, actor, application: SubsidyApplication) -> SubsidyApplication:
    """Submit to the county bureau. Not eligible → refused with the quote's reasons; the same project
    already applied for → submitted with a stacking warning naming the first application."""
    application = _lock(application)
    own = organisation_of(actor)
    if own is None or own.pk != application.enterprise_id or not has_role(actor, Role.ENTERPRISE):
        raise ValidationError(_("只能以本企业名义申报。"), code="not_own_enterprise")
    _expect(application, *SubsidyApplication.EDITABLE)
    _check_round_open(application.round)
    # Submissions of one enterprise one at a time: two copies of a project submitted together must still
    # see each other for the stacking check.
    Organisation.objects.select_for_update().filter(pk=application.enterprise_id).first()
    quote = _quote(application, application.facts)
    application.quote_eligible, application.quote_amount = quote.eligible, quote.amount
    application.quote_reasons = list(quote.reasons)
    if not quote.eligible:
        application.save()
        raise ValidationError([_("测算结果不符合奖补条件，不能提交："), *quote.reasons], code="not_eligible")
    first = find_stacking(application)
    application.stacking_flag = first is not None
    application.stacking_with = first
    application.stacking_note = (
        _("与本企业已提交的申报“%(name)s”（编号 %(pk)s）为同一项目或发票相同，按就高不重复原则只能批准其中一项。")
        % {"name": first.project_name, "pk": first.pk}
        if first
        else ""
    )
    application.submitted_at = timezone.now()
    _move(
        application,
        actor=actor,
        action="subsidy_application.submit",
        to=Status.SUBMITTED,
        changes={"quote_amount": str(quote.amount), "stacking_with": first.pk if first else None},
    )
    return application


# Reviews ------------------------------------------------------------------------------------------------


@transaction.atomic
def county_review(
    *,
    actor,
    application: SubsidyApplication,
    passed: bool,
    comment: str,
    recognised_facts: dict | None = None,
    reasons: str = "",
) -> SubsidyApplication:
    """The county bureau's first review: pass (optionally with reduced recognised facts, the recognised
    quote recomputed) or return to the enterprise."""
    from ..permissions import can_county_review

    application = _lock(application)
    if not can_county_review(actor, application):
        raise ValidationError(_("您无权初审该申报。"))
    _expect(application, Status.SUBMITTED)
    if not passed:
        if not comment.strip():
            raise ValidationError({"comment": _("退回时请写明退回理由。")})
        application.review_comment = comment.strip()
        _move(
            application,
            actor=actor,
            action="subsidy_application.county_return",
            to=Status.COUNTY_RETURNED,
            changes={"comment": comment.strip()},
        )
        return application
    recognised = dict(application.facts)
    if recognised_facts:
        recognised.update(_facts_as_json(recognised_facts))
    changed = recognised != application.facts
    if changed and not reasons.strip():
        raise ValidationError({"reasons": _("核减申报事实时请写明理由。")})
    quote = _quote(application, recognised)
    if not quote.eligible:
        raise ValidationError([_("按核定事实测算不符合奖补条件，请退回或调整："), *quote.reasons])
    if quote.amount > application.quote_amount:
        raise ValidationError(_("核定测算金额不能高于企业申报的测算金额。"))
    application.recognised_facts = recognised
    application.recognised_reasons = reasons.strip()
    application.recognised_quote = quote.amount
    application.recognised_quote_reasons = list(quote.reasons)
    application.review_comment = comment.strip()
    _move(
        application,
        actor=actor,
        action="subsidy_application.county_pass",
        to=Status.COUNTY_PASSED,
        changes={"recognised_facts": recognised, "recognised_quote": str(quote.amount), "reasons": reasons.strip()},
    )
    return application


CITY_DECISIONS = ("pass", "return", "reject")


@transaction.atomic
def city_review(
    *,
    actor,
    application: SubsidyApplication,
    decision: str,
    comment: str,
    recommended_amount: Decimal | None = None,
) -> SubsidyApplication:
    """The city bureau's review: pass with a recommended amount (≤ the recognised quote), return or reject.
    A recommended amount above the round's threshold goes to expert review."""
    from ..permissions import can_city_review

    application = _lock(application)
    if not can_city_review(actor, application):
        raise ValidationError(_("您无权审核该申报。"))
    _expect(application, Status.COUNTY_PASSED)
    if decision not in CITY_DECISIONS:
        raise ValidationError(_("未知的审核结论。"))
    application.review_comment = comment.strip()
    if decision in ("return", "reject"):
        if not comment.strip():
            raise ValidationError({"comment": _("退回或不予通过时请写明理由。")})
        to = Status.CITY_RETURNED if decision == "return" else Status.REJECTED
        _move(
            application,
            actor=actor,
            action=f"subsidy_application.city_{decision}",
            to=to,
            changes={"comment": comment.strip()},
        )
        return application
    if recommended_amount is None or recommended_amount <= 0:
        raise ValidationError({"recommended_amount": _("请填写大于0的推荐金额。")})
    if recommended_amount > application.recognised_quote:
        raise ValidationError(
            {
                "recommended_amount": _("推荐金额不能超过核定测算金额 %(quote)s 元。")
                % {"quote": application.recognised_quote}
            }
        )
    application.recommended_amount = recommended_amount
    to = Status.EXPERT_REVIEW if recommended_amount > application.round.expert_review_threshold else Status.CITY_PASSED
    _move(
        application,
        actor=actor,
        action="subsidy_application.city_pass",
        to=to,
        changes={"recommended_amount": str(recommended_amount)},
    )
    return application

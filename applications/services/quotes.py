"""The maximum subsidy for a category and a set of facts, before anyone applies.

Rates are ceilings (不高于): a quote is the most a reviewer may approve, never a promise.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import rules, selectors
from ..models import PolicyCategory

ZERO = rules.ZERO
# Policy and category codes are slugs; anything else cannot name one (and must not reach the database).
CODE = re.compile(r"[-a-zA-Z0-9_]{1,60}")


@dataclass(frozen=True)
class SubsidyQuote:
    """``eligible``, ``amount`` (yuan, two places; 0 when not eligible) and ``reasons`` (Chinese, one per
    rule applied or failed) are the stable interface; the rest says what the quote was computed with."""

    eligible: bool
    amount: Decimal
    reasons: list[str]
    category_code: str = ""
    policy_code: str = ""
    on_date: date | None = None
    is_demo: bool = False
    capped: bool = False
    rule_ids: tuple[int, ...] = ()
    fact_errors: dict[str, str] = field(default_factory=dict)


def _refused(reasons: list[str], **context) -> SubsidyQuote:
    return SubsidyQuote(eligible=False, amount=ZERO, reasons=reasons, **context)


def _as_date(on_date) -> date | None:
    if on_date is None:
        return selectors.today()
    if isinstance(on_date, datetime):
        return timezone.localtime(on_date, selectors.CHINA).date() if timezone.is_aware(on_date) else on_date.date()
    if isinstance(on_date, date):
        return on_date
    return None


def _choose(categories: list[PolicyCategory], on_date: date) -> PolicyCategory:
    """The category of the most recently issued policy in force on the date; when none is in force, the
    most recently issued one (the quote then explains its validity)."""
    in_force = [category for category in categories if category.policy.is_in_force(on_date)]
    return max(in_force or categories, key=lambda category: (category.policy.issued_on, category.policy.pk))


def _policy_reason(category: PolicyCategory) -> str:
    policy = category.policy
    text = _("适用政策：%(authority)s %(number)s《%(title)s》，有效期 %(validity)s，类别“%(category)s”。") % {
        "authority": policy.issuing_authority,
        "number": policy.document_number,
        "title": policy.title,
        "validity": policy.validity_label,
        "category": category.name,
    }
    return text + _("（演示数据）") if policy.is_demo else text


def quote_subsidy(
    *, category_code: str, facts: dict, policy_code: str | None = None, on_date: date | None = None
) -> SubsidyQuote:
    """The maximum subsidy for ``facts`` under ``category_code``. Never raises: a missing or malformed
    fact, an unknown category or policy, or a date outside the policy's validity gives a quote that is
    not eligible, with the reason."""
    day = _as_date(on_date)
    if day is None:
        return _refused([_("日期无效：%(value)s。") % {"value": rules.shown(on_date)}])
    context = {"category_code": category_code if isinstance(category_code, str) else "", "on_date": day}
    if not isinstance(category_code, str) or not category_code:
        return _refused([_("请指定奖补类别。")], **context)
    if not CODE.fullmatch(category_code):
        return _refused([_("未知的奖补类别：%(code)s。") % {"code": rules.shown(category_code)}], **context)
    if policy_code is not None and not (isinstance(policy_code, str) and CODE.fullmatch(policy_code)):
        return _refused([_("未找到政策：%(policy)s。") % {"policy": rules.shown(policy_code)}], **context)
    categories = selectors.categories_for_quote(category_code=category_code, policy_code=policy_code)
    if not categories:
        if policy_code is None:
            reason = _("未知的奖补类别：%(code)s。") % {"code": rules.shown(category_code)}
        elif selectors.policy_exists(policy_code):
            reason = _("政策 %(policy)s 不含奖补类别 %(code)s。") % {
                "policy": policy_code,
                "code": rules.shown(category_code),
            }
        else:
            reason = _("未找到政策：%(policy)s。") % {"policy": rules.shown(policy_code)}
        return _refused([reason], **context)
    category = _choose(categories, day)
    policy = category.policy
    context.update(policy_code=policy.code, is_demo=policy.is_demo)
    reasons = [_policy_reason(category)]
    if not policy.is_in_force(day):
        reasons.append(
            _("%(day)s 不在该政策的有效期（%(validity)s）内，不予奖补。")
            % {"day": day.isoformat(), "validity": policy.validity_label}
        )
        return _refused(reasons, **context)
    try:
        fact_definitions = {fact.code: fact.as_fact() for fact in category.facts.all()}
        category_rules = [rule.as_rule(fact_definitions) for rule in selectors.rules_on(category, day)]
    except rules.RuleDataError as error:
        reasons.append(_("该类别的规则数据有误，暂不能计算，请联系工信厅：%(error)s") % {"error": error})
        return _refused(reasons, **context)
    outcome = rules.evaluate(fact_definitions, category_rules, facts)
    reasons.extend(outcome.reasons)
    if not outcome.eligible:
        return _refused(reasons, fact_errors=outcome.fact_errors, **context)
    return SubsidyQuote(
        eligible=True,
        amount=outcome.amount,
        reasons=reasons,
        capped=outcome.capped,
        rule_ids=tuple(rule.id for rule in outcome.applied if rule.id is not None),
        **context,
    )


def best_quote(quotes) -> SubsidyQuote | None:
    """就高不重复: of the quotes for one project (under several categories or policies), the highest
    eligible one — the only one that may be approved. None when none is eligible; the first of equals."""
    best = None
    for quote in quotes:
        if quote.eligible and (best is None or quote.amount > best.amount):
            best = quote
    return best

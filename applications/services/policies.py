"""Writes to the policy catalogue: copying a policy and revising a rule's numbers. Each runs in one
transaction and writes its audit event inside it. A rule is never changed in place: a revision is a new
version that supersedes the old one from a date."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from audit.services import diff, record_event, snapshot

from .. import rules
from ..models import CategoryRule, FactDefinition, Policy, PolicyCategory
from ..selectors import latest_rules

POLICY_FIELDS = ("code", "title", "document_number", "issued_on", "valid_from", "valid_to", "is_demo")
RULE_FIELDS = ("version", "params", "effective_from", "change_reason")


@transaction.atomic
def policy_copy(
    *,
    actor,
    policy: Policy,
    code: str,
    title: str,
    issued_on: date,
    valid_from: date,
    valid_to: date | None,
    document_number: str | None = None,
    is_demo: bool = False,
    source_note: str = "",
) -> Policy:
    """A new policy with the same categories, facts and the newest version of each rule (as version 1,
    in force from the copy's first day). The original is left as it is."""
    copy = Policy(
        code=code,
        title=title,
        issuing_authority=policy.issuing_authority,
        document_number=document_number or policy.document_number,
        issued_on=issued_on,
        valid_from=valid_from,
        valid_to=valid_to,
        region=policy.region,
        area_label=policy.area_label,
        source_note=source_note or policy.source_note,
        is_demo=is_demo,
        copied_from=policy,
    )
    copy.full_clean()
    copy.save()
    for category in policy.categories.prefetch_related("facts", "rules").order_by("order", "code"):
        new_category = PolicyCategory.objects.create(
            policy=copy, code=category.code, name=category.name, order=category.order, description=category.description
        )
        bulk_create_with_history(
            [
                FactDefinition(
                    category=new_category,
                    code=fact.code,
                    label=fact.label,
                    kind=fact.kind,
                    choices=fact.choices,
                    help_text=fact.help_text,
                    order=fact.order,
                )
                for fact in category.facts.all()
            ],
            FactDefinition,
        )
        bulk_create_with_history(
            [
                CategoryRule(
                    category=new_category,
                    code=rule.code,
                    name=rule.name,
                    kind=rule.kind,
                    params=rule.params,
                    payee=rule.payee,
                    evidence=rule.evidence,
                    clause=rule.clause,
                    order=rule.order,
                    version=1,
                    effective_from=valid_from,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
                for rule in latest_rules(category)
            ],
            CategoryRule,
        )
    record_event(
        actor=actor,
        action="policy.copy",
        target=copy,
        changes={**snapshot(copy, POLICY_FIELDS), "copied_from": policy.code},
    )
    return copy


@transaction.atomic
def rule_revise(*, actor, rule: CategoryRule, numbers: dict, effective_from: date, reason: str) -> CategoryRule:
    """A new version of ``rule`` with some numbers changed (``{"rate": percent, "cap": yuan or None,
    "minimum_base": yuan or None, "amounts.<choice>": yuan}``), in force from ``effective_from``.

    ``rule`` must be the newest version: two officers editing at once cannot both win (the versions
    of the sub-item are locked, and (category, code, version) is unique). Raises ValidationError with
    Chinese messages."""
    versions = list(
        CategoryRule.objects.select_for_update()
        .filter(category_id=rule.category_id, code=rule.code)
        .order_by("-version")
    )
    latest = versions[0]
    if latest.pk != rule.pk:
        raise ValidationError(
            _("该子项已有更新的第 %(version)d 版，请刷新页面后在最新版本上修改。") % {"version": latest.version}
        )
    if not (reason or "").strip():
        raise ValidationError({"change_reason": _("请填写修订说明。")})
    try:
        params = rules.with_numbers(latest.kind, latest.params, numbers)
    except (rules.RuleDataError, ArithmeticError, TypeError, ValueError) as error:
        raise ValidationError(_("参数无效：%(error)s") % {"error": error}) from error
    if params == latest.params:
        raise ValidationError(_("数值没有变化，无需生成新版本。"))
    revised = CategoryRule(
        category_id=latest.category_id,
        code=latest.code,
        name=latest.name,
        kind=latest.kind,
        params=params,
        payee=latest.payee,
        evidence=latest.evidence,
        clause=latest.clause,
        order=latest.order,
        version=latest.version + 1,
        supersedes=latest,
        effective_from=effective_from,
        change_reason=reason.strip(),
        created_by=actor,
    )
    revised.full_clean()
    revised.save()
    changes = diff(snapshot(latest, RULE_FIELDS), snapshot(revised, RULE_FIELDS))
    changes["supersedes"] = latest.pk
    record_event(actor=actor, action="policy_rule.revise", target=revised, changes=changes)
    return revised

"""Evaluating a category's rules against facts: which rules apply, their amounts, the highest one."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _

from .base import CENT, CHOICE, FIXED_BY_LEVEL, PAYEE_APPLICANT, ZERO, exact_money, money, percent
from .facts import Fact, parse_facts
from .params import AmountTable, RateOfBase, parse_params


@dataclass(frozen=True)
class Rule:
    id: int | None
    code: str
    name: str
    kind: str
    params: RateOfBase | AmountTable
    payee: str = PAYEE_APPLICANT
    version: int = 1
    order: int = 0

    @classmethod
    def from_row(cls, row, facts: Mapping[str, Fact]) -> "Rule":
        return cls(
            id=row.pk,
            code=row.code,
            name=row.name,
            kind=row.kind,
            params=parse_params(row.kind, row.params, facts),
            payee=row.payee,
            version=row.version,
            order=row.order,
        )

    @property
    def required_facts(self) -> tuple[str, ...]:
        return self.params.required_facts

    def covers(self, values: Mapping[str, object]) -> bool:
        """Whether the rule speaks to these facts (for the fixed kinds: the chosen value has an amount)."""
        if isinstance(self.params, AmountTable):
            return self.params.amount_for(values[self.params.key_fact]) is not None
        return True


@dataclass
class Outcome:
    eligible: bool
    amount: Decimal = ZERO
    reasons: list[str] = field(default_factory=list)
    fact_errors: dict[str, str] = field(default_factory=dict)
    applied: tuple[Rule, ...] = ()
    capped: bool = False


def _requirement_reasons(rule: Rule, values, facts) -> list[str]:
    return [
        _("%(fact)s为“%(choice)s”，符合条件。")
        % {"fact": facts[code].named, "choice": facts[code].choice_label(values[code])}
        for code in rule.params.requires
        if facts[code].kind == CHOICE
    ]


def evaluate_rule(rule: Rule, values: Mapping[str, object], facts: Mapping[str, Fact]) -> Outcome:
    reasons = _requirement_reasons(rule, values, facts)
    params = rule.params
    capped = False
    if isinstance(params, RateOfBase):
        base, fact = values[params.base_fact], facts[params.base_fact]
        if params.minimum_base is not None:
            numbers = {"rule": rule.name, "fact": fact.named, "base": money(base), "min": money(params.minimum_base)}
            if base < params.minimum_base:
                reasons.append(_("%(rule)s：%(fact)s为 %(base)s 元，低于起点 %(min)s 元，不符合条件。") % numbers)
                return Outcome(eligible=False, reasons=reasons)
            reasons.append(_("%(rule)s：%(fact)s为 %(base)s 元，达到起点 %(min)s 元。") % numbers)
        exact = base * params.rate
        amount = exact.quantize(CENT, rounding=ROUND_DOWN)
        reasons.append(
            _("%(rule)s：按不高于%(fact)s %(base)s 元的 %(rate)s%% 计算，为 %(amount)s 元。")
            % {
                "rule": rule.name,
                "fact": fact.named,
                "base": money(base),
                "rate": percent(params.rate),
                "amount": money(amount),
            }
        )
        if params.cap is not None and exact > params.cap:
            reasons.append(
                _("计算额 %(amount)s 元超过上限 %(cap)s 元，按上限 %(cap)s 元计（已封顶）。")
                % {"amount": exact_money(exact), "cap": money(params.cap)}
            )
            amount, capped = params.cap, True
    else:
        value = values[params.key_fact]
        each = params.amount_for(value)
        fact = facts[params.key_fact]
        quantity = values[params.quantity_fact] if params.quantity_fact else 1
        amount = (each * quantity).quantize(CENT)
        numbers = {
            "rule": rule.name,
            "fact": fact.named,
            "choice": fact.choice_label(value),
            "each": money(each),
            "unit": params.unit or _("项"),
            "amount": money(amount),
        }
        if rule.kind == FIXED_BY_LEVEL:
            reasons.append(_("%(rule)s：%(fact)s为“%(choice)s”，奖补最高 %(amount)s 元。") % numbers)
        elif params.quantity_fact:
            numbers.update(quantity=quantity, quantity_fact=facts[params.quantity_fact].label)
            reasons.append(
                _(
                    "%(rule)s：%(fact)s为“%(choice)s”，"
                    "%(each)s 元/%(unit)s × %(quantity)s（%(quantity_fact)s），共 %(amount)s 元。"
                )
                % numbers
            )
        else:
            reasons.append(_("%(rule)s：%(fact)s为“%(choice)s”，%(each)s 元/%(unit)s。") % numbers)
    if amount <= 0:
        reasons.append(_("%(rule)s：按规则计算的金额为 0 元，不予奖补。") % {"rule": rule.name})
        return Outcome(eligible=False, reasons=reasons)
    return Outcome(eligible=True, amount=amount, reasons=reasons, applied=(rule,), capped=capped)


def _missing(own: list[Rule], values, facts) -> Outcome:
    """No rule has all its facts: name the facts that are missing (or the alternatives, e.g. a park's
    investment or its recognition)."""
    missing = [[code for code in rule.required_facts if code not in values] for rule in own]
    common = [code for code in missing[0] if all(code in codes for codes in missing)]
    if common:
        errors = {code: _("请填写%(fact)s。") % {"fact": facts[code].named} for code in common}
        reasons = [_("缺少%(fact)s，无法计算。") % {"fact": facts[code].named} for code in common]
        return Outcome(eligible=False, reasons=reasons, fact_errors=errors)
    options = list(dict.fromkeys("、".join(facts[code].named for code in codes) for codes in missing))
    reason = _("缺少申报事实，请至少提供以下一项：%(options)s。") % {"options": "；或 ".join(options)}
    return Outcome(eligible=False, reasons=[reason], fact_errors={"__all__": reason})


def evaluate(facts: Mapping[str, Fact], rules: list[Rule], raw) -> Outcome:
    """The quote of one category for these facts: the highest eligible applicable rule paid to the
    applicant. Malformed or missing facts make it not eligible, with a reason naming each fact."""
    values, errors = parse_facts(facts, raw)
    if errors:
        return Outcome(eligible=False, reasons=list(errors.values()), fact_errors=errors)
    own = [rule for rule in rules if rule.payee == PAYEE_APPLICANT]
    if not own:
        return Outcome(eligible=False, reasons=[_("该类别没有可适用的奖补规则。")])
    complete = [rule for rule in own if all(code in values for code in rule.required_facts)]
    if not complete:
        return _missing(own, values, facts)
    applicable = [rule for rule in complete if rule.covers(values)]
    if not applicable:
        shown = dict.fromkeys(
            _("%(fact)s为“%(choice)s”，不在本类别的奖补范围内。")
            % {
                "fact": facts[rule.params.trigger_fact].named,
                "choice": facts[rule.params.trigger_fact].choice_label(values[rule.params.trigger_fact]),
            }
            for rule in complete
        )
        return Outcome(eligible=False, reasons=list(shown))
    outcomes = [evaluate_rule(rule, values, facts) for rule in applicable]
    eligible = [outcome for outcome in outcomes if outcome.eligible]
    reasons = [reason for outcome in outcomes for reason in outcome.reasons]
    if not eligible:
        return Outcome(eligible=False, reasons=reasons)
    best = max(eligible, key=lambda outcome: outcome.amount)  # the first of equals, in rule order
    if len(eligible) > 1:
        reasons.append(
            _("同时符合多个子项，按就高不重复原则取最高的“%(rule)s”：%(amount)s 元。")
            % {"rule": best.applied[0].name, "amount": money(best.amount)}
        )
    for rule in rules:
        if (
            rule.payee != PAYEE_APPLICANT
            and all(code in values for code in rule.required_facts)
            and rule.covers(values)
        ):
            info = evaluate_rule(rule, values, facts)
            if info.eligible:
                reasons.append(
                    _("另：%(rule)s %(amount)s 元由财政直接支付给第三方，不计入本额度。")
                    % {"rule": rule.name, "amount": money(info.amount)}
                )
    return Outcome(eligible=True, amount=best.amount, reasons=reasons, applied=best.applied, capped=best.capped)

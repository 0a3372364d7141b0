"""The parameter schema of each kind of rule, and the numbers an officer may revise."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .base import (
    CENT,
    CHOICE,
    FIXED_BY_LEVEL,
    FIXED_PER_UNIT,
    INTEGER,
    MONEY,
    MONEY_LIMIT,
    RATE_OF_BASE,
    RATE_PLACES,
    RuleDataError,
    shown,
)
from .facts import Fact


@dataclass(frozen=True)
class RateOfBase:
    base_fact: str
    rate: Decimal
    cap: Decimal | None
    minimum_base: Decimal | None
    requires: tuple[str, ...] = ()

    @property
    def trigger_fact(self) -> str:
        return self.base_fact

    @property
    def required_facts(self) -> tuple[str, ...]:
        return (*self.requires, self.base_fact)

    def to_json(self) -> dict:
        return {
            "base_fact": self.base_fact,
            "rate": format(self.rate.normalize(), "f"),
            "cap": None if self.cap is None else str(self.cap),
            "minimum_base": None if self.minimum_base is None else str(self.minimum_base),
            "requires": list(self.requires),
        }


@dataclass(frozen=True)
class AmountTable:
    """Both fixed kinds: an amount for each value of a choice fact (per unit, or per recognised level)."""

    key_fact: str
    amounts: tuple[tuple[str, Decimal], ...]
    quantity_fact: str | None = None
    unit: str = ""
    requires: tuple[str, ...] = ()

    @property
    def trigger_fact(self) -> str:
        return self.key_fact

    @property
    def required_facts(self) -> tuple[str, ...]:
        quantity = (self.quantity_fact,) if self.quantity_fact else ()
        return (*self.requires, self.key_fact, *quantity)

    def amount_for(self, value) -> Decimal | None:
        return dict(self.amounts).get(value)


PARAM_KEYS = {
    RATE_OF_BASE: ({"base_fact", "rate"}, {"cap", "minimum_base", "requires"}),
    FIXED_PER_UNIT: ({"unit_fact", "amounts"}, {"quantity_fact", "unit", "requires"}),
    FIXED_BY_LEVEL: ({"level_fact", "amounts"}, {"requires"}),
}


def _param_money(params: dict, key: str, *, optional: bool) -> Decimal | None:
    raw = params.get(key)
    if raw is None and optional:
        return None
    try:
        value = Decimal(raw) if isinstance(raw, str) else None
    except InvalidOperation:
        value = None
    if (
        value is None
        or not value.is_finite()
        or value < 0
        or value >= MONEY_LIMIT
        or value != value.quantize(CENT, rounding=ROUND_DOWN)
    ):
        raise RuleDataError(_("参数 %(key)s 应为不小于0、最多两位小数的金额字符串。") % {"key": key})
    return value.quantize(CENT)


def _fact_ref(params: dict, key: str, facts: Mapping[str, Fact], kind: str) -> str:
    code = params.get(key)
    if not isinstance(code, str) or code not in facts:
        raise RuleDataError(_("参数 %(key)s 应为本类别已定义的事实编码。") % {"key": key})
    if facts[code].kind != kind:
        raise RuleDataError(_("参数 %(key)s 引用的事实 %(code)s 类型不符。") % {"key": key, "code": code})
    return code


def _requires(params: dict, facts: Mapping[str, Fact]) -> tuple[str, ...]:
    codes = params.get("requires") or []
    if not isinstance(codes, list) or not all(isinstance(code, str) and code in facts for code in codes):
        raise RuleDataError(_("参数 requires 应为本类别已定义的事实编码列表。"))
    return tuple(dict.fromkeys(codes))


def parse_params(kind: str, params, facts: Mapping[str, Fact]) -> RateOfBase | AmountTable:
    """The typed parameters of a rule, checked against its kind's schema and its category's facts."""
    if kind not in PARAM_KEYS:
        raise RuleDataError(_("未知的规则类型：%(kind)s。") % {"kind": shown(kind)})
    if not isinstance(params, dict):
        raise RuleDataError(_("规则参数应为 JSON 对象。"))
    required, optional = PARAM_KEYS[kind]
    missing, unknown = required - params.keys(), params.keys() - required - optional
    if missing or unknown:
        raise RuleDataError(
            _("规则参数不符合“%(kind)s”的格式（缺少：%(missing)s；多余：%(unknown)s）。")
            % {
                "kind": kind,
                "missing": "、".join(sorted(missing)) or "无",
                "unknown": "、".join(sorted(unknown)) or "无",
            }
        )
    if kind == RATE_OF_BASE:
        try:
            rate = Decimal(params["rate"]) if isinstance(params["rate"], str) else None
        except InvalidOperation:
            rate = None
        if rate is None or not rate.is_finite() or not 0 < rate <= 1 or rate.as_tuple().exponent < -RATE_PLACES:
            raise RuleDataError(_('参数 rate 应为大于0、不大于1的小数字符串（最多六位小数），如 "0.13"。'))
        return RateOfBase(
            base_fact=_fact_ref(params, "base_fact", facts, MONEY),
            rate=rate,
            cap=_param_money(params, "cap", optional=True),
            minimum_base=_param_money(params, "minimum_base", optional=True),
            requires=_requires(params, facts),
        )
    key_name = "unit_fact" if kind == FIXED_PER_UNIT else "level_fact"
    key_fact = _fact_ref(params, key_name, facts, CHOICE)
    amounts = params["amounts"]
    if not isinstance(amounts, dict) or not amounts:
        raise RuleDataError(_("参数 amounts 应为非空的 {取值: 金额} 对象。"))
    allowed = dict(facts[key_fact].choices)
    if any(value not in allowed for value in amounts):
        raise RuleDataError(_("参数 amounts 的键应为事实 %(code)s 的可选取值。") % {"code": key_fact})
    table = tuple((value, _param_money(amounts, value, optional=False)) for value in allowed if value in amounts)
    quantity_fact = None
    if kind == FIXED_PER_UNIT and params.get("quantity_fact") is not None:
        quantity_fact = _fact_ref(params, "quantity_fact", facts, INTEGER)
    unit = params.get("unit", "")
    if not isinstance(unit, str) or len(unit) > 10:
        raise RuleDataError(_("参数 unit 应为不超过10个字的计量单位。"))
    return AmountTable(
        key_fact=key_fact, amounts=table, quantity_fact=quantity_fact, unit=unit, requires=_requires(params, facts)
    )


def check_evidence(evidence) -> tuple[str, ...]:
    if not isinstance(evidence, list) or not all(isinstance(item, str) and item.strip() for item in evidence):
        raise RuleDataError(_("证明材料应为文字列表。"))
    return tuple(evidence)


# --- The numbers an officer may change -----------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    key: str  # "rate", "cap", "minimum_base" or "amounts.<choice>"
    label: str
    value: Decimal | None
    is_rate: bool = False
    optional: bool = False


def editable_numbers(kind: str, params: RateOfBase | AmountTable, facts: Mapping[str, Fact]) -> list[Number]:
    if kind == RATE_OF_BASE:
        return [
            Number("rate", _("比例上限（%）"), (params.rate * 100).normalize(), is_rate=True),
            Number("minimum_base", _("起点：基数不低于（元，留空表示不设起点）"), params.minimum_base, optional=True),
            Number("cap", _("补助上限（元，留空表示不封顶）"), params.cap, optional=True),
        ]
    fact = facts[params.key_fact]
    return [
        Number(f"amounts.{value}", _("“%(choice)s”金额（元）") % {"choice": fact.choice_label(value)}, amount)
        for value, amount in params.amounts
    ]


def with_numbers(kind: str, params: dict, numbers: Mapping[str, Decimal | None]) -> dict:
    """The JSON parameters with the given numbers replaced (rates given in percent)."""
    result = dict(params)
    for key, value in numbers.items():
        if key == "rate":
            result["rate"] = format((Decimal(value) / 100).normalize(), "f")
        elif key in ("cap", "minimum_base"):
            result[key] = None if value is None else str(Decimal(value).quantize(CENT))
        elif key.startswith("amounts."):
            result["amounts"] = {**result["amounts"], key.removeprefix("amounts."): str(Decimal(value).quantize(CENT))}
        else:
            raise RuleDataError(_("未知的参数：%(key)s。") % {"key": key})
    return result

"""Facts an applicant supplies: their definitions and the parsing of what was typed or passed."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .base import CENT, CHOICE, INTEGER, INTEGER_LIMIT, INTEGER_TEXT, MONEY, MONEY_LIMIT, RuleDataError, shown


@dataclass(frozen=True)
class Fact:
    code: str
    label: str
    kind: str
    choices: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_row(cls, row) -> "Fact":
        return cls(code=row.code, label=row.label, kind=row.kind, choices=check_choices(row.kind, row.choices))

    @property
    def named(self) -> str:
        return f"“{self.label}”（{self.code}）"

    def choice_label(self, value: str) -> str:
        return dict(self.choices).get(value, value)


def check_choices(kind: str, choices) -> tuple[tuple[str, str], ...]:
    if kind not in (MONEY, CHOICE, INTEGER):
        raise RuleDataError(_("未知的事实类型：%(kind)s。") % {"kind": shown(kind)})
    if kind != CHOICE:
        if choices:
            raise RuleDataError(_("只有“选项”类型的事实可以设置可选项。"))
        return ()
    if not isinstance(choices, list | tuple) or not choices:
        raise RuleDataError(_("“选项”类型的事实至少要有一个可选项。"))
    pairs = []
    for item in choices:
        if not (isinstance(item, list | tuple) and len(item) == 2 and all(isinstance(x, str) and x for x in item)):
            raise RuleDataError(_("可选项应写成 [取值, 中文名称]。"))
        pairs.append((item[0], item[1]))
    if len({value for value, _label in pairs}) != len(pairs):
        raise RuleDataError(_("可选项的取值不能重复。"))
    return tuple(pairs)


def is_missing(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_fact(fact: Fact, raw) -> tuple[object, str | None]:
    """(value, None) or (None, a Chinese message naming the fact). Never raises."""
    if fact.kind == MONEY:
        return _parse_money(fact, raw)
    if fact.kind == INTEGER:
        return _parse_integer(fact, raw)
    if isinstance(raw, str) and raw in dict(fact.choices):
        return raw, None
    allowed = "、".join(f"{value}（{label}）" for value, label in fact.choices)
    message = _("%(fact)s的取值“%(value)s”无效，应为以下之一：%(allowed)s。")
    return None, message % {"fact": fact.named, "value": shown(raw), "allowed": allowed}


def _parse_money(fact: Fact, raw) -> tuple[Decimal | None, str | None]:
    value = None
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int) and not isinstance(raw, bool):
        value = Decimal(raw)
    elif isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            value = None
    if value is None or not value.is_finite():
        return None, _("%(fact)s不是有效的金额：“%(value)s”，请填写以元为单位的数字。") % {
            "fact": fact.named,
            "value": shown(raw),
        }
    if value < 0:
        return None, _("%(fact)s不能为负数。") % {"fact": fact.named}
    if value >= MONEY_LIMIT:
        return None, _("%(fact)s超出可受理的金额范围。") % {"fact": fact.named}
    if value != value.quantize(CENT, rounding=ROUND_DOWN):
        return None, _("%(fact)s最多保留两位小数（分）。") % {"fact": fact.named}
    return value.quantize(CENT), None


def _parse_integer(fact: Fact, raw) -> tuple[int | None, str | None]:
    value = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and INTEGER_TEXT.fullmatch(raw.strip()):
        value = int(raw.strip())
    if value is None:
        return None, _("%(fact)s应为整数：“%(value)s”。") % {"fact": fact.named, "value": shown(raw)}
    if value < 0:
        return None, _("%(fact)s不能为负数。") % {"fact": fact.named}
    if value > INTEGER_LIMIT:
        return None, _("%(fact)s超出可受理的范围。") % {"fact": fact.named}
    return value, None


def parse_facts(facts: Mapping[str, Fact], raw) -> tuple[dict[str, object], dict[str, str]]:
    """The facts that were given, parsed, and a message for each malformed one."""
    values, errors = {}, {}
    if not isinstance(raw, Mapping):
        return values, {"__all__": _("申报事实应为“事实编码: 取值”的字典。")}
    for fact in facts.values():
        raw_value = raw.get(fact.code)
        if is_missing(raw_value):
            continue
        value, error = parse_fact(fact, raw_value)
        if error:
            errors[fact.code] = error
        else:
            values[fact.code] = value
    return values, errors

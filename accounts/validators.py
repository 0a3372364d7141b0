"""Unified social credit code (统一社会信用代码), GB 32100-2015, with both check characters."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code_value(char: str) -> int:
    # GB 11714: digits count as themselves, letters A–Z as 10–35.
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def org_code_check_char(first_eight: str) -> str:
    remainder = 11 - sum(_org_code_value(c) * w for c, w in zip(first_eight, ORG_CODE_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def uscc_check_char(first_seventeen: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first_seventeen, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    code = (value or "").strip()
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(length)d位。"), code="uscc_length", params={"length": len(code)}
        )
    for position, char in enumerate(code, start=1):
        if char not in USCC_CHARSET:
            raise ValidationError(
                _("统一社会信用代码第%(position)d位“%(char)s”不是合法字符（不使用I、O、S、V、Z，字母须大写）。"),
                code="uscc_char",
                params={"position": position, "char": char},
            )
    organisation_code = code[8:17]
    if any(not (c.isdigit() or "A" <= c <= "Z") for c in organisation_code[:8]):
        raise ValidationError(
            _("统一社会信用代码第9–16位（组织机构代码本体）只能是数字或大写字母。"), code="uscc_org_char"
        )
    if org_code_check_char(organisation_code[:8]) != organisation_code[8]:
        raise ValidationError(
            _("统一社会信用代码第17位（组织机构代码校验码）不正确，请核对第9–17位。"), code="uscc_org_check"
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码第18位（校验码）不正确，请核对全部18位。"), code="uscc_check")

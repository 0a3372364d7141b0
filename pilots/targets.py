"""Rules of the performance-target table, cell by cell. Messages are in Chinese and name the cell."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .models import Indicator

FIELDS = ("baseline", "midterm_target", "target")
FIELD_LABELS = {"baseline": "期初值", "midterm_target": "中期目标", "target": "目标值"}


def parse_cell(indicator: Indicator, raw) -> tuple[Decimal | None, str | None]:
    """Turn what was typed into a value, or explain why it cannot be one."""
    if raw is None or str(raw).strip() == "":
        return None, None
    text = str(raw).strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("“%(raw)s”不是数字") % {"raw": raw}
    if not value.is_finite():
        return None, _("“%(raw)s”不是数字") % {"raw": raw}
    if indicator.kind == Indicator.Kind.COUNT:
        if value != value.to_integral_value():
            return None, _("%(unit)s数须为整数") % {"unit": indicator.unit}
        if value < 0:
            return None, _("数量不能为负数")
        if value >= Decimal("1e11"):
            return None, _("数值过大")
        return value.quantize(Decimal("0.1")), None  # stored with one place, like percentages
    if value < 0 or value > 100:
        return None, _("百分比须在0到100之间")
    if value != value.quantize(Decimal("0.1")):
        return None, _("百分比最多保留一位小数")
    return value.quantize(Decimal("0.1")), None


def row_problems(baseline, midterm, target) -> dict[str, str]:
    """Cross-cell rules of one row, for the cells that are filled."""
    problems = {}
    if baseline is not None and target is not None and target < baseline:
        problems["target"] = _("目标值不能低于期初值")
    if midterm is not None:
        if baseline is not None and midterm < baseline:
            problems["midterm_target"] = _("中期目标应介于期初值和目标值之间（不低于期初值）")
        elif target is not None and midterm > target:
            problems["midterm_target"] = _("中期目标应介于期初值和目标值之间（不高于目标值）")
    return problems


def table_problems(rows) -> list[str]:
    """Everything that stops a table from being submitted. ``rows``: TargetValue objects with indicators."""
    problems = []
    for row in rows:
        missing = [FIELD_LABELS[name] for name in FIELDS if getattr(row, name) is None]
        if missing:
            problems.append(
                _("“%(name)s”未填写：%(cells)s") % {"name": row.indicator.name, "cells": "、".join(missing)}
            )
            continue
        for field, message in row_problems(row.baseline, row.midterm_target, row.target).items():
            problems.append(f"“{row.indicator.name}”{FIELD_LABELS[field]}：{message}")
    return problems


def retrofit_total(rows) -> Decimal:
    return sum((row.target or Decimal(0) for row in rows if row.indicator.counts_as_retrofit), Decimal(0))


def merged_rows(items, *, level1, level2) -> list[dict]:
    """Rows of a 附2-style table with level-1 and level-2 cells merged down: each row gets
    ``level1_rowspan``/``level2_rowspan`` (its group's size on the group's first row, 0 elsewhere)."""
    items = list(items)
    rows = [{"item": item, "level1_rowspan": 0, "level2_rowspan": 0} for item in items]
    for key, span_name in ((level1, "level1_rowspan"), (lambda i: (level1(i), level2(i)), "level2_rowspan")):
        start = 0
        for index in range(1, len(items) + 1):
            if index == len(items) or key(items[index]) != key(items[start]):
                rows[start][span_name] = index - start
                start = index
    return rows

"""The Department's overview of a call's pilots in Excel: the same lines as the page, one pilot a row.
Money is written as numbers (yuan, "#,##0.00") so that it sums in Excel; completion as a number of per cent."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pilots.models import PilotCall

from .selectors.progress import OverviewLine

MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0"


def overview_columns() -> list[tuple[str, int]]:
    """(header, width) of each column."""
    return [
        (_("盟市"), 14),
        (_("方案名称"), 36),
        (_("批复文号"), 24),
        (_("实施阶段"), 26),
        (_("关键指标达标数"), 14),
        (_("关键指标总数"), 12),
        (_("关键指标平均完成率（%）"), 16),
        (_("最新实际值来自"), 16),
        (_("批复金额（元）"), 18),
        (_("已拨付（元）"), 18),
        (_("收回资金（元）"), 18),
        (_("待拨付（元）"), 18),
        (_("逾期未报事项"), 12),
    ]


MONEY_COLUMNS = (9, 10, 11, 12)
PERCENT_COLUMN = 7


def overview_workbook(call: PilotCall, lines: list[OverviewLine]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("试点实施情况")
    columns = overview_columns()
    sheet.append([header for header, _width in columns])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, (_header, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    for line in lines:
        plan = line.plan
        approval = getattr(plan, "approval", None)
        sheet.append(
            [
                plan.region.name,
                plan.title,
                approval.number if approval else "",
                plan.get_phase_display() or plan.get_status_display(),
                line.key.met,
                line.key.total,
                line.key.completion,
                line.latest_label,
                line.money.approved,
                line.money.paid,
                line.money.clawed_back,
                line.money.to_pay,
                line.overdue_count,
            ]
        )
        row = sheet.max_row
        for column in MONEY_COLUMNS:
            sheet.cell(row=row, column=column).number_format = MONEY_FORMAT
        sheet.cell(row=row, column=PERCENT_COLUMN).number_format = PERCENT_FORMAT
    if lines:
        first, last = 2, sheet.max_row
        totals = [_("合计"), "", "", "", "", "", "", ""]
        totals += [f"=SUM({get_column_letter(c)}{first}:{get_column_letter(c)}{last})" for c in MONEY_COLUMNS]
        totals.append(sum(line.overdue_count for line in lines))
        sheet.append(totals)
        row = sheet.max_row
        for cell in sheet[row]:
            cell.font = bold
        for column in MONEY_COLUMNS:
            sheet.cell(row=row, column=column).number_format = MONEY_FORMAT
    info = workbook.create_sheet(_("说明"))
    info.append([_("批次"), call.title])
    info.append([_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    info.append(
        [
            _("关键指标平均完成率"),
            _("各关键指标最新实际值的完成率的平均值，单项超过100%的按100%计；尚无实际值的指标不计入。"),
        ]
    )
    info.append([_("收回资金"), _("已决定收回和已登记收回的金额合计。")])
    info.append([_("逾期未报事项"), _("已过提交期限仍未提交的绩效自评、评价报告和整改报告。")])
    info.column_dimensions["A"].width = 20
    info.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

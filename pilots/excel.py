"""The enterprise list (其他材料：产业链企业名单) in Excel: the template to fill, the import, the export.

One layout for all three, so an exported list can be imported again unchanged. Files are judged by
their content, never by their name. The import checks everything and reports every bad row with the
row number the user sees in Excel; nothing is imported unless the whole file is clean.
"""

import io
import zipfile
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.validators import validate_uscc
from documents.validation import JPEG, PDF, PNG, XLSX, detect_type

from .models import PilotPlan
from .services import EnterpriseRow

MAX_ROWS = 5000
MAX_INFLATED_BYTES = 100 * 1024 * 1024
MAX_NAME_LENGTH = 100
# DecimalField(max_digits=16, decimal_places=2): at most 14 digits before the point.
MAX_REVENUE = Decimal(10) ** 14
CENT = Decimal("0.01")
# Excel keeps 15 significant digits; a float read back from a cell is rounded to what Excel shows.
EXCEL_DIGITS = Context(prec=15)

SHEET_NAME = "企业名单"
HELP_SHEET_NAME = "填写说明"
LIST_SHEET_NAME = "产业链"  # hidden: the drop-down list of the plan's chains

COLUMNS = (
    # (key, header, width)
    ("row", "序号", 7),
    ("name", "企业名称", 40),
    ("uscc", "统一社会信用代码", 24),
    ("revenue", "上年度主营业务收入（元）", 24),
    ("is_srdi", "是否专精特新（是/否）", 20),
    ("chain", "所属产业链", 22),
    ("to_retrofit", "是否拟改造（是/否）", 20),
)
HEADERS = tuple(header for _key, header, _width in COLUMNS)
LETTERS = {key: chr(ord("A") + index) for index, (key, _header, _width) in enumerate(COLUMNS)}

HELP_ROWS = (
    ("序号", _lazy("可不填；导入时忽略，按行的先后重新编号。")),
    ("企业名称", _lazy("必填，不超过100个字。")),
    (
        "统一社会信用代码",
        _lazy(
            "必填，18位，按GB 32100校验（含两位校验码）；不使用字母I、O、S、V、Z。"
            "本列已设为文本格式，请勿改为数字格式，否则Excel会截断18位代码。小写字母导入时自动转为大写。"
            "同一文件中不得重复。"
        ),
    ),
    (
        "上年度主营业务收入（元）",
        _lazy("必填，单位为元，不小于0，最多两位小数（到分）。可带千位分隔符，如 1,234,567.89。"),
    ),
    ("是否专精特新（是/否）", _lazy("必填，填“是”或“否”（也接受 Y/N、yes/no、1/0、√）。")),
    ("所属产业链", _lazy("必填，须是方案中已添加的产业链名称之一（可从下拉列表选择）。")),
    ("是否拟改造（是/否）", _lazy("必填，填“是”或“否”（也接受 Y/N、yes/no、1/0、√）。")),
    (
        "其他",
        _lazy(
            "表头请勿修改；空行会被跳过；每次最多导入5000家企业。"
            "导入会替换方案中现有的全部企业名单；有任何一行不合格时整个文件都不导入，请按提示改正后重新上传。"
        ),
    ),
)

TRUE_WORDS = frozenset({"是", "y", "yes", "1", "√", "✓", "✔", "true"})
FALSE_WORDS = frozenset({"否", "n", "no", "0", "false"})


@dataclass(frozen=True)
class RowError:
    """One problem of an imported file. ``row`` is the Excel row number; 0 means the whole file."""

    row: int
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        return _("第%(row)d行：%(message)s") % {"row": self.row, "message": self.message}


# --- writing ------------------------------------------------------------------------------------


def enterprise_template_workbook(plan: PilotPlan) -> bytes:
    """An empty list to fill in, with drop-downs for the 是/否 columns and the plan's chains."""
    return _workbook(_chain_names(plan), rows=[])


def enterprise_export_workbook(plan: PilotPlan) -> bytes:
    """The plan's list in the template's layout (it can be edited and imported again)."""
    enterprises = plan.enterprises.select_related("chain").order_by("row", "id")
    rows = [(e.name, e.uscc, e.revenue, e.is_srdi, e.chain.name, e.to_retrofit) for e in enterprises]
    return _workbook(_chain_names(plan), rows=rows)


def _chain_names(plan: PilotPlan) -> list[str]:
    return list(plan.chains.order_by("order", "id").values_list("name", flat=True))


def _workbook(chain_names: list[str], rows: list[tuple]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    sheet.append(HEADERS)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"
    for key, _header, width in COLUMNS:
        sheet.column_dimensions[LETTERS[key]].width = width
    # Text format for the whole code column, so that new cells typed by the user stay text too.
    sheet.column_dimensions[LETTERS["uscc"]].number_format = "@"

    for number, (name, uscc, revenue, is_srdi, chain, to_retrofit) in enumerate(rows, start=1):
        sheet.append([number, name, uscc, _revenue_cell_value(revenue), _yes_no(is_srdi), chain, _yes_no(to_retrofit)])
        row = sheet.max_row
        sheet[f"{LETTERS['uscc']}{row}"].number_format = "@"
        sheet[f"{LETTERS['revenue']}{row}"].number_format = "#,##0.00"

    last = MAX_ROWS + 1
    yes_no = DataValidation(
        type="list",
        formula1='"是,否"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("请选择“是”或“否”"),
        error=_("本列只能填“是”或“否”。"),
    )
    yes_no.add(f"{LETTERS['is_srdi']}2:{LETTERS['is_srdi']}{last}")
    yes_no.add(f"{LETTERS['to_retrofit']}2:{LETTERS['to_retrofit']}{last}")
    sheet.add_data_validation(yes_no)
    if chain_names:
        # A range on a hidden sheet rather than an inline list: inline lists are limited to 255
        # characters and cannot hold names containing commas.
        lists = workbook.create_sheet(LIST_SHEET_NAME)
        for name in chain_names:
            lists.append([name])
        lists.sheet_state = "hidden"
        chains = DataValidation(
            type="list",
            formula1=f"'{LIST_SHEET_NAME}'!$A$1:$A${len(chain_names)}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("产业链不在方案中"),
            error=_("请从下拉列表中选择方案中已添加的产业链。"),
        )
        chains.add(f"{LETTERS['chain']}2:{LETTERS['chain']}{last}")
        sheet.add_data_validation(chains)
    revenue = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("收入应为数字"),
        error=_("上年度主营业务收入应为不小于0的数字（元）。"),
    )
    revenue.add(f"{LETTERS['revenue']}2:{LETTERS['revenue']}{last}")
    sheet.add_data_validation(revenue)

    help_sheet = workbook.create_sheet(HELP_SHEET_NAME, index=1)
    help_sheet.append([_("列"), _("填写要求")])
    for cell in help_sheet[1]:
        cell.font = bold
        cell.fill = fill
    for column, text in HELP_ROWS:
        help_sheet.append([column, str(text)])
    if chain_names:
        help_sheet.append([_("可选产业链"), "、".join(chain_names)])
    else:
        help_sheet.append([_("可选产业链"), _("方案尚未添加产业链，请先在方案中添加产业链，再导入企业名单。")])
    help_sheet.column_dimensions["A"].width = 26
    help_sheet.column_dimensions["B"].width = 90
    for row in help_sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _revenue_cell_value(value: Decimal):
    # Excel numbers hold 15 significant digits; a larger amount is written as text so that an
    # export imports back to the cent.
    if len(value.as_tuple().digits) <= 15:
        return value
    return f"{value:,.2f}"


# --- reading ------------------------------------------------------------------------------------


def parse_enterprise_workbook(file, *, chain_names: set[str]) -> tuple[list[EnterpriseRow], list[RowError]]:
    """Read an uploaded list. Returns (rows, errors); ``rows`` is empty whenever ``errors`` is not,
    so that nothing of a faulty file can be imported. ``file``: an uploaded file, a file object, a
    path or bytes."""
    try:
        data = _read_bytes(file)
    except OSError:
        return [], [RowError(0, _("无法读取上传的文件，请重新上传。"))]
    problem = _content_problem(data) or _size_problem(data)
    if problem:
        return [], [RowError(0, problem)]
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
        return [], [RowError(0, _("Excel文件已损坏或无法读取，请用Excel或WPS重新另存为.xlsx后再导入。"))]
    try:
        return _parse_sheet(_data_sheet(workbook), chain_names=set(chain_names))
    finally:
        workbook.close()


def _read_bytes(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if isinstance(file, str) or hasattr(file, "__fspath__"):
        with open(file, "rb") as handle:
            return handle.read()
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    if hasattr(file, "seek"):
        file.seek(0)
    return data


def _content_problem(data: bytes) -> str | None:
    if not data:
        return _("上传的文件是空文件。")
    detected = detect_type(data[:16], data)
    if detected == XLSX:
        return None
    if detected == "docx":
        return _("上传的文件实际是Word文档，不是Excel（.xlsx）文件。请下载企业名单模板，填写后上传。")
    if detected == PDF:
        return _("上传的文件实际是PDF，不是Excel（.xlsx）文件。请下载企业名单模板，填写后上传。")
    if detected in (PNG, JPEG):
        return _("上传的文件实际是图片，不是Excel（.xlsx）文件。请下载企业名单模板，填写后上传。")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _("上传的文件是旧版Excel（.xls）或其他Office格式，请在Excel或WPS中另存为.xlsx后再导入。")
    return _("上传的文件不是Excel（.xlsx）文件（按文件内容判断，与扩展名无关）。请下载企业名单模板，填写后上传。")


def _size_problem(data: bytes) -> str | None:
    # openpyxl reads the shared strings whole: refuse a zip that inflates far beyond any real list
    # (5000 rows of the template inflate to a few megabytes).
    try:
        inflated = sum(item.file_size for item in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except zipfile.BadZipFile:
        return _("Excel文件已损坏或无法读取，请用Excel或WPS重新另存为.xlsx后再导入。")
    if inflated > MAX_INFLATED_BYTES:
        return _("Excel文件解压后过大（超过%(limit)d MB），不像是企业名单，请核对后重新上传。") % {
            "limit": MAX_INFLATED_BYTES // 1024 // 1024
        }
    return None


def _data_sheet(workbook):
    if SHEET_NAME in workbook.sheetnames:
        return workbook[SHEET_NAME]
    visible = [sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible"]
    return visible[0] if visible else workbook.worksheets[0]


def _normalise_header(value) -> str:
    text = "" if value is None else str(value)
    text = "".join(text.split())  # no spaces or line breaks
    return text.replace("（", "(").replace("）", ")")


# Accepted spellings of each header (after _normalise_header): the template's, and the same
# without its hint in brackets.
HEADER_ALIASES = {
    "row": {"序号"},
    "name": {"企业名称"},
    "uscc": {"统一社会信用代码"},
    "revenue": {"上年度主营业务收入(元)", "上年度主营业务收入"},
    "is_srdi": {"是否专精特新(是/否)", "是否专精特新"},
    "chain": {"所属产业链"},
    "to_retrofit": {"是否拟改造(是/否)", "是否拟改造"},
}
REQUIRED_COLUMNS = ("name", "uscc", "revenue", "is_srdi", "chain", "to_retrofit")
HEADER_SEARCH_ROWS = 10


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int]] | None:
    """(index of the header row, {column key: cell index}) when a row of the first few holds every
    required header."""
    for index, values in enumerate(rows):
        found = {}
        for position, value in enumerate(values):
            text = _normalise_header(value)
            for key, aliases in HEADER_ALIASES.items():
                if text in aliases and key not in found:
                    found[key] = position
        if all(key in found for key in REQUIRED_COLUMNS):
            return index, found
    return None


def _parse_sheet(sheet, *, chain_names: set[str]) -> tuple[list[EnterpriseRow], list[RowError]]:
    # Some programs write a wrong <dimension>; without this the reader would stop at its last row.
    sheet.reset_dimensions()
    values_by_row = sheet.iter_rows(values_only=True)
    head = []
    for values in values_by_row:
        head.append(values)
        if len(head) == HEADER_SEARCH_ROWS:
            break
    header = _find_header(head)
    if header is None:
        return [], [
            RowError(
                0,
                _("未找到企业名单的表头。第一行应为：%(headers)s。请下载企业名单模板，按模板填写后上传。")
                % {"headers": "、".join(HEADERS)},
            )
        ]
    if not chain_names:
        return [], [RowError(0, _("方案尚未添加产业链，请先添加产业链，再导入企业名单。"))]
    header_index, columns = header

    def body():
        # Row numbers as Excel shows them: the read-only reader yields empty rows for gaps.
        yield from enumerate(head[header_index + 1 :], start=header_index + 2)
        yield from enumerate(values_by_row, start=len(head) + 1)

    rows: list[EnterpriseRow] = []
    errors: list[RowError] = []
    first_row_of: dict[str, int] = {}
    count = 0
    for number, values in body():
        cells = {key: (values[index] if index < len(values) else None) for key, index in columns.items()}
        if all(_is_blank(cells[key]) for key in REQUIRED_COLUMNS):
            continue  # a blank row (a 序号 alone counts as blank: templates are often pre-numbered)
        count += 1
        if count > MAX_ROWS:
            return [], [
                RowError(
                    0,
                    _(
                        "企业名单超过%(limit)d行（第%(row)d行已是第%(count)d家企业），请核对后分批整理，每次最多导入%(limit)d家。"
                    )
                    % {"limit": MAX_ROWS, "row": number, "count": count},
                )
            ]
        row, row_errors = _parse_row(number, cells, chain_names=chain_names, first_row_of=first_row_of)
        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append(row)
    if not count and not errors:
        return [], [RowError(0, _("文件中没有企业数据（表头以下都是空行）。"))]
    if errors:
        return [], errors
    return rows, []


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_row(number: int, cells: dict, *, chain_names: set[str], first_row_of: dict[str, int]):
    errors: list[str] = []

    name = _text(cells["name"])
    if not name:
        errors.append(_("企业名称未填写"))
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(
            _("企业名称超过%(limit)d个字（当前%(length)d个）") % {"limit": MAX_NAME_LENGTH, "length": len(name)}
        )

    uscc, problem = _uscc(cells["uscc"])
    if problem:
        errors.append(problem)
    elif uscc in first_row_of:
        errors.append(_("统一社会信用代码 %(uscc)s 与第%(row)d行重复") % {"uscc": uscc, "row": first_row_of[uscc]})
    else:
        first_row_of[uscc] = number

    revenue, problem = _revenue(cells["revenue"])
    if problem:
        errors.append(problem)

    is_srdi, problem = _yes_no_value(cells["is_srdi"], label=_("是否专精特新"))
    if problem:
        errors.append(problem)

    chain = _text(cells["chain"])
    if not chain:
        errors.append(_("所属产业链未填写"))
    elif chain not in chain_names:
        errors.append(
            _("所属产业链“%(chain)s”不在方案的产业链中（可选：%(names)s）")
            % {"chain": chain, "names": "、".join(sorted(chain_names))}
        )

    to_retrofit, problem = _yes_no_value(cells["to_retrofit"], label=_("是否拟改造"))
    if problem:
        errors.append(problem)

    if errors:
        return None, [RowError(number, message) for message in errors]
    return (
        EnterpriseRow(
            name=name, uscc=uscc, revenue=revenue, is_srdi=is_srdi, chain_name=chain, to_retrofit=to_retrofit
        ),
        [],
    )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _uscc(value) -> tuple[str, str | None]:
    if _is_blank(value):
        return "", _("统一社会信用代码未填写")
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    # GB 32100 uses upper-case letters only. A lower-case letter is a typing slip, not another code,
    # so it is accepted and stored upper-cased rather than refused.
    code = _text(value).upper()
    try:
        validate_uscc(code)
    except ValidationError as error:
        message = error.messages[0]
        if numeric:
            message += _(
                "（该单元格是数字格式，Excel只保留15位有效数字，18位代码可能已被截断；请把该列设为文本格式后重新填写）"
            )
        return "", message
    return code, None


def _revenue(value) -> tuple[Decimal | None, str | None]:
    if _is_blank(value):
        return None, _("上年度主营业务收入未填写")
    not_a_number = _("上年度主营业务收入应为数字")
    if isinstance(value, bool):
        return None, not_a_number
    if isinstance(value, float):
        # Never Decimal(float): that is the binary value (1234.56 → 1234.5599999…). str() gives the
        # shortest decimal that reads back as the same float; rounding to Excel's 15 significant
        # digits then removes the noise of computed cells (0.1+0.2 → 0.3), i.e. what Excel displays.
        amount = EXCEL_DIGITS.plus(Decimal(str(value)))
    elif isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = "".join(value.split()).replace(",", "").replace("，", "").removesuffix("元")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            return None, not_a_number
    else:  # dates, times and the like
        return None, not_a_number
    if not amount.is_finite():
        return None, not_a_number
    if amount < 0:
        return None, _("上年度主营业务收入不能为负数")
    if amount >= MAX_REVENUE:
        return None, _("上年度主营业务收入数值过大（单位为元，请核对是否多填了位数）")
    if amount != amount.quantize(CENT):
        return None, _("上年度主营业务收入最多保留两位小数（单位为元，精确到分）")
    return amount.quantize(CENT), None


def _yes_no_value(value, *, label: str) -> tuple[bool | None, str | None]:
    if isinstance(value, bool):
        return value, None
    text = _text(value).lower()
    if not text:
        return None, _("%(label)s未填写（请填“是”或“否”）") % {"label": label}
    if text in TRUE_WORDS:
        return True, None
    if text in FALSE_WORDS:
        return False, None
    return None, _("%(label)s应填“是”或“否”，当前为“%(value)s”") % {"label": label, "value": _text(value)}

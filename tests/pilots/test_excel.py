"""The enterprise list in Excel: template, import (every bad row named), export and round trip."""

import io
import re
import zipfile
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts.validators import validate_uscc
from pilots import services
from pilots.excel import (
    HEADERS,
    HELP_SHEET_NAME,
    MAX_ROWS,
    SHEET_NAME,
    RowError,
    _revenue,
    enterprise_export_workbook,
    enterprise_template_workbook,
    parse_enterprise_workbook,
)

from .factories import CHAINS, PilotPlanFactory, add_chains, applicant_of, enterprise_rows, stamped_pdf_upload

CHAIN_NAMES = {chain["name"] for chain in CHAINS}
RARE_EARTH, EQUIPMENT = (chain["name"] for chain in CHAINS)


@pytest.fixture
def plan(db):
    plan = PilotPlanFactory()
    add_chains(plan, applicant_of(plan))
    return plan


def xlsx(rows, *, header=HEADERS) -> bytes:
    """A workbook as a user would fill it: the header, then ``rows`` (cells as given)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    if header:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_cells(row, number="") -> list:
    return [
        number,
        row.name,
        row.uscc,
        row.revenue,
        "是" if row.is_srdi else "否",
        row.chain_name,
        "是" if row.to_retrofit else "否",
    ]


def good_rows(count=120, *, seed=1):
    return enterprise_rows(count, [RARE_EARTH, EQUIPMENT], seed=seed)


def parse(data, chain_names=CHAIN_NAMES):
    return parse_enterprise_workbook(SimpleUploadedFile("企业名单.xlsx", data), chain_names=chain_names)


def uscc_message(code: str) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_uscc(code)
    return caught.value.messages[0]


def plan_list(plan):
    return list(plan.enterprises.order_by("row").values_list("name", "uscc", "revenue", "chain__name"))


# --- the template -----------------------------------------------------------------------------------


def test_template_opens_with_the_header_help_and_validation(plan):
    workbook = load_workbook(io.BytesIO(enterprise_template_workbook(plan)))

    sheet = workbook[SHEET_NAME]
    assert workbook.active.title == SHEET_NAME
    assert [cell.value for cell in sheet[1]] == [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "上年度主营业务收入（元）",
        "是否专精特新（是/否）",
        "所属产业链",
        "是否拟改造（是/否）",
    ]
    assert sheet.max_row == 1
    assert sheet.freeze_panes == "A2"
    assert all(sheet.column_dimensions[letter].width >= 7 for letter in "ABCDEFG")
    assert sheet.column_dimensions["B"].width >= 30
    assert sheet.column_dimensions["C"].number_format == "@"  # the 18-character code stays text

    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert validations["E2:E5001 G2:G5001"].formula1 == '"是,否"'
    chain_list = validations["F2:F5001"]
    assert chain_list.type == "list"
    assert chain_list.formula1 == "'产业链'!$A$1:$A$2"
    lists = workbook["产业链"]
    assert lists.sheet_state == "hidden"
    assert [row[0] for row in lists.iter_rows(values_only=True)] == [RARE_EARTH, EQUIPMENT]
    assert validations["D2:D5001"].type == "decimal"

    help_sheet = workbook[HELP_SHEET_NAME]
    explained = {row[0]: row[1] for row in help_sheet.iter_rows(min_row=2, values_only=True)}
    assert set(HEADERS) <= set(explained)
    assert "GB 32100" in explained["统一社会信用代码"]
    assert explained["可选产业链"] == f"{RARE_EARTH}、{EQUIPMENT}"


def test_the_template_itself_imports_as_no_data(plan):
    rows, errors = parse(enterprise_template_workbook(plan))
    assert rows == []
    assert errors == [RowError(0, "文件中没有企业数据（表头以下都是空行）。")]


# --- a clean import ---------------------------------------------------------------------------------


def test_a_clean_file_of_120_rows_gives_120_rows_and_imports(plan):
    expected = good_rows(120)
    rows, errors = parse(xlsx(as_cells(row, number) for number, row in enumerate(expected, start=1)))

    assert errors == []
    assert len(rows) == 120
    assert rows == expected  # names, codes, revenue to the cent, flags, chains, in order
    assert all(isinstance(row.revenue, Decimal) and row.revenue.as_tuple().exponent == -2 for row in rows)

    assert services.enterprises_replace(actor=applicant_of(plan), plan=plan, rows=rows, source="企业名单.xlsx") == 120
    assert plan.enterprises.count() == 120
    assert plan.enterprises.get(row=1).uscc == expected[0].uscc


def test_blank_rows_are_skipped_and_row_numbers_are_excels(plan):
    first, second = good_rows(2)
    data = xlsx(
        [as_cells(first), [None] * 7, ["3", None, "  ", None, None, None, None], as_cells(replace(second, name=""))]
    )
    rows, errors = parse(data)
    assert rows == []
    assert errors == [RowError(5, "企业名称未填写")]  # header 1, row 2, two blank rows, then row 5


def test_the_header_may_sit_below_a_title_row(plan):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["包头市产业链企业名单"])
    sheet.append(list(HEADERS))
    (row,) = good_rows(1)
    sheet.append(as_cells(replace(row, chain_name="化工产业链")))
    buffer = io.BytesIO()
    workbook.save(buffer)
    _rows, errors = parse(buffer.getvalue())
    assert [error.row for error in errors] == [3]


# --- bad rows ---------------------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_row_and_nothing_is_imported(plan):
    actor = applicant_of(plan)
    services.enterprises_replace(actor=actor, plan=plan, rows=good_rows(5, seed=9), source="earlier")
    before = plan_list(plan)

    rows = good_rows(20)
    cells = [as_cells(row, number) for number, row in enumerate(rows, start=1)]
    # Excel row = list index + 2 (the header is row 1).
    wrong_code = rows[3].uscc[:-1] + ("0" if rows[3].uscc[-1] != "0" else "1")
    cells[3][2] = wrong_code  # row 5
    cells[6][2] = rows[1].uscc  # row 8 repeats row 3
    cells[8][3] = "abc"  # row 10
    cells[10][5] = "化工产业链"  # row 12
    cells[13][1] = None  # row 15

    parsed, errors = parse(xlsx(cells))

    assert parsed == []
    assert errors == [
        RowError(5, uscc_message(wrong_code)),
        RowError(8, f"统一社会信用代码 {rows[1].uscc} 与第3行重复"),
        RowError(10, "上年度主营业务收入应为数字"),
        RowError(12, f"所属产业链“化工产业链”不在方案的产业链中（可选：{'、'.join(sorted(CHAIN_NAMES))}）"),
        RowError(15, "企业名称未填写"),
    ]
    assert uscc_message(wrong_code).startswith("统一社会信用代码第18位")
    assert str(errors[2]) == "第10行：上年度主营业务收入应为数字"

    # The caller imports only a clean file (as pilots.views.plans.enterprises does).
    if not errors:
        services.enterprises_replace(actor=actor, plan=plan, rows=parsed, source="bad.xlsx")
    assert plan_list(plan) == before


def test_all_problems_of_one_row_are_reported(plan):
    cells = [[1, "", "91150200MA0000001", "-5", "也许", "", "是"]]
    _rows, errors = parse(xlsx(cells))
    assert errors == [
        RowError(2, "企业名称未填写"),
        RowError(2, "统一社会信用代码应为18位，当前为17位。"),
        RowError(2, "上年度主营业务收入不能为负数"),
        RowError(2, "是否专精特新应填“是”或“否”，当前为“也许”"),
        RowError(2, "所属产业链未填写"),
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (1234.56, Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        (" 1，234.5 ", Decimal("1234.50")),
        ("8000000元", Decimal("8000000.00")),
        (12_345_678_901, Decimal("12345678901.00")),
        (0, Decimal("0.00")),
        ("1e3", Decimal("1000.00")),
    ],
)
def test_revenue_is_read_exactly(plan, cell, expected):
    (row,) = good_rows(1)
    cells = as_cells(row)
    cells[3] = cell
    rows, errors = parse(xlsx([cells]))
    assert errors == []
    assert rows[0].revenue == expected
    assert str(rows[0].revenue) == str(expected)


def test_a_computed_float_is_read_as_excel_shows_it():
    # openpyxl writes floats rounded, so a file cannot carry 0.30000000000000004; Excel's own files
    # do (17 digits), and the reader must not take that noise for a third decimal.
    assert _revenue(0.1 + 0.2) == (Decimal("0.30"), None)
    assert _revenue(1234.56) == (Decimal("1234.56"), None)
    assert _revenue(1234.567)[1] == "上年度主营业务收入最多保留两位小数（单位为元，精确到分）"


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("abc", "上年度主营业务收入应为数字"),
        ("12.345", "上年度主营业务收入最多保留两位小数（单位为元，精确到分）"),
        (1234.567, "上年度主营业务收入最多保留两位小数（单位为元，精确到分）"),
        (-0.01, "上年度主营业务收入不能为负数"),
        ("NaN", "上年度主营业务收入应为数字"),
        ("1e20", "上年度主营业务收入数值过大（单位为元，请核对是否多填了位数）"),
        (True, "上年度主营业务收入应为数字"),
        (None, "上年度主营业务收入未填写"),
    ],
)
def test_bad_revenue_is_explained(plan, cell, message):
    (row,) = good_rows(1)
    cells = as_cells(row)
    cells[3] = cell
    assert parse(xlsx([cells]))[1] == [RowError(2, message)]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        *[("是", True), ("否", False), ("Y", True), ("n", False), ("Yes", True), ("NO", False), ("√", True)],
        *[(1, True), (0, False), ("1", True), ("0", False), (True, True), (False, False)],
    ],
)
def test_yes_no_columns_accept_the_usual_spellings(plan, cell, expected):
    (row,) = good_rows(1)
    cells = as_cells(row)
    cells[4] = cells[6] = cell
    rows, errors = parse(xlsx([cells]))
    assert errors == []
    assert (rows[0].is_srdi, rows[0].to_retrofit) == (expected, expected)


def test_yes_no_columns_are_required(plan):
    (row,) = good_rows(1)
    cells = as_cells(row)
    cells[4] = None
    cells[6] = "x"
    assert parse(xlsx([cells]))[1] == [
        RowError(2, "是否专精特新未填写（请填“是”或“否”）"),
        RowError(2, "是否拟改造应填“是”或“否”，当前为“x”"),
    ]


def test_a_lower_case_code_is_accepted_upper_cased(plan):
    (row,) = good_rows(1)
    assert any(char.isalpha() for char in row.uscc)
    cells = as_cells(row)
    cells[2] = f"  {row.uscc.lower()} "
    rows, errors = parse(xlsx([cells]))
    assert errors == []
    assert rows[0].uscc == row.uscc


def test_a_code_stored_as_a_number_is_explained(plan):
    (row,) = good_rows(1)
    cells = as_cells(row)
    cells[2] = 911502001234567890
    (error,) = parse(xlsx([cells]))[1]
    assert error.row == 2
    assert "该单元格是数字格式" in error.message
    assert "设为文本格式" in error.message


def test_a_long_name_and_an_empty_code_are_refused(plan):
    (row,) = good_rows(1)
    cells = as_cells(row)
    cells[1] = "企" * 101
    cells[2] = " "
    assert parse(xlsx([cells]))[1] == [
        RowError(2, "企业名称超过100个字（当前101个）"),
        RowError(2, "统一社会信用代码未填写"),
    ]


# --- files that are not enterprise lists -------------------------------------------------------------


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (docx_bytes(), "上传的文件实际是Word文档，不是Excel（.xlsx）文件。请下载企业名单模板，填写后上传。"),
        (stamped_pdf_upload().read(), "上传的文件实际是PDF，不是Excel（.xlsx）文件。请下载企业名单模板，填写后上传。"),
        (
            "序号,企业名称\n1,某公司\n".encode(),
            "上传的文件不是Excel（.xlsx）文件（按文件内容判断，与扩展名无关）。请下载企业名单模板，填写后上传。",
        ),
        (b"", "上传的文件是空文件。"),
        (
            b"PK\x03\x04broken",
            "上传的文件不是Excel（.xlsx）文件（按文件内容判断，与扩展名无关）。请下载企业名单模板，填写后上传。",
        ),
    ],
    ids=["docx", "pdf", "csv", "empty", "broken-zip"],
)
def test_a_file_that_is_not_xlsx_is_refused_with_one_clear_message(plan, data, message):
    before = plan_list(plan)
    rows, errors = parse_enterprise_workbook(SimpleUploadedFile("企业名单.xlsx", data), chain_names=CHAIN_NAMES)
    assert (rows, errors) == ([], [RowError(0, message)])
    assert str(errors[0]) == message
    assert plan_list(plan) == before


def test_a_workbook_without_the_header_is_refused(plan):
    (row,) = good_rows(1)
    rows, errors = parse(xlsx([as_cells(row)], header=["名称", "代码"]))
    assert rows == []
    assert len(errors) == 1
    assert errors[0].row == 0
    assert errors[0].message.startswith("未找到企业名单的表头。第一行应为：序号、企业名称、统一社会信用代码")


def test_headers_are_matched_without_spaces_and_with_half_width_brackets(plan):
    header = [
        "序号",
        " 企业 名称",
        "统一社会信用代码",
        "上年度主营业务收入(元)",
        "是否专精特新",
        "所属产业链",
        "是否拟改造(是/否)",
    ]
    (row,) = good_rows(1)
    rows, errors = parse(xlsx([as_cells(row)], header=header))
    assert errors == []
    assert rows == [row]


def test_a_plan_without_chains_cannot_import(plan):
    (row,) = good_rows(1)
    assert parse(xlsx([as_cells(row)]), chain_names=set())[1] == [
        RowError(0, "方案尚未添加产业链，请先添加产业链，再导入企业名单。")
    ]


def test_more_than_5000_rows_are_refused(plan):
    (row,) = good_rows(1)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)
    sheet.append(list(HEADERS))
    cells = as_cells(row)
    for _ in range(MAX_ROWS + 1):
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)

    rows, errors = parse(buffer.getvalue())

    assert rows == []
    assert errors == [
        RowError(0, "企业名单超过5000行（第5002行已是第5001家企业），请核对后分批整理，每次最多导入5000家。")
    ]


def test_a_wrong_dimension_record_does_not_hide_rows(plan):
    # Some generators write <dimension ref="A1:G2"/> whatever the size; every row must still be read.
    rows = good_rows(5)
    data = xlsx(as_cells(row) for row in rows)
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:G2"', content)
                assert b'<dimension ref="A1:G2"' in content
            archive.writestr(item, content)
    assert parse(target.getvalue()) == (rows, [])


def test_a_zip_that_inflates_too_far_is_refused(plan, monkeypatch):
    monkeypatch.setattr("pilots.excel.MAX_INFLATED_BYTES", 1024)
    (row,) = good_rows(1)
    assert parse(xlsx([as_cells(row)])) == (
        [],
        [RowError(0, "Excel文件解压后过大（超过0 MB），不像是企业名单，请核对后重新上传。")],
    )


def test_the_parser_takes_bytes_paths_and_file_objects(plan, tmp_path):
    rows = good_rows(3)
    data = xlsx(as_cells(row) for row in rows)
    path = tmp_path / "list.xlsx"
    path.write_bytes(data)
    for source in (data, path, str(path), io.BytesIO(data)):
        assert parse_enterprise_workbook(source, chain_names=CHAIN_NAMES) == (rows, [])


# --- export -----------------------------------------------------------------------------------------


def test_export_then_import_gives_the_same_list(plan):
    actor = applicant_of(plan)
    original = good_rows(120)
    # The extremes of the revenue column: zero and the largest amount the model holds (16 digits,
    # more than an Excel number keeps).
    original[0] = replace(original[0], revenue=Decimal("0.00"))
    original[1] = replace(original[1], revenue=Decimal("99999999999999.99"))
    original[2] = replace(original[2], revenue=Decimal("123456789012.34"))
    services.enterprises_replace(actor=actor, plan=plan, rows=original, source="original")
    before = plan_list(plan)

    exported = enterprise_export_workbook(plan)
    rows, errors = parse(exported)

    assert errors == []
    assert rows == original
    services.enterprises_replace(actor=actor, plan=plan, rows=rows, source="re-import")
    assert plan_list(plan) == before


def test_export_is_the_template_with_the_plans_rows(plan):
    (row,) = good_rows(1)
    services.enterprises_replace(actor=applicant_of(plan), plan=plan, rows=[row], source="one")
    workbook = load_workbook(io.BytesIO(enterprise_export_workbook(plan)))
    sheet = workbook[SHEET_NAME]
    assert [cell.value for cell in sheet[1]] == list(HEADERS)
    values = [cell.value for cell in sheet[2]]
    assert values == [
        1,
        row.name,
        row.uscc,
        float(row.revenue),
        "是" if row.is_srdi else "否",
        row.chain_name,
        "是" if row.to_retrofit else "否",
    ]
    assert sheet["C2"].data_type == "s"
    assert sheet["C2"].number_format == "@"
    assert sheet["D2"].number_format == "#,##0.00"
    assert HELP_SHEET_NAME in workbook.sheetnames

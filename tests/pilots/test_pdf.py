"""The plan PDF: rendered after commit from the frozen version, with everything the plan holds."""

import io
import re
import time
from decimal import Decimal

import pytest
from pypdf import PdfReader

from documents.models import Document
from pilots import services
from pilots.models import FundLine, Indicator, PilotPlan
from pilots.pdf import fund_table, render_version_pdf_now, target_table_rows, version_pdf_name
from tests.factories import LeagueCityFactory

from .factories import (
    FUND_LINES,
    PilotPlanFactory,
    fill_plan_ready_to_submit,
    make_applicant,
    shipped_target_template,
)

ENTERPRISES = 120


def pdf_reader(document: Document) -> PdfReader:
    with document.file.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def pdf_text(document: Document) -> str:
    return "\n".join(page.extract_text() for page in pdf_reader(document).pages)


def squeezed(text: str) -> str:
    """Text without any white space: table cells wrap, and extraction puts breaks where lines wrap."""
    return re.sub(r"\s+", "", text)


@pytest.fixture
def submitted(db, django_capture_on_commit_callbacks):
    """A full plan (120 enterprises) of 包头市, submitted; the PDF task ran after commit."""
    region = LeagueCityFactory(code="150200", name="包头市")
    actor = make_applicant(region)
    plan = PilotPlanFactory(actor=actor)
    fill_plan_ready_to_submit(plan, actor, enterprises=ENTERPRISES)
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        version = services.plan_submit(actor=actor, plan=plan)
    elapsed = time.perf_counter() - started
    assert len(callbacks) == 1
    version.refresh_from_db()
    version.render_seconds = elapsed
    return version


def test_submitting_renders_the_version_pdf_after_commit(submitted):
    plan = submitted.plan
    assert plan.status == PilotPlan.Status.SUBMITTED
    document = submitted.pdf
    assert document is not None
    assert document.content_type == Document.FileType.PDF
    assert document.purpose == "plan_pdf"
    assert document.owner == plan
    assert document.organisation == plan.applicant
    assert document.original_name == f"{plan.title}-第1版.pdf"
    with document.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    # Printed for the record (pytest -s); includes the first, cold WeasyPrint start.
    print(f"\nplan PDF ({ENTERPRISES} enterprises, 23 indicators): submit + render {submitted.render_seconds:.2f} s")
    assert submitted.render_seconds < 30  # a guard against pathological layouts, not a benchmark


def test_the_pdf_holds_the_whole_plan(submitted):
    plan = submitted.plan
    text = pdf_text(submitted.pdf)
    flat = squeezed(text)

    # Cover and page numbers.
    assert "包头市" in flat
    assert squeezed(plan.applicant.name) in flat
    assert squeezed(plan.call.title) in flat
    assert "（第1版）" in flat
    assert "第 1 页 共" in text
    pages = len(pdf_reader(submitted.pdf).pages)
    assert f"第 {pages} 页 共 {pages} 页" in text

    # The six chapters, in order.
    chapters = ["一、工作基础", "二、工作目标", "三、实施内容", "四、资金使用", "五、保障措施", "六、其他材料"]
    positions = [flat.index(chapter) for chapter in chapters]
    assert positions == sorted(positions)

    # The target table: every indicator of the template, with its unit, and the table's title.
    names = list(Indicator.objects.filter(template=shipped_target_template()).values_list("name", "unit"))
    assert len(names) == 23
    for name, unit in names:
        assert squeezed(f"{name}（{unit}）") in flat, name
    assert f"{plan.call.year}年包头市数字化转型绩效评价目标表" in flat
    assert "一级指标二级指标三级指标（单位）期初值中期目标目标值" in flat

    # The fund plan: each line's total, the totals per source and overall, formatted as printed.
    sources = {source: Decimal(0) for source in FundLine.SOURCES}
    for line in FUND_LINES.values():
        for source in FundLine.SOURCES:
            sources[source] += line[source]
        assert f"{sum(line[s] for s in FundLine.SOURCES):,.2f}" in flat
    overall = sum(sources.values())
    assert overall == Decimal("32250000.50")
    assert "32,250,000.50" in flat
    for total in sources.values():
        assert f"{total:,.2f}" in flat
    assert "12,345,678.90" in flat

    # The enterprise list: its size, and its first and last rows.
    assert f"共{ENTERPRISES}家企业" in flat
    first, last = plan.enterprises.order_by("row")[0], plan.enterprises.order_by("-row")[0]
    for enterprise in (first, last):
        assert enterprise.uscc in flat
        assert squeezed(enterprise.name) in flat
        assert f"{enterprise.revenue:,.2f}" in flat

    # The other parts.
    for task in plan.phased_tasks.all():
        assert squeezed(task.task) in flat
    for chain in plan.chains.all():
        assert squeezed(chain.name) in flat
    assert squeezed(plan.safeguards) in flat


def test_rendering_is_idempotent(submitted):
    document = submitted.pdf
    assert render_version_pdf_now(submitted.pk) == document
    assert render_version_pdf_now(submitted.pk) == document
    submitted.refresh_from_db()
    assert submitted.pdf == document
    assert Document.objects.filter(purpose="plan_pdf", owner_id=submitted.plan_id).count() == 1


def test_a_pdf_is_made_once_even_if_the_task_is_delivered_again(submitted):
    from pilots.tasks import render_version_pdf

    assert render_version_pdf.delay(submitted.pk).get() == submitted.pdf_id
    assert Document.objects.filter(purpose="plan_pdf").count() == 1


# --- the helpers, without WeasyPrint ----------------------------------------------------------------


def target(level1, level2, name, kind="count", baseline="1.0", midterm="2.0", value="3.0"):
    return {
        "level1": level1,
        "level2": level2,
        "name": name,
        "unit": "%" if kind == "percent" else "家",
        "kind": kind,
        "baseline": baseline,
        "midterm_target": midterm,
        "target": value,
    }


def test_target_rows_merge_level1_and_level2_down_their_groups():
    rows = target_table_rows(
        [
            target("关键指标", "企业集聚", "a"),
            target("关键指标", "企业集聚", "b"),
            target("关键指标", "平台建设", "c"),
            target("总体成效", "数字化改造", "d"),
            target("服务质量", "企业满意度", "e", kind="percent", baseline="80", midterm="85.5", value="90.0"),
        ]
    )
    assert [(r["name"], r["level1_rowspan"], r["level2_rowspan"]) for r in rows] == [
        ("a", 3, 2),
        ("b", 0, 0),
        ("c", 0, 1),
        ("d", 1, 1),
        ("e", 1, 1),
    ]
    assert [rows[0]["baseline_display"], rows[0]["target_display"]] == ["1", "3"]
    assert [rows[4]["baseline_display"], rows[4]["midterm_target_display"], rows[4]["target_display"]] == [
        "80.0",
        "85.5",
        "90.0",
    ]


def test_a_level2_name_repeated_under_another_level1_is_its_own_group():
    rows = target_table_rows([target("甲", "同名", "a"), target("乙", "同名", "b")])
    assert [(r["level1_rowspan"], r["level2_rowspan"]) for r in rows] == [(1, 1), (1, 1)]


def test_empty_target_cells_print_as_a_dash():
    (row,) = target_table_rows([target("甲", "乙", "a", baseline=None, midterm=None, value=None)])
    assert (row["baseline_display"], row["midterm_target_display"], row["target_display"]) == ("—", "—", "—")


def test_the_attachment2_template_has_the_rowspans_of_the_paper_form(db):
    indicators = Indicator.objects.filter(template=shipped_target_template()).order_by("order")
    rows = target_table_rows([target(i.level1, i.level2, i.name) for i in indicators])
    assert [r["level1_rowspan"] for r in rows if r["level1_rowspan"]] == [16, 5, 2]
    assert [r["level2_rowspan"] for r in rows if r["level2_rowspan"]] == [5, 4, 2, 3, 2, 2, 1, 2, 1, 1]


def test_fund_totals_are_summed_in_decimal_and_formatted():
    lines = [
        {"direction_label": "平台建设", "description": "", "total": "0.30", **dict.fromkeys(FundLine.SOURCES, "0.00")},
        {
            "direction_label": "人才培训",
            "description": "",
            "total": "1234567.80",
            **dict.fromkeys(FundLine.SOURCES, "0.00"),
        },
    ]
    lines[0].update(enterprise="0.10", provider_discount="0.20")
    lines[1].update(enterprise="1234567.80")
    table = fund_table(lines)
    assert table["total_value"] == Decimal("1234568.10")  # 0.1 + 0.2 + … exactly, no float noise
    assert table["total"] == "1,234,568.10"
    assert table["totals"][:2] == ["1,234,567.90", "0.20"]
    assert table["lines"][0]["amounts"][:2] == ["0.10", "0.20"]
    assert table["sources"] == ["企业自筹", "服务商让利", "申请自治区奖补", "盟市配套", "其他资金"]


def test_the_document_name_fits_even_for_the_longest_title():
    name = version_pdf_name("方" * 200, 12)
    assert len(name) == 200
    assert name.endswith("方-第12版.pdf")
    assert version_pdf_name("包头市试点总体方案", 1) == "包头市试点总体方案-第1版.pdf"

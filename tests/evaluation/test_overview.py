"""The Department's overview of a call's pilots (evaluation.views_progress.call_pilots) and its Excel export:
who may see it, what each line says, fixed queries at two sizes, a real .xlsx read back."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from evaluation.models import Evaluation, Report
from pilots.models import Clawback, PilotPlan
from tests.factories import make_user
from tests.pilots.factories import PilotCallFactory, applicant_of, cosigner_of
from tests.pilots.test_payments import instalment, pay
from tests.pilots.test_selection import leader, officer, plan_with_version

from .progress_factories import evaluation_of, evaluation_report, pilot, self_assessment

BIG, SMALL, CLOUD = "规上制造业企业", "规下制造业企业", "企业上云率"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def call_with_pilots(db):
    """A call with two pilots and a plan that was not approved:
    - the first paid its first instalment (400,000.00 of 1,000,000.00), met 2 key indicators in year 1 and
      has its year-2 self-assessment overdue;
    - the second is in its mid-term evaluation, had 150,000.00 clawed back and reported nothing yet."""
    call = PilotCallFactory()
    first = pilot(call=call, amount="1000000.00")
    second = pilot(call=call, amount="2000000.00")
    plan_with_version(call)  # submitted only: not a pilot
    pay(instalment(first))
    self_assessment(first, 1, {BIG: 12, SMALL: 14, CLOUD: "50.5"})
    self_assessment(first, 2, status=Report.Status.OPEN, due_on=timezone.localdate() - timedelta(days=1))
    PilotPlan.objects.filter(pk=second.pk).update(phase=PilotPlan.Phase.MIDTERM)
    evaluation_of(second, "midterm", status=Evaluation.Status.REPORTING)
    Clawback.objects.create(
        plan=second, amount=Decimal("150000.00"), reason="测试", decided_by=leader(), decided_at=timezone.now()
    )
    return call, first, second


@pytest.mark.parametrize(
    "role", [Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.FINANCE_DEPARTMENT, Role.AUDITOR]
)
def test_the_province_wide_readers_see_the_overview_and_its_export(call_with_pilots, role):
    call, first, _second = call_with_pilots
    client = client_for(make_user(role))
    response = client.get(reverse("evaluation:call_pilots", args=[call.pk]))
    assert response.status_code == 200
    assert first.title in response.content.decode()
    export = client.get(reverse("evaluation:call_pilots_export", args=[call.pk]))
    assert (export.status_code, export["Content-Type"]) == (200, XLSX)
    assert client.get(reverse("evaluation:pilot_calls")).status_code == 200


def test_the_bureaus_and_the_review_agency_do_not(call_with_pilots):
    call, first, _second = call_with_pilots
    for user in (applicant_of(first), cosigner_of(first), make_user(Role.AGENCY_COORDINATOR)):
        client = client_for(user)
        assert client.get(reverse("evaluation:call_pilots", args=[call.pk])).status_code in (403, 404)
        assert client.get(reverse("evaluation:call_pilots_export", args=[call.pk])).status_code in (403, 404)
        assert client.get(reverse("evaluation:pilot_calls")).status_code in (403, 404)
    # The bureau's role may enter the area (its reports are there): the page's own check refuses it.
    assert client_for(applicant_of(first)).get(reverse("evaluation:call_pilots", args=[call.pk])).status_code == 404


def test_an_unknown_call_is_a_404(db):
    assert client_for(officer()).get(reverse("evaluation:call_pilots", args=[999999])).status_code == 404


def test_each_approved_pilot_has_a_line_with_phase_key_indicators_money_and_overdue_items(call_with_pilots):
    call, first, second = call_with_pilots
    response = client_for(officer()).get(reverse("evaluation:call_pilots", args=[call.pk]))
    lines = {line.plan.pk: line for line in response.context["lines"]}
    assert set(lines) == {first.pk, second.pk}
    one, two = lines[first.pk], lines[second.pk]
    # BIG 12 ≥ 12 (100 %), SMALL 14 ≥ 14 (100 %), CLOUD 50.5 of 80.5 from 45.5 (14.3 %).
    assert (one.key.met, one.key.total, one.key.completion) == (2, 16, Decimal("71.4"))
    assert (one.money.approved, one.money.paid, one.money.clawed_back, one.money.to_pay) == (
        Decimal("1000000.00"),
        Decimal("400000.00"),
        Decimal("0.00"),
        Decimal("600000.00"),
    )
    assert (one.overdue_count, one.latest_label) == (1, "第1年度自评")
    assert (two.key.met, two.key.completion, two.overdue_count, two.latest_label) == (0, None, 0, "—")
    assert (two.money.paid, two.money.clawed_back) == (Decimal("0.00"), Decimal("150000.00"))
    html = response.content.decode()
    assert "中期评价中" in html and "2 / 16" in html and "71.4%" in html and "400,000.00" in html
    assert reverse("evaluation:pilot_detail", args=[first.pk]) in html


def test_the_overview_costs_the_same_queries_for_one_pilot_and_for_four(db):
    call = PilotCallFactory()
    client = client_for(officer())
    url = reverse("evaluation:call_pilots", args=[call.pk])
    export_url = reverse("evaluation:call_pilots_export", args=[call.pk])
    first = pilot(call=call)
    self_assessment(first, 1, {BIG: 8})
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(url).context["lines"]) == 1
    with CaptureQueriesContext(connection) as small_export:
        client.get(export_url)
    for number in range(3):
        plan = pilot(call=call)
        pay(instalment(plan), voucher=f"财付〔2025〕{number + 10:04d}号")
        self_assessment(plan, 1, {BIG: 8, SMALL: 9})
        self_assessment(plan, 2, {BIG: 10}, status=Report.Status.SUBMITTED)
        evaluation = evaluation_of(plan, "midterm", status=Evaluation.Status.RECTIFYING, round=2)
        evaluation_report(evaluation, {BIG: 9})
        evaluation_report(evaluation, {BIG: 10}, kind=Report.Kind.RECTIFICATION)
        Clawback.objects.create(
            plan=plan, amount=Decimal("1.00"), reason="测试", decided_by=leader(), decided_at=timezone.now()
        )
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(url).context["lines"]) == 4
    with CaptureQueriesContext(connection) as large_export:
        client.get(export_url)
    assert len(small) == len(large), [q["sql"] for q in large.captured_queries]
    assert len(small_export) == len(large_export)


def test_the_export_is_a_real_workbook_with_chinese_headers_and_money_as_numbers(call_with_pilots):
    call, first, second = call_with_pilots
    response = client_for(make_user(Role.FINANCE_DEPARTMENT)).get(
        reverse("evaluation:call_pilots_export", args=[call.pk])
    )
    assert "attachment; filename*=UTF-8''" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["试点实施情况"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "盟市",
        "方案名称",
        "批复文号",
        "实施阶段",
        "关键指标达标数",
        "关键指标总数",
        "关键指标平均完成率（%）",
        "最新实际值来自",
        "批复金额（元）",
        "已拨付（元）",
        "收回资金（元）",
        "待拨付（元）",
        "逾期未报事项",
    )
    by_title = {row[1]: row for row in rows[1:3]}
    one = by_title[first.title]
    assert one[0] == first.region.name and one[2] == first.approval.number
    assert one[3:8] == ("实施中", 2, 16, 71.4, "第1年度自评")
    assert one[8:] == (1000000, 400000, 0, 600000, 1)
    two = by_title[second.title]
    assert two[3:8] == ("中期评价中", 0, 16, None, "—")
    assert two[8:] == (2000000, 0, 150000, 2000000, 0)
    money_cells = [sheet.cell(row=2, column=column) for column in (9, 10, 11, 12)]
    assert all(cell.data_type == "n" and cell.number_format == "#,##0.00" for cell in money_cells)
    assert sheet.cell(row=2, column=7).number_format == "0.0"
    total = rows[3]
    assert total[0] == "合计" and total[8] == "=SUM(I2:I3)" and total[12] == 1
    assert len(rows) == 4
    assert workbook["说明"]["B1"].value == call.title

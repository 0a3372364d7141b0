"""The pilot page and the call's overview in a real browser, with screenshots: the bureau reaches its pilot
from the plan page and sees the phase, the next step, the money, the target table with its actuals and a
chart per indicator group; the Department's officer opens the call's overview from the list of calls and
downloads its Excel file.

Set up in Python (tests/evaluation/progress_factories): an approved pilot with its first instalment paid,
year 1 reported and accepted, and a mid-term evaluation rated and decided met."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from evaluation.models import Evaluation, Report
from pilots.models import PilotPlan
from pilots.services import approvals
from tests.evaluation.progress_factories import evaluation_of, evaluation_report, pilot, rate, self_assessment
from tests.pilots.factories import applicant_of, make_department_officer
from tests.pilots.test_payments import instalment, pay

from .pages import login, logout

YEAR_1 = {
    "规上制造业企业": 9,
    "规下制造业企业": 10,
    "自治区级“专精特新”企业": 9,
    "国家级“专精特新”企业": 12,
    "专精特新“小巨人”企业": 13,
    "企业级工业互联网平台": 16,
    "行业级工业互联网平台": 18,
    "企业上云率": "58.5",
    "改造规上企业数量": 28,
    "改造规下企业数量": 33,
    "试点企业总体满意度": "72.0",
}
MIDTERM = {**YEAR_1, "规上制造业企业": 11, "企业上云率": "63.0", "改造规上企业数量": 35, "国家双跨平台": 0}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_pilot_page_and_the_call_overview(page: Page, live_server, artifacts_dir, monkeypatch):
    monkeypatch.setattr(approvals, "render_approval_pdf_now", lambda approval_id: None)
    plan = pilot(amount="8000000.00")
    pay(instalment(plan))
    self_assessment(plan, 1, YEAR_1)
    midterm = evaluation_of(plan, "midterm", status=Evaluation.Status.MET)
    evaluation_report(midterm, MIDTERM, status=Report.Status.ACCEPTED)
    for name in MIDTERM:
        rate(midterm, name, met=True)
    PilotPlan.objects.filter(pk=plan.pk).update(phase=PilotPlan.Phase.IMPLEMENTING)

    # the bureau: from its plan to the pilot page
    login(page, live_server.url, applicant_of(plan).username)
    page.goto(live_server.url + reverse("pilots:plan_detail", args=[plan.pk]))
    page.get_by_test_id("pilot-link").locator("a").click()
    expect(page.get_by_test_id("pilot-page")).to_be_visible()
    expect(page.get_by_test_id("phase")).to_have_text("实施中")
    expect(page.get_by_test_id("money").locator("[data-money=paid]")).to_have_text("3,200,000.00")
    expect(page.get_by_test_id("progress-table").locator("tbody tr")).to_have_count(23)
    expect(page.get_by_test_id("charts").locator("svg")).to_have_count(10)
    first_chart = page.get_by_test_id("charts").locator("svg").first
    expect(first_chart.locator("circle.actual")).not_to_have_count(0)
    assert first_chart.bounding_box()["width"] > 400  # drawn at a readable size, not squeezed
    page.screenshot(path=artifacts_dir / "pilot-page.png", full_page=True)
    logout(page, live_server.url)

    # the Department's officer: the call's overview from the menu, and its Excel file
    officer = make_department_officer()
    login(page, live_server.url, officer.username)
    page.goto(live_server.url + reverse("evaluation:pilot_calls"))
    page.get_by_test_id("pilot-calls").get_by_text(plan.call.title).click()
    table = page.get_by_test_id("call-pilots")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(plan.region.name)
    page.screenshot(path=artifacts_dir / "call-pilots.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    workbook = load_workbook(io.BytesIO(open(download_info.value.path(), "rb").read()))  # noqa: SIM115
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[1][0] == plan.region.name and rows[1][8] == 8000000

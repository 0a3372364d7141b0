"""A yearly self-assessment in a real browser: the bureau opens it from its inbox, saves a half-right form
(the bad cell is marked, nothing typed is lost), corrects it, sees the completion rates, uploads evidence and
submits after confirming; the Department officer returns it with reasons from the inbox; the bureau submits
again and the officer accepts it.

Set up in Python: an approved plan (tests/evaluation/report_factories.monitored_plan) whose first
self-assessment is due in 10 days."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from evaluation.models import Report
from pilots.services import approvals
from tests.evaluation.report_factories import bureau, first_self_assessment, monitored_plan, targets
from tests.pilots.factories import make_department_officer, stamped_pdf_upload

from .pages import login, logout, open_inbox_item


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_self_assessment_is_filled_submitted_returned_and_accepted(
    page: Page, live_server, artifacts_dir, tmp_path, monkeypatch
):
    monkeypatch.setattr(approvals, "render_approval_pdf_now", lambda approval_id: None)
    plan = monitored_plan()
    report = first_self_assessment(plan)
    Report.objects.filter(pk=report.pk).update(due_on=timezone.localdate() + timedelta(days=10))
    officer = make_department_officer()
    rows = targets(plan)
    percent = next(row for row in rows if row["kind"] == "percent")

    # the bureau: from the inbox to the form
    login(page, live_server.url, bureau(plan).username)
    open_inbox_item(page, "填报年度绩效自评", plan.region.name)
    page.get_by_test_id("edit-report").click()
    form = page.get_by_test_id("report-form")
    for row in rows:
        form.locator(f"input[name='actual-{row['indicator_id']}']").fill(row["target"])
    form.locator(f"input[name='actual-{percent['indicator_id']}']").fill("100.5")
    form.locator("textarea[name=narrative]").fill("全年完成数字化改造任务，各项指标均达到目标。")
    form.locator("input[name='fund-retrofit-enterprise']").fill("1,000,000")
    page.get_by_test_id("save-report").click()
    expect(page.locator(".zg-cell--error .zg-field-error")).to_have_text(["百分比须在0到100之间"])
    expect(form.locator(f"input[name='actual-{percent['indicator_id']}']")).to_have_value("100.5")
    page.screenshot(path=artifacts_dir / "report-form-error.png", full_page=True)

    form.locator(f"input[name='actual-{percent['indicator_id']}']").fill("62.0")
    page.get_by_test_id("save-report").click()
    expect(page.get_by_test_id(f"completion-{percent['indicator_id']}")).to_have_text("47.1%")
    expect(page.get_by_test_id(f"completion-{rows[0]['indicator_id']}")).to_contain_text("100.0%")
    evidence = tmp_path / "改造台账.pdf"
    evidence.write_bytes(stamped_pdf_upload().read())
    page.locator("input[type=file][name=file]").set_input_files(evidence)
    page.get_by_test_id("upload-evidence").click()
    expect(page.get_by_test_id("report-evidence")).to_contain_text("改造台账.pdf")
    page.screenshot(path=artifacts_dir / "report-form-saved.png", full_page=True)

    page.get_by_test_id("report-form").get_by_test_id("go-submit").click()
    page.get_by_test_id("confirm-submit").click()
    expect(page.get_by_test_id("report-status")).to_have_text("已提交，待审核")
    logout(page, live_server.url)

    # the officer returns it
    login(page, live_server.url, officer.username)
    open_inbox_item(page, "审核年度绩效自评", plan.region.name)
    expect(page.get_by_test_id("report-values")).to_contain_text("47.1%")
    page.get_by_test_id("go-return").click()
    page.get_by_test_id("confirm-return").click()
    expect(page.locator(".zg-field-error")).to_have_text(["退回时请写明原因。"])
    page.locator("textarea[name=reasons]").fill("企业上云率未达到目标，请说明原因。")
    page.get_by_test_id("confirm-return").click()
    page.wait_for_url(re.compile(r"/reports/queue/"))
    logout(page, live_server.url)

    # the bureau explains and submits again
    login(page, live_server.url, bureau(plan).username)
    open_inbox_item(page, "修改退回的年度绩效自评", plan.region.name)
    expect(page.get_by_test_id("return-reasons")).to_contain_text("企业上云率未达到目标")
    page.get_by_test_id("edit-report").click()
    narrative = page.locator("textarea[name=narrative]")
    expect(narrative).to_have_value("全年完成数字化改造任务，各项指标均达到目标。")
    narrative.fill("全年完成数字化改造任务；企业上云率因部分企业改造延期未达到目标，下一年度补足。")
    page.get_by_test_id("save-report").click()
    page.get_by_test_id("report-form").get_by_test_id("go-submit").click()
    page.get_by_test_id("confirm-submit").click()
    expect(page.get_by_test_id("report-status")).to_have_text("已提交，待审核")
    logout(page, live_server.url)

    # the officer accepts it
    login(page, live_server.url, officer.username)
    open_inbox_item(page, "审核年度绩效自评", plan.region.name)
    page.get_by_test_id("go-accept").click()
    page.get_by_test_id("confirm-accept").click()
    page.wait_for_url(re.compile(r"/reports/queue/"))
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED
    assert report.evidence.count() == 1

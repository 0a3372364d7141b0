"""The whole 总体方案 journey in a real browser, as the three roles that touch it:

呼和浩特市工业和信息化局 drafts the plan (sections, chain, task, 120 enterprises from Excel, target table
with one deliberate mistake, fund plan, stamped PDF) and sends it to 财政局 for co-signing; 财政局 co-signs
from its inbox; the bureau submits; 工信厅 returns it with a reason; the bureau fixes a section and
submits version 2; 工信厅 accepts it. Then the timeline, the two versions and the version PDF.
"""

import re
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from pilots.demo import demo_uscc
from pilots.models import PilotPlan
from workflows.demo import DEMO_CALL_TITLE

from .pages import (
    expect_status,
    is_subsequence,
    login,
    logout,
    open_inbox_task,
    small_pdf,
    timeline_steps,
)

REGION = "呼和浩特市"
CHAIN = "乳业产业链"
ENTERPRISES = 120
RETURN_REASON = "安全生产保障措施过于笼统，请补充具体的责任分工和进度通报机制。"
# (baseline, mid-term, target) of the 23 indicators of 附2, in order; percentages are rows 12, 22 and 23.
# fmt: off
TARGETS = [
    ("420", "450", "480"), ("1300", "1320", "1350"), ("35", "45", "60"), ("4", "6", "8"), ("2", "3", "5"),
    ("8", "14", "20"), ("2", "3", "5"), ("1", "1", "2"), ("0", "0", "1"),
    ("5", "9", "15"), ("1", "2", "3"),
    ("38.5", "50", "65"), ("12", "20", "30"), ("3", "5", "8"),
    ("2", "4", "6"), ("3", "6", "10"),
    ("0", "40", "70"), ("0", "20", "40"),  # 改造规上 + 改造规下 targets: 70 + 40 = 110 ≥ 100
    ("25", "40", "60"),
    ("6", "9", "12"), ("20", "45", "80"),
    ("85", "88", "90"), ("30", "60", "90"),
]
# fmt: on
PERCENT_ROW = 11  # 企业上云率（%）
# 59,500,000.00 元; the page shows it with or without thousands separators (zh-hans has none).
FUND_TOTAL = re.compile(r"^\s*59,?500,?000\.00\s*$")
# Without Redis, Celery runs eagerly: the submit request itself renders the version PDF (WeasyPrint).
SUBMIT_TIMEOUT = 30_000
TIMELINE = [
    "新建总体方案",
    "导入企业名单",
    "保存绩效目标表",
    "送财政局会签",
    "财政局会签",
    "提交方案",
    "形式审查退回",
    "提交方案",
    "形式审查通过",
]


@pytest.fixture
def demo_data(transactional_db):
    # A transactional test flushes what the data migrations made; put the role groups and the 附2
    # template back before loading the demo set (load_demo needs both).
    from tests.factories import ensure_role_groups
    from tests.pilots.factories import shipped_target_template

    ensure_role_groups()
    shipped_target_template()
    # The demo's own submitted plans would each render a version PDF (WeasyPrint, several seconds
    # apiece) that this journey never looks at; only the journey's two versions are rendered.
    with mock.patch("pilots.tasks.render_version_pdf.delay"):
        call_command("load_demo", "--quiet")


def enterprise_workbook(template_path, path) -> None:
    """120 enterprises in the columns of the downloaded template."""
    template = load_workbook(template_path)
    headers = [cell.value for cell in template.active[1]]
    assert headers[:7] == [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "上年度主营业务收入（元）",
        "是否专精特新（是/否）",
        "所属产业链",
        "是否拟改造（是/否）",
    ], headers
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = template.active.title
    sheet.append(headers)
    for n in range(1, ENTERPRISES + 1):
        values = {
            "序号": n,
            "企业名称": f"{REGION}乳品加工示范企业{n:03d}有限公司",
            "统一社会信用代码": demo_uscc("150100", n),
            "上年度主营业务收入（元）": 15_000_000 + n * 12_345.67,
            "是否专精特新（是/否）": "是" if n % 6 == 0 else "否",
            "所属产业链": CHAIN,
            "是否拟改造（是/否）": "是",
        }
        sheet.append([values[header] for header in headers])
    workbook.save(path)


def fill_targets(page: Page, *, percent_target: str) -> None:
    form = page.get_by_test_id("target-form")
    rows = form.locator("tbody tr")
    expect(rows).to_have_count(23)
    for index, values in enumerate(TARGETS):
        inputs = rows.nth(index).locator("input")
        for column, value in enumerate(values):
            if index == PERCENT_ROW and column == 2:
                value = percent_target
            inputs.nth(column).fill(value)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_pilot_plan_journey(page: Page, live_server, demo_data, tmp_path, artifacts_dir):
    base = live_server.url
    dialogs: list[str] = []

    def accept(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)

    # --- 1. 呼和浩特市工业和信息化局 drafts the plan ----------------------------------------------------
    login(page, base, "bureau_150100")
    page.get_by_role("link", name=f"申报：{DEMO_CALL_TITLE}").click()
    page.wait_for_url(re.compile(r"/pilots/calls/\d+/$"))
    expect(page.get_by_test_id("call-status")).to_have_text("申报中")
    page.get_by_test_id("start-plan").click()
    page.wait_for_url(re.compile(r"/pilots/plans/\d+/$"))
    plan_url = page.url
    plan_pk = int(re.search(r"/plans/(\d+)/", plan_url).group(1))
    expect_status(page, "草稿")
    expect(page.get_by_test_id("submission-problems")).to_be_visible()

    # Sections: every textarea.
    page.get_by_role("link", name="编辑", exact=True).first.click()
    page.wait_for_url(re.compile(r"/sections/$"))
    textareas = page.locator("form textarea")
    assert textareas.count() == len(PilotPlan.SECTION_FIELDS)
    for index in range(textareas.count()):
        textareas.nth(index).fill(f"{REGION}第{index + 1}部分：依托{CHAIN}推进数字化转型，分两年实施。")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(plan_url)
    expect(page.locator(".zg-messages")).to_contain_text("已保存")

    # One industry chain and one phased task.
    page.get_by_role("link", name="产业链与阶段任务").click()
    page.get_by_test_id("add-chain").click()
    page.wait_for_url(re.compile(r"/chains/new/$"))
    page.locator("#id_name").fill(CHAIN)
    page.locator("#id_is_key_chain").check()
    page.locator("#id_basis").fill("乳业为本市第一大主导产业，拥有链主企业2家、配套企业80余家。")
    page.locator("#id_above_scale_count").fill("60")
    page.locator("#id_below_scale_count").fill("90")
    page.locator("#id_digital_status").fill("规上企业多已应用ERP，生产设备联网率约35%。")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/chains/$"))
    expect(page.get_by_role("cell", name=CHAIN, exact=True)).to_be_visible()
    page.locator("#id_task").fill("完成首批60家企业诊断和改造")
    page.locator("#id_owner").fill("呼和浩特市工业和信息化局")
    page.locator("#id_due").fill("2025-06-30")
    page.get_by_role("button", name="添加任务").click()
    expect(page.locator(".zg-messages")).to_contain_text("阶段任务已添加")
    expect(page.get_by_role("cell", name="完成首批60家企业诊断和改造")).to_be_visible()

    # Enterprise list: the template from the UI, then 120 enterprises in its columns.
    page.get_by_role("link", name="企业名单").click()
    page.wait_for_url(re.compile(r"/enterprises/$"))
    with page.expect_download() as download_info:
        page.get_by_test_id("download-template").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    template_path = tmp_path / download.suggested_filename
    download.save_as(template_path)
    assert template_path.read_bytes()[:2] == b"PK"
    template = load_workbook(template_path)
    assert template.sheetnames[0] == "企业名单"
    upload = tmp_path / "呼和浩特市-企业名单.xlsx"
    enterprise_workbook(template_path, upload)
    page.locator("input[type=file][name=file]").set_input_files(str(upload))
    page.get_by_test_id("import").click()
    expect(page.locator(".zg-messages")).to_contain_text(f"已导入{ENTERPRISES}家企业")
    expect(page.get_by_text(f"共 {ENTERPRISES} 家，其中拟改造 {ENTERPRISES} 家")).to_be_visible()

    # Target table: a percentage of 120 first, then fixed.
    page.goto(plan_url)
    page.get_by_test_id("edit-targets").click()
    page.wait_for_url(re.compile(r"/targets/$"))
    fill_targets(page, percent_target="120")
    page.get_by_test_id("save-targets").click()
    bad_cell = page.locator("td.zg-cell--error")
    expect(bad_cell).to_have_count(1)
    expect(bad_cell.locator(".zg-field-error")).to_have_text("百分比须在0到100之间")
    assert bad_cell.evaluate("td => getComputedStyle(td).backgroundColor") not in (
        "rgba(0, 0, 0, 0)",
        "rgb(255, 255, 255)",
    )
    expect(page.locator(".zg-messages")).to_contain_text("有1处需要修改")
    rows = page.get_by_test_id("target-form").locator("tbody tr")
    # What was typed survived, the wrong value included, so it can be corrected in place.
    for index, values in enumerate(TARGETS):
        inputs = rows.nth(index).locator("input")
        for column, value in enumerate(values):
            typed = "120" if (index == PERCENT_ROW and column == 2) else value
            expect(inputs.nth(column)).to_have_value(typed)
    expect(rows.nth(PERCENT_ROW).locator("input").nth(2)).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=artifacts_dir / "target-table-error.png", full_page=True)
    rows.nth(PERCENT_ROW).locator("input").nth(2).fill(TARGETS[PERCENT_ROW][2])
    page.get_by_test_id("save-targets").click()
    page.wait_for_url(plan_url)
    expect(page.locator(".zg-messages")).to_contain_text("绩效目标表已保存")
    expect(page.get_by_text("改造规上、规下企业数量目标合计 110 家（下限 100 家）")).to_be_visible()
    # The saved table, as the form shows it when opened again.
    page.get_by_test_id("edit-targets").click()
    page.wait_for_url(re.compile(r"/targets/$"))
    expect(page.locator("td.zg-cell--error")).to_have_count(0)
    rows = page.get_by_test_id("target-form").locator("tbody tr")
    expect(rows.nth(PERCENT_ROW).locator("input").nth(2)).to_have_value(re.compile(r"^65(\.0)?$"))
    page.screenshot(path=artifacts_dir / "target-table-filled.png", full_page=True)
    page.get_by_role("link", name="返回").click()
    page.wait_for_url(plan_url)

    # Fund plan: some amounts, 申请自治区奖补 among them.
    page.locator("h2", has_text="资金使用计划").get_by_role("link", name="填写").click()
    page.wait_for_url(re.compile(r"/funds/$"))
    amounts = {
        0: ("区域级乳业工业互联网平台", "1000000", "0", "5000000", "2000000", "0"),
        1: ("110家企业数字化改造", "30000000", "3000000", "12000000", "6000000", "0"),
        4: ("企业管理者与技术骨干培训", "100000", "0", "300000", "100000", "0"),
    }
    fields = ("description", "enterprise", "provider_discount", "subsidy_requested", "matching", "other")
    for form_index, values in amounts.items():
        for field, value in zip(fields, values, strict=True):
            page.locator(f"[name='form-{form_index}-{field}']").fill(value)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(plan_url)
    expect(page.locator(".zg-messages")).to_contain_text("资金计划已保存")
    expect(page.get_by_test_id("fund-total")).to_have_text(FUND_TOTAL)

    # The stamped plan as a real (small) PDF.
    page.get_by_role("link", name="附件").click()
    page.wait_for_url(re.compile(r"/attachments/$"))
    pdf_path = tmp_path / "呼和浩特市总体方案（盖章）.pdf"
    pdf_path.write_bytes(small_pdf("呼和浩特市制造业数字化转型试点总体方案"))
    stamped_form = page.locator("form", has=page.locator("input[name=kind][value=stamped]"))
    stamped_form.locator("input[type=file]").set_input_files(str(pdf_path))
    page.get_by_test_id("upload-stamped").click()
    expect(page.locator(".zg-messages")).to_contain_text("文件已上传")
    expect(page.get_by_test_id("stamped-pdf")).to_have_text(pdf_path.name)

    # Only the co-signature is missing now.
    page.get_by_role("link", name="概览").click()
    page.wait_for_url(plan_url)
    expect(page.get_by_test_id("submission-problems").locator("li")).to_have_text(["资金计划尚未经同级财政局会签。"])
    page.get_by_test_id("send-to-cosign").click()
    expect(page.locator(".zg-messages")).to_contain_text("已送同级财政局会签")
    expect_status(page, "财政局会签中")

    # --- 2. 财政局 co-signs from its inbox ------------------------------------------------------------
    logout(page, base)
    login(page, base, "finbureau_150100")
    open_inbox_task(page, REGION)
    page.wait_for_url(re.compile(rf"/workflows/plans/{plan_pk}/cosign/$"))
    expect(page.get_by_test_id("fund-total")).to_have_text(FUND_TOTAL)
    page.get_by_test_id("cosign").click()
    page.wait_for_url(plan_url)
    expect_status(page, "已会签")

    # --- 3. The bureau submits ------------------------------------------------------------------------
    logout(page, base)
    login(page, base, "bureau_150100")
    page.goto(plan_url)
    expect(page.get_by_test_id("submission-problems")).to_have_count(0)
    expect(page.get_by_text("各项检查均已通过，可以提交。")).to_be_visible()
    page.get_by_test_id("submit-plan").click()
    expect_status(page, "已提交，待形式审查", timeout=SUBMIT_TIMEOUT)
    expect(page.locator(".zg-messages")).to_contain_text("方案已提交")
    assert any("确定提交吗" in message for message in dialogs), dialogs

    # --- 4. 工信厅 returns it -------------------------------------------------------------------------
    logout(page, base)
    login(page, base, "dept")
    open_inbox_task(page, REGION)
    page.wait_for_url(re.compile(rf"/workflows/plans/{plan_pk}/check/$"))
    page.locator("textarea[name=reasons]").fill(RETURN_REASON)
    page.get_by_test_id("return").click()
    page.wait_for_url(plan_url)
    expect_status(page, "已退回修改")

    # --- 5. The bureau reads the reason, fixes a section, submits version 2 ---------------------------
    logout(page, base)
    login(page, base, "bureau_150100")
    page.goto(plan_url)
    expect(page.get_by_test_id("return-reasons")).to_contain_text(RETURN_REASON)
    page.get_by_role("link", name="编辑", exact=True).first.click()
    page.wait_for_url(re.compile(r"/sections/$"))
    safeguards = page.locator("textarea[name=safeguards]")
    safeguards.fill("成立由分管副市长任组长的工作专班；工信局负责进度调度，财政局负责资金监管；每季度通报一次进度。")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(plan_url)
    expect(page.get_by_text("每季度通报一次进度")).to_be_visible()
    page.get_by_test_id("submit-plan").click()
    expect_status(page, "已提交，待形式审查", timeout=SUBMIT_TIMEOUT)
    expect(page.get_by_test_id("plan-status").locator("..")).to_contain_text("第2版")

    # --- 6. 工信厅 accepts it -------------------------------------------------------------------------
    logout(page, base)
    login(page, base, "dept")
    open_inbox_task(page, REGION)
    page.wait_for_url(re.compile(rf"/workflows/plans/{plan_pk}/check/$"))
    expect(page.get_by_text("当前为第2版。")).to_be_visible()
    page.get_by_test_id("accept").click()
    page.wait_for_url(plan_url)
    assert dialogs[-1] == "确定通过形式审查吗？", dialogs
    expect_status(page, "形式审查通过，待专家评审")

    # --- The record ------------------------------------------------------------------------------------
    page.reload()  # once more without the flash message (and its snackbar over the screenshots)
    expect_status(page, "形式审查通过，待专家评审")
    steps = timeline_steps(page)
    assert is_subsequence(TIMELINE, steps), steps
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text(f"原因：{RETURN_REASON}")
    timeline.screenshot(path=artifacts_dir / "timeline.png")
    page.screenshot(path=artifacts_dir / "plan-accepted.png", full_page=True)

    version_section = page.locator("section", has=page.locator("h2", has_text="版本"))
    versions = version_section.get_by_role("link", name=re.compile(r"^第\d版$"))
    expect(versions).to_have_count(2)
    assert sorted(versions.all_inner_texts()) == ["第1版", "第2版"]
    pdf_links = page.get_by_test_id("version-pdf")
    expect(pdf_links).to_have_count(2)
    for href in [link.get_attribute("href") for link in pdf_links.all()]:
        response = page.request.get(base + href)  # with the dept's session cookie
        assert response.ok, (href, response.status)
        assert response.body()[:5] == b"%PDF-", href

    plan = PilotPlan.objects.get(pk=plan_pk)
    assert plan.status == PilotPlan.Status.ACCEPTED
    assert plan.versions.count() == 2
    assert plan.enterprises.count() == ENTERPRISES
    assert sum(line.subsidy_requested for line in plan.fund_lines.all()) == Decimal("17300000.00")

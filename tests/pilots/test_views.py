"""The plan's pages through the test client: who may open which page, and what a bad input looks like.

Not found and not allowed look the same (404) for every role that works in pilots (experts and the
agency's coordinator included: a plan they do not review is not found); roles that do not (enterprise,
county bureau) are stopped earlier by the site's app permission (config/site.py) with a 403, the same for
an existing and a made-up plan, so neither answer tells whether a plan exists."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from accounts.roles import Role
from audit.models import AuditEvent
from pilots import services
from pilots.excel import HEADERS, SHEET_NAME
from pilots.models import Indicator, PilotCall, PilotPlan, PlanVersion
from tests.documents.files import docx_bytes, xlsx_bytes
from tests.factories import LeagueCityFactory, make_user
from tests.workflows.helpers import ready_flow_plan

from .factories import (
    CHAINS,
    PilotPlanFactory,
    applicant_of,
    cosigner_of,
    enterprise_rows,
    make_applicant,
    make_cosigner,
    stamped_pdf_upload,
    target_cells,
)

VIEW_PAGES = (
    "plan_detail",
    "chains",
    "enterprises",
    "enterprises_template",
    "enterprises_export",
    "attachments",
    "version_detail",
)
EDIT_PAGES = ("sections_edit", "chain_add", "chain_edit", "fund_plan_edit", "target_table_edit")
# Edits that only take a POST (each with a harmless body).
EDIT_POSTS = (
    "chain_delete",
    "phased_task_add",
    "phased_task_delete",
    "enterprise_delete",
    "enterprises",
    "attachments",
    "sections_edit",
    "target_table_edit",
)
PROVINCE_WIDE_READERS = (Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.FINANCE_DEPARTMENT, Role.AUDITOR)
ROLES_OUTSIDE_PILOTS = (Role.ENTERPRISE, Role.COUNTY_BUREAU)
# In pilots for the plans they review; any other plan is not found for them.
REVIEWERS = (Role.EXPERT, Role.AGENCY_COORDINATOR)
RARE_EARTH, EQUIPMENT = (chain["name"] for chain in CHAINS)


def url(name: str, plan: PilotPlan | int) -> str:
    pk = plan if isinstance(plan, int) else plan.pk
    kwargs = {"pk": pk}
    if name in ("chain_edit", "chain_delete"):
        kwargs["chain_pk"] = plan.chains.first().pk if isinstance(plan, PilotPlan) else 1
    elif name == "phased_task_delete":
        kwargs["task_pk"] = plan.phased_tasks.first().pk if isinstance(plan, PilotPlan) else 1
    elif name == "enterprise_delete":
        kwargs["enterprise_pk"] = plan.enterprises.first().pk if isinstance(plan, PilotPlan) else 1
    elif name == "version_detail":
        kwargs["number"] = 1
    return reverse(f"pilots:{name}", kwargs=kwargs)


def post_body(name: str) -> dict:
    return {
        "phased_task_add": {"task": "新任务", "owner": "工信局", "due": "2026-06-30"},
        "sections_edit": {"title": "改过的名称"},
        "attachments": {"kind": "evidence"},
    }.get(name, {})


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def shown(response) -> str:
    """The page's text with tags removed (messages, errors, table cells)."""
    return re.sub(r"<[^>]+>", " ", response.content.decode())


@pytest.fixture
def plan(db):
    """A returned plan of 包头市: filled (3 enterprises), version 1 frozen, editable again."""
    region = LeagueCityFactory(name="包头市")
    return PilotPlanFactory(actor=make_applicant(region), state="returned", state__enterprises=3)


def audit_count(plan) -> int:
    return AuditEvent.objects.filter(target_id=str(plan.pk), target_type="pilots.pilotplan").count()


# --- who opens what ---------------------------------------------------------------------------------


def test_the_bureau_opens_every_page_of_its_plan(client, plan):
    login(client, applicant_of(plan))
    for name in VIEW_PAGES + EDIT_PAGES:
        assert client.get(url(name, plan)).status_code == 200, name


def test_the_bureau_of_another_region_gets_404_on_every_page_and_every_edit(client, plan):
    login(client, make_applicant(LeagueCityFactory()))
    before = audit_count(plan)
    for name in VIEW_PAGES + EDIT_PAGES:
        assert client.get(url(name, plan)).status_code == 404, name
    for name in EDIT_POSTS:
        assert client.post(url(name, plan), post_body(name)).status_code == 404, name
    assert audit_count(plan) == before


def test_the_finance_bureau_of_another_region_gets_404(client, plan):
    login(client, make_cosigner(LeagueCityFactory()))
    for name in VIEW_PAGES + EDIT_PAGES:
        assert client.get(url(name, plan)).status_code == 404, name


def test_the_finance_bureau_of_the_region_reads_but_does_not_edit(client, plan):
    login(client, cosigner_of(plan))
    before = audit_count(plan)
    for name in VIEW_PAGES:
        assert client.get(url(name, plan)).status_code == 200, name
    for name in EDIT_PAGES:
        assert client.get(url(name, plan)).status_code == 404, name
    for name in EDIT_POSTS:
        assert client.post(url(name, plan), post_body(name)).status_code == 404, name
    assert audit_count(plan) == before
    # and the pages it reads offer no edit
    page = client.get(url("plan_detail", plan)).content.decode()
    assert url("sections_edit", plan) not in page
    assert 'data-testid="submit-plan"' not in page


@pytest.mark.parametrize("role", PROVINCE_WIDE_READERS, ids=str)
def test_province_wide_readers_read_every_plan_and_edit_none(client, plan, role):
    login(client, make_user(role))
    before = audit_count(plan)
    for name in VIEW_PAGES:
        assert client.get(url(name, plan)).status_code == 200, name
    for name in EDIT_PAGES:
        assert client.get(url(name, plan)).status_code == 404, name
    for name in EDIT_POSTS:
        assert client.post(url(name, plan), post_body(name)).status_code == 404, name
    assert audit_count(plan) == before


@pytest.mark.parametrize("role", ROLES_OUTSIDE_PILOTS, ids=str)
def test_roles_outside_pilots_are_refused_alike_for_real_and_made_up_plans(client, plan, role):
    """403, from the site's app permission (config/site.py), before any plan is looked up."""
    login(client, make_user(role))
    for name in VIEW_PAGES + EDIT_PAGES:
        assert client.get(url(name, plan)).status_code == 403, name
        assert client.get(url(name, 10**9)).status_code == 403, name
    assert client.get(reverse("pilots:index")).status_code == 403


@pytest.mark.parametrize("role", REVIEWERS, ids=str)
def test_reviewers_get_404_for_a_plan_they_do_not_review(client, plan, role):
    login(client, make_user(role))
    for name in VIEW_PAGES + EDIT_PAGES:
        assert client.get(url(name, plan)).status_code == 404, name
        assert client.get(url(name, 10**9)).status_code == 404, name
    for name in EDIT_POSTS:
        assert client.post(url(name, plan), post_body(name)).status_code == 404, name


def test_an_unknown_plan_is_404_for_its_would_be_bureau(client, plan):
    login(client, applicant_of(plan))
    for name in VIEW_PAGES + EDIT_PAGES:
        assert client.get(url(name, 10**9)).status_code == 404, name


def test_anonymous_users_are_sent_to_the_login_page(client, plan):
    for name in VIEW_PAGES + EDIT_PAGES:
        address = url(name, plan)
        response = client.get(address)
        assert response.status_code == 302, name
        assert response["Location"] == f"/accounts/login/?next={address}"
    address = url("chain_delete", plan)
    assert client.post(address)["Location"] == f"/accounts/login/?next={address}"


def test_a_submitted_plan_is_read_only_for_its_bureau(client, db):
    plan = PilotPlanFactory(state="submitted", state__enterprises=3)
    login(client, applicant_of(plan))
    before = audit_count(plan)
    for name in VIEW_PAGES:
        assert client.get(url(name, plan)).status_code == 200, name
    for name in EDIT_PAGES:
        assert client.get(url(name, plan)).status_code == 404, name
    for name in EDIT_POSTS:
        assert client.post(url(name, plan), post_body(name)).status_code == 404, name
    assert audit_count(plan) == before
    page = client.get(url("plan_detail", plan)).content.decode()
    assert url("sections_edit", plan) not in page
    assert 'data-testid="submit-plan"' not in page


def test_the_plan_list_shows_each_bureau_its_own_plans_and_the_department_all(client, plan):
    other = PilotPlanFactory(call=plan.call)
    login(client, applicant_of(plan))
    listed = client.get(reverse("pilots:index")).context["plans"]
    assert [p.pk for p in listed] == [plan.pk]
    login(client, make_user(Role.DEPARTMENT_OFFICER))
    listed = client.get(reverse("pilots:index")).context["plans"]
    assert sorted(p.pk for p in listed) == sorted([plan.pk, other.pk])
    listed = client.get(reverse("pilots:index"), {"status": "returned"}).context["plans"]
    assert [p.pk for p in listed] == [plan.pk]


def test_the_return_reasons_are_shown_to_the_bureau(client, plan):
    login(client, applicant_of(plan))
    page = client.get(url("plan_detail", plan))
    assert 'data-testid="return-reasons"' in page.content.decode()
    assert "请补充产业链企业数字化现状的数据来源。" in shown(page)


# --- bad input: the enterprise list -----------------------------------------------------------------


def workbook(rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("企业名单.xlsx", buffer.getvalue())


def cells(row, number) -> list:
    return [number, row.name, row.uscc, row.revenue, "是" if row.is_srdi else "否", row.chain_name, "是"]


def enterprise_list(plan) -> list:
    return list(plan.enterprises.order_by("row").values_list("name", "uscc"))


def test_a_clean_enterprise_file_replaces_the_list(client, plan):
    login(client, applicant_of(plan))
    rows = enterprise_rows(4, [RARE_EARTH, EQUIPMENT], seed=plan.pk + 7)
    response = client.post(
        url("enterprises", plan), {"file": workbook([cells(row, n) for n, row in enumerate(rows, 1)])}, follow=True
    )
    assert response.redirect_chain == [(url("enterprises", plan), 302)]
    assert "已导入4家企业。" in shown(response)
    assert enterprise_list(plan) == [(row.name, row.uscc) for row in rows]


def test_bad_rows_are_listed_with_their_row_numbers_and_nothing_is_imported(client, plan):
    login(client, applicant_of(plan))
    before = enterprise_list(plan)
    rows = enterprise_rows(6, [RARE_EARTH, EQUIPMENT], seed=plan.pk + 7)
    data = [cells(row, n) for n, row in enumerate(rows, 1)]
    wrong = rows[1].uscc[:-1] + ("0" if rows[1].uscc[-1] != "0" else "1")
    data[1][2] = wrong  # Excel row 3
    data[3][2] = rows[0].uscc  # row 5 repeats row 2
    data[5][3] = "一百万"  # row 7

    response = client.post(url("enterprises", plan), {"file": workbook(data)})

    assert response.status_code == 200
    text = shown(response)
    assert "文件中有 3 处错误，未导入任何数据：" in text
    assert re.search(r"第3行：统一社会信用代码第18位（校验码）不正确", text)
    assert f"第5行：统一社会信用代码 {rows[0].uscc} 与第2行重复" in text
    assert "第7行：上年度主营业务收入应为数字" in text
    assert enterprise_list(plan) == before


def test_a_word_file_is_refused_as_the_enterprise_list_with_advice_that_fits(client, plan):
    login(client, applicant_of(plan))
    before = enterprise_list(plan)
    response = client.post(url("enterprises", plan), {"file": SimpleUploadedFile("企业名单.xlsx", docx_bytes())})
    assert response.status_code == 200
    text = shown(response)
    assert "“企业名单.xlsx”实际是Word文档" in text
    assert "另存为PDF" not in text  # an Excel list is wanted here, not a PDF
    assert enterprise_list(plan) == before


def test_a_pdf_is_refused_as_the_enterprise_list(client, plan):
    login(client, applicant_of(plan))
    before = enterprise_list(plan)
    response = client.post(url("enterprises", plan), {"file": stamped_pdf_upload("企业名单.xlsx")})
    assert response.status_code == 200
    assert "“企业名单.xlsx”的内容不是允许的文件类型（Excel（.xlsx））。" in shown(response)
    assert enterprise_list(plan) == before


# --- bad input: the target table --------------------------------------------------------------------


def target_post(plan, **changes) -> dict:
    """The whole form as the browser sends it, from a valid table, with ``changes`` by (indicator, field)."""
    data = {f"cell-{pk}-{field}": value for (pk, field), value in target_cells(plan).items()}
    data.update(changes)
    return data


def test_a_percentage_of_120_is_shown_in_its_cell_and_everything_else_saved(client, plan):
    login(client, applicant_of(plan))
    cloud = plan.target_values.get(indicator__name="企业上云率")
    workshop = plan.target_values.get(indicator__name="数字车间")
    before = cloud.baseline
    name = f"cell-{cloud.indicator_id}-target"
    body = target_post(plan, **{name: "120", f"cell-{workshop.indicator_id}-target": "77"})

    response = client.post(url("target_table_edit", plan), body)

    assert response.status_code == 200
    page = response.content.decode()
    assert "已保存可识别的数值；有1处需要修改，见标红的单元格。" in shown(response)
    assert "百分比须在0到100之间" in shown(response)
    assert re.search(rf'name="{name}" value="120"[^>]*aria-invalid="true"', page)
    cloud.refresh_from_db()
    workshop.refresh_from_db()
    assert cloud.target != 120 and cloud.baseline == before  # the bad cell kept its value
    assert workshop.target == 77  # the good ones were saved


def test_every_typed_value_stays_in_the_form_when_one_cell_is_wrong(client, plan):
    login(client, applicant_of(plan))
    workshop = plan.target_values.get(indicator__name="数字车间")
    body = target_post(plan, **{f"cell-{workshop.indicator_id}-baseline": "1.5"})
    response = client.post(url("target_table_edit", plan), body)
    assert response.status_code == 200
    page = response.content.decode()
    assert "个数须为整数" in shown(response)
    for key, value in body.items():
        assert f'name="{key}" value="{value}"' in page, key


def test_a_valid_table_is_saved_and_the_bureau_sent_back_to_the_plan(client, plan):
    login(client, applicant_of(plan))
    response = client.post(url("target_table_edit", plan), target_post(plan), follow=True)
    assert response.redirect_chain == [(url("plan_detail", plan), 302)]
    assert "绩效目标表已保存。" in shown(response)


def test_the_target_form_shows_counts_without_decimals_and_percentages_with_one(client, plan):
    login(client, applicant_of(plan))
    page = client.get(url("target_table_edit", plan)).content.decode()
    for value in plan.target_values.select_related("indicator"):
        shown_value = (
            f"{value.baseline:.0f}" if value.indicator.kind == Indicator.Kind.COUNT else f"{value.baseline:.1f}"
        )
        assert f'name="cell-{value.indicator_id}-baseline" value="{shown_value}"' in page


# --- bad input: files, sections, chains, funds, tasks -------------------------------------------------


def test_a_word_file_renamed_pdf_is_refused_as_the_stamped_plan(client, plan):
    login(client, applicant_of(plan))
    before = plan.stamped_pdf_id
    response = client.post(
        url("attachments", plan), {"kind": "stamped", "file": SimpleUploadedFile("盖章方案.pdf", docx_bytes())}
    )
    assert response.status_code == 200
    assert "“盖章方案.pdf”实际是Word文档，不是允许的类型（PDF）。请先另存为PDF。" in shown(response)
    plan.refresh_from_db()
    assert plan.stamped_pdf_id == before


def test_a_new_stamped_pdf_replaces_the_old_one(client, plan):
    login(client, applicant_of(plan))
    before = plan.stamped_pdf_id
    response = client.post(url("attachments", plan), {"kind": "stamped", "file": stamped_pdf_upload("盖章方案v2.pdf")})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.stamped_pdf_id != before
    assert plan.stamped_pdf.original_name == "盖章方案v2.pdf"


def test_an_excel_file_is_refused_as_evidence(client, plan):
    login(client, applicant_of(plan))
    response = client.post(
        url("attachments", plan), {"kind": "evidence", "file": SimpleUploadedFile("证明.pdf", xlsx_bytes())}
    )
    assert response.status_code == 200
    assert "“证明.pdf”的内容不是允许的文件类型（" in shown(response)
    assert not plan_documents_named(plan, "证明.pdf")


def plan_documents_named(plan, name):
    from pilots.selectors import plan_documents

    return [document for document in plan_documents(plan) if document.original_name == name]


def sections_post(plan, **changes) -> dict:
    data = {"title": plan.title, **{name: getattr(plan, name) for name in PilotPlan.SECTION_FIELDS}}
    data.update(changes)
    return data


def test_a_one_megabyte_section_is_refused_with_the_limit_and_the_text_kept(client, plan):
    """A section is a chapter (at most 20,000 characters); long material goes into the evidence files.
    Every save stores before/after in the audit log and the PDF prints it all, so the limit is real."""
    login(client, applicant_of(plan))
    before = plan.basis_overview
    text = "工作基础说明。" * (1024 * 1024 // 21)  # about 1 MB in UTF-8
    response = client.post(url("sections_edit", plan), sections_post(plan, basis_overview=text))
    assert response.status_code == 200
    assert "20000" in shown(response) or "20,000" in shown(response)
    assert text[:200] in response.content.decode()  # what was typed is still in the form
    plan.refresh_from_db()
    assert plan.basis_overview == before


def test_a_section_at_the_limit_is_accepted(client, plan):
    login(client, applicant_of(plan))
    text = "说" * 20_000
    response = client.post(url("sections_edit", plan), sections_post(plan, basis_overview=text))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.basis_overview == text


def test_a_request_over_the_upload_limit_is_refused_and_nothing_saved(client, plan, settings):
    login(client, applicant_of(plan))
    before = plan.basis_overview
    text = "超" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 3 + 1)  # 3 bytes a character: just over the limit
    response = client.post(url("sections_edit", plan), sections_post(plan, basis_overview=text))
    assert response.status_code == 400
    plan.refresh_from_db()
    assert plan.basis_overview == before


def test_a_title_too_long_is_explained(client, plan):
    login(client, applicant_of(plan))
    response = client.post(url("sections_edit", plan), sections_post(plan, title="长" * 201))
    assert response.status_code == 200
    assert "确保该变量包含不超过 200 字符 (目前字符数 201)。" in shown(response)


def chain_post(**changes) -> dict:
    data = {key: value for key, value in CHAINS[0].items() if key != "is_key_chain"}
    data["name"] = "乳业产业链"
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"above_scale_count": "-1"}, "确保该值大于或等于0。"),
        ({"below_scale_count": "很多"}, "输入整数。"),
        ({"name": ""}, "这个字段是必填项。"),
        ({"basis": ""}, "这个字段是必填项。"),
    ],
    ids=["negative", "text", "no-name", "no-basis"],
)
def test_bad_chain_input_is_explained_and_nothing_saved(client, plan, changes, message):
    login(client, applicant_of(plan))
    before = plan.chains.count()
    response = client.post(url("chain_add", plan), chain_post(**changes))
    assert response.status_code == 200
    assert message in shown(response)
    assert plan.chains.count() == before


def test_a_second_chain_of_the_same_name_is_refused(client, plan):
    login(client, applicant_of(plan))
    response = client.post(url("chain_add", plan), chain_post(name=RARE_EARTH))
    assert response.status_code == 200
    assert 'class="zg-errors"' in response.content.decode()
    assert plan.chains.filter(name=RARE_EARTH).count() == 1


def fund_post(plan, **changes) -> dict:
    lines = list(plan.fund_lines.order_by("id"))
    data = {"form-TOTAL_FORMS": len(lines), "form-INITIAL_FORMS": len(lines)}
    for index, line in enumerate(lines):
        data[f"form-{index}-id"] = line.pk
        data[f"form-{index}-description"] = line.description
        for source in line.SOURCES:
            data[f"form-{index}-{source}"] = str(getattr(line, source))
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("value", "message"),
    [("-1", "确保该值大于或等于0。"), ("abc", "输入一个数字。"), ("1.234", "确认小数不超过 2 位.")],
    ids=["negative", "text", "three-decimals"],
)
def test_bad_amounts_in_the_fund_plan_are_explained_and_nothing_saved(client, plan, value, message):
    login(client, applicant_of(plan))
    before = list(plan.fund_lines.values_list("subsidy_requested", flat=True))
    response = client.post(url("fund_plan_edit", plan), fund_post(plan, **{"form-0-subsidy_requested": value}))
    assert response.status_code == 200
    assert message in shown(response)
    assert list(plan.fund_lines.values_list("subsidy_requested", flat=True)) == before


def test_a_fund_plan_change_is_saved_and_voids_the_cosignature(client, plan):
    login(client, applicant_of(plan))
    response = client.post(url("fund_plan_edit", plan), fund_post(plan, **{"form-0-other": "1.00"}))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.fund_lines.order_by("id").first().other == 1
    assert [problem for problem in services.submission_problems(plan) if "会签" in problem]


def test_a_phased_task_needs_a_date(client, plan):
    login(client, applicant_of(plan))
    before = plan.phased_tasks.count()
    response = client.post(url("phased_task_add", plan), {"task": "任务", "owner": "工信局", "due": "明年"})
    assert response.status_code == 200
    assert "输入一个有效的日期。" in shown(response)
    assert plan.phased_tasks.count() == before


# --- submitting through the pages -------------------------------------------------------------------


def submit(client, plan):
    return client.post(reverse("workflows:plan_submit", kwargs={"plan_pk": plan.pk}), follow=True)


@pytest.fixture
def ready(db):
    return ready_flow_plan(region=LeagueCityFactory(name="乌海市"))


def test_submitting_twice_makes_one_version_and_says_so_the_second_time(client, ready):
    login(client, applicant_of(ready))
    first = submit(client, ready)
    assert "方案已提交，已冻结为新版本，等待自治区工信厅形式审查。" in shown(first)
    second = submit(client, ready)
    assert second.redirect_chain == [(url("plan_detail", ready), 302)]
    assert "方案当前状态不能提交（可能已经提交过了），请刷新页面。" in shown(second)
    assert PlanVersion.objects.filter(plan=ready).count() == 1
    assert AuditEvent.objects.filter(action="plan.submit", target_id=str(ready.pk)).count() == 1


def test_submitting_after_the_deadline_is_refused_with_the_deadline(client, ready):
    deadline = timezone.now() - timedelta(minutes=5)
    PilotCall.objects.filter(pk=ready.call_id).update(deadline=deadline)
    login(client, applicant_of(ready))
    response = submit(client, ready)
    expected = f"申报批次未开放或已过截止时间（{timezone.localtime(deadline):%Y-%m-%d %H:%M}），不能提交。"
    assert expected in shown(response)
    ready.refresh_from_db()
    assert ready.status == PilotPlan.Status.COSIGNED
    assert not PlanVersion.objects.filter(plan=ready).exists()


def test_the_detail_page_lists_what_blocks_submission(client, db):
    plan = PilotPlanFactory()
    login(client, applicant_of(plan))
    page = client.get(url("plan_detail", plan))
    assert 'data-testid="submission-problems"' in page.content.decode()
    assert "请上传盖章的总体方案PDF。" in shown(page)
    assert re.search(r'data-testid="submit-plan"\s+disabled', page.content.decode())


# --- CSRF -------------------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused(plan):
    client = Client(enforce_csrf_checks=True)
    login(client, applicant_of(plan))
    before = audit_count(plan)
    response = client.post(url("sections_edit", plan), sections_post(plan, safeguards="未经CSRF校验"))
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.safeguards != "未经CSRF校验"
    assert audit_count(plan) == before


def test_the_same_post_with_the_token_passes(plan):
    client = Client(enforce_csrf_checks=True)
    login(client, applicant_of(plan))
    client.get(url("sections_edit", plan))
    token = client.cookies["csrftoken"].value
    response = client.post(
        url("sections_edit", plan), sections_post(plan, safeguards="经CSRF校验", csrfmiddlewaretoken=token)
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.safeguards == "经CSRF校验"


# --- objects of another plan through one's own plan ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("chain_edit", "get"),
        ("chain_edit", "post"),
        ("chain_delete", "post"),
        ("phased_task_delete", "post"),
        ("enterprise_delete", "post"),
    ],
)
def test_the_parts_of_another_plan_cannot_be_reached_through_ones_own(client, plan, name, method):
    other = PilotPlanFactory(state="ready", state__enterprises=3)
    login(client, applicant_of(plan))
    before = (other.chains.count(), other.phased_tasks.count(), other.enterprises.count())
    address = url(name, other).replace(f"/plans/{other.pk}/", f"/plans/{plan.pk}/")
    response = getattr(client, method)(address, chain_post() if name == "chain_edit" else {})
    assert response.status_code == 404
    assert (other.chains.count(), other.phased_tasks.count(), other.enterprises.count()) == before
    assert not other.chains.filter(name="乳业产业链").exists()


def test_a_version_that_does_not_exist_is_404(client, plan):
    login(client, applicant_of(plan))
    assert client.get(reverse("pilots:version_detail", kwargs={"pk": plan.pk, "number": 2})).status_code == 404

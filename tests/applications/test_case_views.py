"""The application pages through the test client: applying (and its bad input), the reviews, who sees
which applications (both ways), and list pages with a fixed number of queries at 10 and 10,000 rows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import SubsidyApplication, SubsidyRound
from applications.selectors import today
from tests.documents.files import docx_bytes, pdf_bytes, png_bytes, upload

from .cases import D, city_passed, county_passed, draft, make_world, submitted

pytestmark = pytest.mark.django_db
Status = SubsidyApplication.Status


@pytest.fixture
def world(db):
    return make_world()


def login(client, user):
    client.force_login(user)
    return client


def page_text(response) -> str:
    return response.content.decode()


def apply_data(world, **overrides) -> dict:
    year = today().year
    data = {
        "uscc": world.enterprise.uscc,
        "project_name": "智能化产线改造项目",
        "period_from": f"{year}-01-01",
        "period_to": f"{year}-12-31",
        "county": str(world.county.pk),
        "facts-investment": "25,000,000",
        "inv-TOTAL_FORMS": "3",
        "inv-INITIAL_FORMS": "0",
        "inv-MIN_NUM_FORMS": "0",
        "inv-MAX_NUM_FORMS": "100",
        "inv-0-kind": "equipment",
        "inv-0-description": "工业机器人",
        "inv-0-amount": "20000000",
        "inv-0-invoice_number": "INV-001",
        "inv-1-kind": "software",
        "inv-1-description": "MES 软件",
        "inv-1-amount": "5000000",
        "inv-1-invoice_number": "INV-002",
    }
    data.update(overrides)
    return data


def new_url(world) -> str:
    return f"{reverse('applications:application_new', args=[world.subsidy_round.pk])}?category=smart_retrofit"


# --- applying ----------------------------------------------------------------------------------------------


def test_the_form_is_built_from_the_categorys_facts(client, world):
    response = login(client, world.enterprise_user).get(new_url(world))
    assert response.status_code == 200
    assert "facts-investment" in response.context["facts_form"].add_prefix("investment")
    assert "年度智能制造设备、软件和技术服务投资额" in page_text(response)


def test_saving_a_draft_computes_and_shows_the_quote(client, world):
    response = login(client, world.enterprise_user).post(new_url(world), apply_data(world), follow=True)
    application = SubsidyApplication.objects.get()
    assert application.status == Status.DRAFT
    assert application.quote_amount == D("3250000")
    assert "3,250,000.00" in page_text(response)
    assert application.investments.count() == 2


def test_a_typed_quote_is_ignored(client, world):
    login(client, world.enterprise_user).post(new_url(world), apply_data(world, quote_amount="99999999"))
    assert SubsidyApplication.objects.get().quote_amount == D("3250000")


def test_save_and_submit(client, world):
    response = login(client, world.enterprise_user).post(new_url(world), apply_data(world, submit="1"), follow=True)
    assert SubsidyApplication.objects.get().status == Status.SUBMITTED
    assert "已提交旗县区工信局初审" in page_text(response)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("facts-investment", "-1", "金额不能为负数。"),
        ("facts-investment", "两千万", "请输入金额"),
        ("facts-investment", "", "请填写"),
        ("inv-0-amount", "-5", "金额不能为负数。"),
        ("inv-0-amount", "abc", "请输入金额"),
        ("project_name", "", "请填写项目名称。"),
        ("period_to", "2000-01-01", "项目结束日期不能早于起始日期。"),
    ],
)
def test_bad_input_is_refused_with_its_message(client, world, field, value, message):
    response = login(client, world.enterprise_user).post(new_url(world), apply_data(world, **{field: value}))
    assert response.status_code == 200
    assert message in page_text(response)
    assert not SubsidyApplication.objects.exists()


def test_another_enterprises_uscc_is_refused(client, world):
    response = login(client, world.enterprise_user).post(
        new_url(world), apply_data(world, uscc=world.other_enterprise.uscc)
    )
    assert "只能以本企业名义申报" in page_text(response)
    assert not SubsidyApplication.objects.exists()


def test_an_unknown_uscc_is_refused(client, world):
    response = login(client, world.enterprise_user).post(new_url(world), apply_data(world, uscc="91150000MA0000000X"))
    assert "只能以本企业名义申报" in page_text(response)


def test_a_closed_round_refuses_naming_its_closing_time(client, world):
    SubsidyRound.objects.filter(pk=world.subsidy_round.pk).update(closes_at=timezone.now() - timedelta(hours=1))
    response = login(client, world.enterprise_user).post(new_url(world), apply_data(world), follow=True)
    assert "不在受理期内" in page_text(response)
    assert not SubsidyApplication.objects.exists()


def test_an_ineligible_quote_cannot_be_submitted_and_says_why(client, world):
    response = login(client, world.enterprise_user).post(
        new_url(world), apply_data(world, **{"facts-investment": "19999999", "submit": "1"}), follow=True
    )
    assert SubsidyApplication.objects.get().status == Status.DRAFT
    assert "不符合奖补条件" in page_text(response)


def test_a_stacked_application_shows_the_warning(client, world):
    submitted(
        world,
        category="industrial_internet_platform",
        facts={"platform_investment": D(10000000), "recognition": "provincial"},
    )
    response = login(client, world.enterprise_user).post(new_url(world), apply_data(world, submit="1"), follow=True)
    assert "就高不重复" in page_text(response)


@pytest.mark.parametrize("role", ["county_user", "city_user", "officer"])
def test_only_enterprises_apply(client, world, role):
    assert login(client, getattr(world, role)).get(new_url(world)).status_code == 404


# --- evidence ----------------------------------------------------------------------------------------------


def test_evidence_must_be_a_pdf_or_an_image(client, world):
    application = draft(world)
    url = reverse("applications:evidence_upload", args=[application.pk])
    login(client, world.enterprise_user)
    client.post(url, {"file": upload("发票.pdf", pdf_bytes())})
    client.post(url, {"file": upload("现场.png", png_bytes())})
    response = client.post(url, {"file": upload("说明.pdf", docx_bytes())}, follow=True)
    assert "实际是Word文档" in page_text(response)
    assert [d.original_name for d in application_evidence(application)] == ["发票.pdf", "现场.png"]


def application_evidence(application):
    from applications.selectors import application_evidence as evidence

    return evidence(application)


def test_evidence_follows_the_applications_visibility(client, world):
    application = draft(world)
    login(client, world.enterprise_user).post(
        reverse("applications:evidence_upload", args=[application.pk]), {"file": upload("发票.pdf", pdf_bytes())}
    )
    document = application_evidence(application).get()
    url = reverse("documents:download", args=[document.pk])
    assert login(client, world.county_user).get(url).status_code == 200
    assert login(client, world.other_county_user).get(url).status_code == 404
    assert login(client, world.other_enterprise_user).get(url).status_code == 404


# --- reviews through the pages -----------------------------------------------------------------------------


def test_the_county_reduces_the_investment_on_the_page(client, world):
    application = submitted(world)
    login(client, world.county_user)
    assert "county-review" in page_text(client.get(reverse("applications:application_detail", args=[application.pk])))
    client.post(
        reverse("applications:county_review", args=[application.pk]),
        {"decision": "pass", "recognised-investment": "24,000,000", "reasons": "装修费用不计入", "comment": ""},
    )
    application.refresh_from_db()
    assert application.status == Status.COUNTY_PASSED
    assert application.recognised_quote == D("3120000")


def test_the_city_recommends_on_the_page(client, world):
    application = county_passed(world)
    login(client, world.city_user).post(
        reverse("applications:city_review", args=[application.pk]),
        {"decision": "pass", "recommended_amount": "3120000", "comment": "同意"},
    )
    application.refresh_from_db()
    assert application.status == Status.EXPERT_REVIEW


def test_the_city_cannot_recommend_more_than_the_quote_on_the_page(client, world):
    application = county_passed(world)
    response = login(client, world.city_user).post(
        reverse("applications:city_review", args=[application.pk]),
        {"decision": "pass", "recommended_amount": "5000000", "comment": ""},
        follow=True,
    )
    assert "不能超过核定测算金额" in page_text(response)


@pytest.mark.parametrize(
    ("url_name", "role"),
    [
        ("county_review", "other_county_user"),
        ("county_review", "city_user"),
        ("city_review", "other_city_user"),
        ("city_review", "county_user"),
        ("approve", "officer"),
        ("expert_review", "leader"),
    ],
)
def test_review_pages_refuse_the_wrong_reviewer(client, world, url_name, role):
    application = city_passed(world)
    response = login(client, getattr(world, role)).post(reverse(f"applications:{url_name}", args=[application.pk]), {})
    assert response.status_code == 404


# --- who sees what -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("enterprise_user", True),
        ("other_enterprise_user", False),
        ("county_user", True),
        ("other_county_user", False),
        ("city_user", True),
        ("other_city_user", False),
        ("officer", True),
        ("leader", True),
        ("finance", True),
        ("auditor", True),
    ],
)
def test_detail_and_list_visibility(client, world, role, sees):
    application = submitted(world)
    login(client, getattr(world, role))
    detail = client.get(reverse("applications:application_detail", args=[application.pk]))
    assert detail.status_code == (200 if sees else 404)
    listed = client.get(reverse("applications:application_list"))
    assert (application in listed.context["page"].object_list) is sees


# --- fixed queries on the list pages -----------------------------------------------------------------------


def make_many(world, count: int) -> None:
    year = today().year
    rows = [
        SubsidyApplication(
            round=world.subsidy_round,
            enterprise=world.enterprise,
            project_name=f"项目{n}",
            project_key=f"项目{n}",
            category_code="smart_retrofit",
            period_from=timezone.datetime(year, 1, 1).date(),
            period_to=timezone.datetime(year, 12, 31).date(),
            county=world.county,
            facts={"investment": "25000000"},
            quote_amount=Decimal("3250000"),
            quote_eligible=True,
            status=Status.SUBMITTED,
            created_by=world.enterprise_user,
        )
        for n in range(count)
    ]
    SubsidyApplication.objects.bulk_create(rows, batch_size=2000)


def list_queries(client, user) -> int:
    login(client, user)
    url = reverse("applications:application_list")
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["enterprise_user", "county_user", "city_user", "officer"])
def test_list_pages_use_a_fixed_number_of_queries_at_10_and_10000(client, world, role):
    make_many(world, 10)
    at_ten = list_queries(client, getattr(world, role))
    make_many(world, 10000 - 10)
    assert SubsidyApplication.objects.count() == 10000
    at_ten_thousand = list_queries(client, getattr(world, role))
    assert at_ten == at_ten_thousand


def test_another_enterprise_cannot_edit_submit_or_upload_to_an_application(client, world):
    application = draft(world)
    login(client, world.other_enterprise_user)
    edit = reverse("applications:application_edit", args=[world.subsidy_round.pk, application.pk])
    assert client.get(edit).status_code == 404
    assert client.post(reverse("applications:application_submit", args=[application.pk])).status_code == 404
    upload_url = reverse("applications:evidence_upload", args=[application.pk])
    assert client.post(upload_url, {"file": upload("x.pdf", pdf_bytes())}).status_code == 404
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_a_submitted_application_is_no_longer_editable(client, world):
    application = submitted(world)
    login(client, world.enterprise_user)
    edit = reverse("applications:application_edit", args=[world.subsidy_round.pk, application.pk])
    response = client.get(edit, follow=True)
    assert "该申报当前不能修改" in page_text(response)

"""The national SME digital-transformation city pilot (pilots.services.national): a call of its own kind whose
plan is a title, the national approval, the approved plan and the grant requested; the completeness check makes
it SELECTED at once; the approval and the instalments follow as for any plan. Service level here; the flow and
the pages to the first instalment paid are in tests/workflows/test_national_sme_flow.py."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from pilots import services
from pilots.models import FundLine, Instalment, PilotCall, PilotPlan
from pilots.selectors import plans_visible_to
from pilots.selectors_changes import can_request_change
from pilots.services import national
from tests.documents.files import docx_bytes
from tests.factories import make_user

from .factories import (
    NATIONAL_GRANT,
    PilotCallFactory,
    PilotPlanFactory,
    applicant_of,
    approve_plan,
    fill_national_plan,
    make_department_officer,
)


@pytest.fixture
def call(db):
    return PilotCallFactory(national=True)


@pytest.fixture
def plan(call):
    return PilotPlanFactory(call=call)


def test_a_national_plan_starts_with_one_grant_line_and_no_target_table(plan):
    assert plan.call.kind == PilotCall.Kind.NATIONAL_SME_CITY
    assert plan.title == f"{plan.region.name}国家中小企业数字化转型城市试点实施方案"
    assert not plan.target_values.exists()
    assert [(line.direction, line.subsidy_requested) for line in plan.fund_lines.all()] == [
        (FundLine.Direction.RETROFIT, Decimal("0.00"))
    ]


def test_submission_checks_only_the_four_things(plan):
    assert services.submission_problems(plan) == [
        "请上传国家中小企业数字化转型城市试点的批复文件（PDF）。",
        "请上传经批准的城市试点实施方案（PDF）。",
        "请填写申请的自治区专项资金金额。",
    ]
    fill_national_plan(plan)
    assert services.submission_problems(plan) == []  # no sections, chains, enterprises, targets or co-sign


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "申请金额必须大于0元。"),
        ("-10", "申请金额必须大于0元。"),
        ("100.001", "申请金额最多保留两位小数（精确到分）。"),
        ("三千万", "请输入正确的申请金额（元）。"),
    ],
)
def test_a_bad_amount_is_refused_with_its_message(plan, amount, message):
    with pytest.raises(ValidationError) as error:
        national.national_request_save(actor=applicant_of(plan), plan=plan, title=plan.title, amount=amount)
    assert error.value.messages == [message]


def test_title_and_amount_are_saved_and_audited(plan):
    national.national_request_save(actor=applicant_of(plan), plan=plan, title="包头市城市试点", amount="12345678.90")
    plan.refresh_from_db()
    assert plan.title == "包头市城市试点"
    assert national.requested_grant(plan) == Decimal("12345678.90")
    event = AuditEvent.objects.get(action="plan.national_request_save", target_id=str(plan.pk))
    assert event.changes["amount"] == ["0.00", "12,345,678.90"]
    with pytest.raises(ValidationError) as error:
        national.national_request_save(actor=applicant_of(plan), plan=plan, title=" ", amount="1")
    assert error.value.messages == ["请填写方案名称。"]


def test_the_national_approval_is_judged_by_content(plan):
    with pytest.raises(ValidationError) as error:
        national.national_approval_attach(
            actor=applicant_of(plan), plan=plan, uploaded=SimpleUploadedFile("批复.pdf", docx_bytes())
        )
    assert "实际是Word文档" in error.value.messages[0]
    assert PilotPlan.objects.get(pk=plan.pk).national_approval_id is None


def test_the_national_pieces_belong_to_national_plans_only(db):
    pilot_plan = PilotPlanFactory()
    with pytest.raises(ValidationError) as error:
        national.national_request_save(actor=applicant_of(pilot_plan), plan=pilot_plan, title="x", amount="1")
    assert error.value.messages == ["只有国家中小企业数字化转型城市试点的方案使用此项。"]


def test_no_cosigning_for_a_national_plan(plan):
    fill_national_plan(plan)
    with pytest.raises(ValidationError) as error:
        services.plan_send_to_cosign(actor=applicant_of(plan), plan=plan)
    assert error.value.messages == ["国家中小企业数字化转型城市试点的方案不需要送财政局会签。"]


def test_accepted_means_selected_then_approved_and_paid_in_the_calls_instalments(
    plan, django_capture_on_commit_callbacks
):
    fill_national_plan(plan)
    with django_capture_on_commit_callbacks() as callbacks:
        version = services.plan_submit(actor=applicant_of(plan), plan=plan)
    assert callbacks == []  # no plan PDF is printed: the approved plan is the city's own PDF
    assert (version.snapshot["kind"], version.snapshot["targets"], version.snapshot["chains"]) == (
        "national_sme_city",
        [],
        [],
    )
    assert version.snapshot["national_approval"] == plan.national_approval.sha256

    services.plan_accept(actor=make_department_officer(), plan=plan)
    plan.refresh_from_db()
    assert plan.status == PilotPlan.Status.SELECTED
    assert AuditEvent.objects.filter(action="plan.accept_national", target_id=str(plan.pk)).exists()

    # the approval is capped by the grant requested, like any approval
    with pytest.raises(ValidationError) as error:
        services.approval_draft(
            actor=make_department_officer(),
            plan=plan,
            approved_amount=NATIONAL_GRANT + Decimal("0.01"),
            conditions="",
            revision_requests="",
        )
    assert "不能超过申请的奖补金额（30,000,000.00元）" in error.value.messages[0]
    plan = approve_plan(plan, amount=Decimal("20000000.00"))
    assert plan.status == PilotPlan.Status.APPROVED
    instalments = list(plan.instalments.order_by("order"))
    assert [(i.stage, i.amount, i.status) for i in instalments] == [
        ("approval", Decimal("8000000.00"), "due"),
        ("midterm", Decimal("6000000.00"), "scheduled"),
        ("acceptance", Decimal("6000000.00"), "scheduled"),
    ]
    payment = services.payment_record(
        actor=make_user(Role.FINANCE_DEPARTMENT),
        instalment=instalments[0],
        amount=Decimal("8000000.00"),
        paid_on=date.today(),
        voucher_number="NMG-2025-0001",
    )
    assert Instalment.objects.get(pk=instalments[0].pk).status == Instalment.Status.PAID
    assert payment.amount == Decimal("8000000.00")
    # a national plan takes no plan changes (it has no targets or fund plan of its own to change)
    assert not can_request_change(applicant_of(plan), plan)


def test_the_review_agency_has_nothing_to_do_with_national_plans(plan):
    fill_national_plan(plan)
    services.plan_submit(actor=applicant_of(plan), plan=plan)
    services.plan_accept(actor=make_department_officer(), plan=plan)
    coordinator = make_user(Role.AGENCY_COORDINATOR)
    assert not plans_visible_to(coordinator).filter(pk=plan.pk).exists()
    client = Client()
    client.force_login(coordinator)
    assert client.get(reverse("pilots:plan_detail", args=[plan.pk])).status_code == 404
    # nor its call among the calls to review (a pilot call past its deadline is there)
    from evaluation.selectors.pool import review_calls

    pilot_call = PilotCallFactory(past_deadline=True)
    assert [call.pk for call in review_calls(coordinator)] == [pilot_call.pk]
    PilotCall.objects.filter(pk=plan.call_id).update(status=PilotCall.Status.CLOSED)
    assert [call.pk for call in review_calls(coordinator)] == [pilot_call.pk]


# --- the pages ---------------------------------------------------------------------------------------------


def test_the_call_form_offers_the_kind_and_the_call_page_hides_what_does_not_apply(call):
    client = Client()
    client.force_login(make_department_officer())
    form = client.get(reverse("pilots:call_create")).content.decode()
    assert 'name="kind"' in form and "国家中小企业数字化转型城市试点" in form
    page = client.get(reverse("pilots:call_detail", args=[call.pk])).content.decode()
    assert "国家中小企业数字化转型城市试点" in page
    assert "专家评分要点" not in page and "改造企业数量下限" not in page


def test_the_plan_page_shows_only_what_applies(plan):
    client = Client()
    client.force_login(applicant_of(plan))
    page = client.get(reverse("pilots:plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="national-plan"' in page
    assert reverse("pilots:national_edit", args=[plan.pk]) in page
    for absent in ('data-testid="target-table"', "方案正文", reverse("pilots:chains", args=[plan.pk]), "送财政局会签"):
        assert absent not in page, absent
    assert "请上传国家中小企业数字化转型城市试点的批复文件（PDF）。" in page  # what is still missing

    # a pilot plan's page is as before
    other = PilotPlanFactory()
    client.force_login(applicant_of(other))
    page = client.get(reverse("pilots:plan_detail", args=[other.pk])).content.decode()
    assert 'data-testid="target-table"' in page and 'data-testid="national-plan"' not in page


def test_the_national_edit_page_keeps_what_was_typed_on_error(plan):
    client = Client()
    client.force_login(applicant_of(plan))
    address = reverse("pilots:national_edit", args=[plan.pk])
    response = client.post(address, {"title": "包头市国家城市试点", "amount": "-1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="包头市国家城市试点"' in html
    assert "zg-field--error" in html
    response = client.post(address, {"title": "包头市国家城市试点", "amount": "30000000.00"})
    assert response.status_code == 302
    assert national.requested_grant(plan) == Decimal("30000000.00")
    # not for a pilot plan, not for another region
    other = PilotPlanFactory()
    client.force_login(applicant_of(other))
    assert client.get(reverse("pilots:national_edit", args=[other.pk])).status_code == 404
    assert client.get(address).status_code == 404


def test_the_attachments_page_takes_the_national_approval(plan):
    client = Client()
    client.force_login(applicant_of(plan))
    address = reverse("pilots:attachments", args=[plan.pk])
    page = client.get(address).content.decode()
    assert "经批准的城市试点实施方案（PDF）" in page and 'data-testid="national-approval-section"' in page
    response = client.post(address, {"kind": "national", "file": SimpleUploadedFile("批复.pdf", docx_bytes())})
    assert response.status_code == 200 and "实际是Word文档" in response.content.decode()
    from .factories import national_approval_upload

    response = client.post(address, {"kind": "national", "file": national_approval_upload()})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.national_approval.purpose == "national_approval"

"""The flow's pages: starting a plan, the task links of the inbox, co-signing, the completeness check and
the home page. Each page checks the object and the role itself (404 when either is wrong)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from accounts.roles import Role
from pilots.models import PilotPlan
from tests.factories import LeagueCityFactory, make_user
from tests.pilots.factories import (
    PilotCallFactory,
    applicant_of,
    cosigner_of,
    fill_plan_ready_to_submit,
    make_applicant,
    make_cosigner,
    make_department_officer,
)
from workflows import services as flow

from .helpers import flow_plan, ready_flow_plan, submitted_flow_plan


def shown(response) -> str:
    return re.sub(r"<[^>]+>", " ", response.content.decode())


def login(client, user):
    client.force_login(user)
    return client


def open_task(plan, name: str) -> Task:
    tasks = Task.objects.filter(process__pilotplanprocess__plan=plan, status__in=flow.OPEN)
    (task,) = [task for task in tasks if task.flow_task.name == name]
    return task


def task_url(task: Task) -> str:
    return reverse("workflows:task", kwargs={"task_pk": task.pk})


def plan_url(name: str, plan: PilotPlan) -> str:
    return reverse(f"workflows:{name}", kwargs={"plan_pk": plan.pk})


def detail(plan: PilotPlan) -> str:
    return reverse("pilots:plan_detail", kwargs={"pk": plan.pk})


def status(plan: PilotPlan) -> str:
    plan.refresh_from_db()
    return plan.status


@pytest.fixture
def cosigning(db):
    plan = flow_plan(region=LeagueCityFactory(name="赤峰市"))
    applicant = applicant_of(plan)
    fill_plan_ready_to_submit(plan, applicant, enterprises=3, cosign=False)
    flow.plan_send_to_cosign(actor=applicant, plan=plan)
    return plan


# --- starting a plan --------------------------------------------------------------------------------


def test_the_bureau_starts_its_plan_from_the_call(client, db):
    call = PilotCallFactory()
    actor = make_applicant(LeagueCityFactory(name="鄂尔多斯市"))
    login(client, actor)
    response = client.post(reverse("workflows:plan_start", kwargs={"call_pk": call.pk}), follow=True)
    plan = PilotPlan.objects.get(call=call, region=actor.membership.organisation.region)
    assert response.redirect_chain == [(detail(plan), 302)]
    assert "总体方案已创建，请按提纲逐项填写。" in shown(response)
    assert open_task(plan, "draft")


def test_a_second_start_for_the_region_is_refused_with_the_reason(client, db):
    call = PilotCallFactory()
    region = LeagueCityFactory(name="通辽市")
    flow.plan_start(actor=make_applicant(region), call=call)
    login(client, make_applicant(region))
    response = client.post(reverse("workflows:plan_start", kwargs={"call_pk": call.pk}), follow=True)
    assert response.redirect_chain == [(reverse("pilots:call_detail", kwargs={"pk": call.pk}), 302)]
    assert "通辽市在本批次已有一份总体方案，每个盟市每批次只能申报一份。" in shown(response)
    assert PilotPlan.objects.filter(call=call).count() == 1


def test_a_start_in_a_closed_call_is_refused(client, db):
    call = PilotCallFactory(closed=True)
    login(client, make_applicant())
    response = client.post(reverse("workflows:plan_start", kwargs={"call_pk": call.pk}), follow=True)
    assert "该批次不在申报期内，不能新建方案。" in shown(response)
    assert not PilotPlan.objects.exists()


@pytest.mark.parametrize("role", [Role.COSIGNER, Role.DEPARTMENT_OFFICER, Role.AUDITOR], ids=str)
def test_only_a_bureau_may_start_a_plan(client, db, role):
    call = PilotCallFactory()
    login(client, make_user(role))
    assert client.post(reverse("workflows:plan_start", kwargs={"call_pk": call.pk})).status_code == 404
    assert not PilotPlan.objects.exists()


def test_starting_takes_a_post_only(client, db):
    call = PilotCallFactory()
    login(client, make_applicant())
    assert client.get(reverse("workflows:plan_start", kwargs={"call_pk": call.pk})).status_code == 405


def test_a_draft_call_cannot_be_started_by_a_bureau(client, db):
    call = PilotCallFactory(draft=True)
    login(client, make_applicant())
    assert client.post(reverse("workflows:plan_start", kwargs={"call_pk": call.pk})).status_code == 404


# --- the task links ---------------------------------------------------------------------------------


def test_each_task_link_leads_its_worker_to_the_page_for_it(client, cosigning):
    plan = cosigning
    login(client, cosigner_of(plan))
    response = client.get(task_url(open_task(plan, "cosign")))
    assert response["Location"] == plan_url("plan_cosign", plan)

    flow.plan_cosign(actor=cosigner_of(plan), plan=plan)
    login(client, applicant_of(plan))
    assert client.get(task_url(open_task(plan, "draft")))["Location"] == detail(plan)

    flow.plan_submit(actor=applicant_of(plan), plan=plan)
    login(client, make_department_officer())
    assert client.get(task_url(open_task(plan, "completeness_check")))["Location"] == plan_url("plan_check", plan)


def test_a_task_link_is_404_for_another_region_and_once_done(client, cosigning):
    plan = cosigning
    task = open_task(plan, "cosign")
    login(client, make_cosigner(LeagueCityFactory()))
    assert client.get(task_url(task)).status_code == 404
    login(client, make_applicant(LeagueCityFactory()))
    assert client.get(task_url(task)).status_code == 404
    flow.plan_cosign(actor=cosigner_of(plan), plan=plan)
    login(client, cosigner_of(plan))
    assert client.get(task_url(task)).status_code == 404
    assert client.get(reverse("workflows:task", kwargs={"task_pk": 10**9})).status_code == 404


def test_a_draft_task_link_is_404_for_the_finance_bureau_of_the_region(client, db):
    plan = flow_plan()
    login(client, make_cosigner(plan.region))
    assert client.get(task_url(open_task(plan, "draft"))).status_code == 404


# --- sending to co-sign, co-signing -----------------------------------------------------------------


def test_the_bureau_sends_its_plan_to_cosign(client, db):
    plan = flow_plan()
    fill_plan_ready_to_submit(plan, applicant_of(plan), enterprises=3, cosign=False)
    login(client, applicant_of(plan))
    response = client.post(plan_url("plan_send_to_cosign", plan), follow=True)
    assert "已送同级财政局会签。" in shown(response)
    assert status(plan) == PilotPlan.Status.COSIGNING


def test_sending_an_empty_fund_plan_is_refused_with_the_reason(client, db):
    plan = flow_plan()
    login(client, applicant_of(plan))
    response = client.post(plan_url("plan_send_to_cosign", plan), follow=True)
    assert "资金计划合计为0，请先填写资金使用计划再送会签。" in shown(response)
    assert status(plan) == PilotPlan.Status.DRAFT


@pytest.mark.parametrize("who", ["cosigner_a", "applicant_b", "officer"])
def test_only_the_bureau_sends_to_cosign(client, db, who):
    plan = flow_plan()
    fill_plan_ready_to_submit(plan, applicant_of(plan), enterprises=3, cosign=False)
    user = {
        "cosigner_a": lambda: make_cosigner(plan.region),
        "applicant_b": lambda: make_applicant(LeagueCityFactory()),
        "officer": make_department_officer,
    }[who]()
    login(client, user)
    assert client.post(plan_url("plan_send_to_cosign", plan)).status_code == 404
    assert status(plan) == PilotPlan.Status.DRAFT


def test_the_finance_bureau_sees_the_fund_plan_and_cosigns(client, cosigning):
    plan = cosigning
    login(client, cosigner_of(plan))
    page = client.get(plan_url("plan_cosign", plan))
    assert page.status_code == 200
    assert 'data-testid="fund-table"' in page.content.decode()
    response = client.post(plan_url("plan_cosign", plan), {"decision": "cosign", "comment": "同意。"}, follow=True)
    assert response.redirect_chain == [(detail(plan), 302)]
    assert "已会签。" in shown(response)
    assert status(plan) == PilotPlan.Status.COSIGNED
    assert plan.cosign_comment == "同意。"


def test_returning_from_cosign_needs_a_comment_and_then_goes_back(client, cosigning):
    plan = cosigning
    login(client, cosigner_of(plan))
    response = client.post(plan_url("plan_cosign", plan), {"decision": "return", "comment": ""})
    assert response.status_code == 200
    assert "退回时请写明意见。" in shown(response)
    assert status(plan) == PilotPlan.Status.COSIGNING

    response = client.post(plan_url("plan_cosign", plan), {"decision": "return", "comment": "配套资金超出预算。"})
    assert response.status_code == 302
    assert status(plan) == PilotPlan.Status.DRAFT


@pytest.mark.parametrize("who", ["cosigner_b", "applicant_a", "officer", "auditor"])
def test_nobody_else_opens_or_posts_the_cosign_page(client, cosigning, who):
    plan = cosigning
    user = {
        "cosigner_b": lambda: make_cosigner(LeagueCityFactory()),
        "applicant_a": lambda: applicant_of(plan),
        "officer": make_department_officer,
        "auditor": lambda: make_user(Role.AUDITOR),
    }[who]()
    login(client, user)
    assert client.get(plan_url("plan_cosign", plan)).status_code == 404
    assert client.post(plan_url("plan_cosign", plan), {"decision": "cosign"}).status_code == 404
    assert status(plan) == PilotPlan.Status.COSIGNING


def test_the_cosign_page_is_gone_once_cosigned(client, cosigning):
    plan = cosigning
    login(client, cosigner_of(plan))
    client.post(plan_url("plan_cosign", plan), {"decision": "cosign"})
    assert client.post(plan_url("plan_cosign", plan), {"decision": "cosign"}).status_code == 404


# --- the completeness check -------------------------------------------------------------------------


@pytest.fixture
def submitted(db):
    return submitted_flow_plan(region=LeagueCityFactory(name="呼伦贝尔市"))


def test_the_officer_sees_the_checks_and_accepts(client, submitted):
    plan = submitted
    login(client, make_department_officer())
    page = client.get(plan_url("plan_check", plan))
    assert page.status_code == 200
    assert "提交时各项自动检查均已通过。" in shown(page)
    response = client.post(plan_url("plan_check", plan), {"decision": "accept"}, follow=True)
    assert "形式审查通过。" in shown(response)
    assert status(plan) == PilotPlan.Status.ACCEPTED


def test_returning_needs_reasons_and_the_bureau_then_reads_them(client, submitted):
    plan = submitted
    login(client, make_department_officer())
    response = client.post(plan_url("plan_check", plan), {"decision": "return", "reasons": ""})
    assert response.status_code == 200
    assert "这个字段是必填项。" in shown(response)
    assert status(plan) == PilotPlan.Status.SUBMITTED

    response = client.post(plan_url("plan_check", plan), {"decision": "return", "reasons": "盖章PDF与系统内容不一致。"})
    assert response.status_code == 302
    assert status(plan) == PilotPlan.Status.RETURNED

    login(client, applicant_of(plan))
    page = client.get(detail(plan))
    assert "盖章PDF与系统内容不一致。" in shown(page)
    assert 'data-testid="return-reasons"' in page.content.decode()


def test_reasons_of_whitespace_only_are_refused(client, submitted):
    login(client, make_department_officer())
    response = client.post(plan_url("plan_check", submitted), {"decision": "return", "reasons": "   "})
    assert response.status_code == 200
    assert status(submitted) == PilotPlan.Status.SUBMITTED


@pytest.mark.parametrize(
    "role", [Role.DEPARTMENT_LEADER, Role.FINANCE_DEPARTMENT, Role.AUDITOR, Role.APPLICANT, Role.COSIGNER], ids=str
)
def test_only_a_department_officer_opens_the_check(client, submitted, role):
    plan = submitted
    user = applicant_of(plan) if role == Role.APPLICANT else make_cosigner(plan.region)
    if role not in (Role.APPLICANT, Role.COSIGNER):
        user = make_user(role)
    login(client, user)
    assert client.get(plan_url("plan_check", plan)).status_code == 404
    assert client.post(plan_url("plan_check", plan), {"decision": "accept"}).status_code == 404
    assert status(plan) == PilotPlan.Status.SUBMITTED


def test_a_draft_has_no_check_page(client, db):
    plan = ready_flow_plan()
    login(client, make_department_officer())
    assert client.get(plan_url("plan_check", plan)).status_code == 404


# --- the home page and the inbox ---------------------------------------------------------------------


def test_home_shows_my_tasks_and_what_i_may_start(client, db):
    call = PilotCallFactory(title="2025年试点申报")
    plan = flow_plan(region=LeagueCityFactory(name="兴安盟"), call=call)
    login(client, applicant_of(plan))
    page = client.get("/")
    assert page.status_code == 200
    text = shown(page)
    assert "编辑并提交总体方案" in text
    assert f"兴安盟 · {plan.title}（草稿）" in text
    assert "申报：2025年试点申报" in text
    assert task_url(open_task(plan, "draft")) in page.content.decode()


def test_home_of_another_region_shows_none_of_it(client, db):
    flow_plan(region=LeagueCityFactory(name="兴安盟"))
    login(client, make_applicant(LeagueCityFactory()))
    page = client.get("/")
    assert "兴安盟" not in shown(page)
    assert "暂无待办事项。" in shown(page)


def test_the_inbox_page_lists_the_departments_checks(client, submitted):
    login(client, make_department_officer())
    page = client.get(reverse("workflows:index"))
    assert "形式审查" in shown(page)
    assert task_url(open_task(submitted, "completeness_check")) in page.content.decode()


def test_home_and_inbox_send_anonymous_users_to_login(client, db):
    for address in ("/", reverse("workflows:index")):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_home_shows_the_deadline_in_china_time_as_the_call_page_does(client, db):
    deadline = timezone.now().replace(microsecond=0) + timedelta(days=20)
    call = PilotCallFactory(title="2025年试点申报", deadline=deadline)
    login(client, make_applicant())
    local = f"{timezone.localtime(deadline):%Y-%m-%d %H:%M}"  # Asia/Shanghai, as on the call's own page
    assert local in shown(client.get(reverse("pilots:call_detail", kwargs={"pk": call.pk})))
    assert f"截止 {local}" in shown(client.get("/"))

"""The pilot-plan flow (workflows.services): which task is open after each step, who sees it in the
inbox, and that a task is done once only."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import resolve, reverse
from viewflow.workflow import flow as nodes
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.roles import Role
from audit.models import AuditEvent
from pilots.models import PilotPlan
from tests.factories import LeagueCityFactory, UserFactory, UserGroupFactory, make_user, role_group
from tests.pilots.factories import (
    PilotCallFactory,
    PilotPlanFactory,
    applicant_of,
    cosigner_of,
    fill_plan_ready_to_submit,
    make_applicant,
    make_cosigner,
    make_department_officer,
)
from workflows import services as flow
from workflows.flows import PilotPlanFlow
from workflows.models import PilotPlanProcess
from workflows.selectors import inbox

from .helpers import flow_plan, ready_flow_plan, submitted_flow_plan

ALREADY_DONE = "该事项已经办理过了（可能是重复点击，或已由他人处理），请刷新页面查看最新状态。"


def open_tasks(plan: PilotPlan) -> list[str]:
    """The names of the plan's open tasks."""
    tasks = Task.objects.filter(process__pilotplanprocess__plan=plan, status__in=flow.OPEN)
    return sorted(task.flow_task.name for task in tasks)


def status(plan: PilotPlan) -> str:
    plan.refresh_from_db()
    return plan.status


def events(plan: PilotPlan, action: str) -> int:
    return AuditEvent.objects.filter(target_id=str(plan.pk), target_type="pilots.pilotplan", action=action).count()


# --- the steps --------------------------------------------------------------------------------------


def test_starting_a_plan_creates_its_process_with_an_open_draft_task(db):
    actor = make_applicant()
    plan = flow.plan_start(actor=actor, call=PilotCallFactory())
    process = PilotPlanProcess.objects.get(plan=plan)
    assert process.flow_class is PilotPlanFlow
    assert open_tasks(plan) == ["draft"]
    assert status(plan) == PilotPlan.Status.DRAFT
    assert events(plan, "plan.create") == 1


def test_a_refused_start_leaves_no_plan_and_no_process(db):
    region, call = LeagueCityFactory(), PilotCallFactory()
    flow.plan_start(actor=make_applicant(region), call=call)
    with pytest.raises(ValidationError):
        flow.plan_start(actor=make_applicant(region), call=call)
    assert PilotPlan.objects.count() == PilotPlanProcess.objects.count() == 1


def test_the_whole_way_from_draft_to_awaiting_review(db):
    plan = flow_plan()
    applicant = applicant_of(plan)
    cosigner, officer = cosigner_of(plan), make_department_officer()
    fill_plan_ready_to_submit(plan, applicant, enterprises=3, cosign=False)

    flow.plan_send_to_cosign(actor=applicant, plan=plan)
    assert (status(plan), open_tasks(plan)) == ("cosigning", ["cosign"])

    flow.plan_cosign(actor=cosigner, plan=plan, comment="同意。")
    assert (status(plan), open_tasks(plan)) == ("cosigned", ["draft"])

    version = flow.plan_submit(actor=applicant, plan=plan)
    assert version.number == 1
    assert (status(plan), open_tasks(plan)) == ("submitted", ["completeness_check"])

    flow.plan_return(actor=officer, plan=plan, reasons="请补充产业链企业名单的数据来源。")
    assert (status(plan), open_tasks(plan)) == ("returned", ["draft"])

    assert flow.plan_submit(actor=applicant, plan=plan).number == 2
    assert (status(plan), open_tasks(plan)) == ("submitted", ["completeness_check"])

    flow.plan_accept(actor=officer, plan=plan)
    assert (status(plan), open_tasks(plan)) == ("accepted", ["awaiting_review"])
    waiting = Task.objects.get(process__pilotplanprocess__plan=plan, status__in=flow.OPEN)
    assert waiting.flow_task == PilotPlanFlow.awaiting_review
    assert isinstance(waiting.flow_task, nodes.Handle)  # woken by the expert review, not by a person

    done = Task.objects.filter(process__pilotplanprocess__plan=plan, status=STATUS.DONE)
    assert sorted(
        task.flow_task.name for task in done if task.flow_task.name in {"draft", "cosign", "completeness_check"}
    ) == [
        "completeness_check",
        "completeness_check",
        "cosign",
        "draft",
        "draft",
        "draft",
    ]
    # who did the human tasks
    assert {task.flow_task.name: task.owner for task in done.order_by("created") if task.owner} == {
        "draft": applicant,
        "cosign": cosigner,
        "completeness_check": officer,
    }


def test_returned_from_cosign_goes_back_to_the_draft_task(db):
    plan = flow_plan()
    applicant = applicant_of(plan)
    fill_plan_ready_to_submit(plan, applicant, enterprises=3, cosign=False)
    flow.plan_send_to_cosign(actor=applicant, plan=plan)
    flow.plan_return_from_cosign(actor=cosigner_of(plan), plan=plan, comment="配套资金超出本级预算。")
    assert (status(plan), open_tasks(plan)) == ("draft", ["draft"])
    # and can go to the finance bureau again
    flow.plan_send_to_cosign(actor=applicant, plan=plan)
    assert open_tasks(plan) == ["cosign"]


def test_a_cosigned_plan_can_be_sent_to_cosign_again(db):
    plan = ready_flow_plan()
    flow.plan_send_to_cosign(actor=applicant_of(plan), plan=plan)
    assert (status(plan), open_tasks(plan)) == ("cosigning", ["cosign"])


# --- the domain decides; a refusal leaves the task open ----------------------------------------------


def test_a_plan_that_is_not_ready_is_refused_and_its_draft_task_stays_open(db):
    plan = flow_plan()
    with pytest.raises(ValidationError) as caught:
        flow.plan_submit(actor=applicant_of(plan), plan=plan)
    assert "请上传盖章的总体方案PDF。" in caught.value.messages
    assert (status(plan), open_tasks(plan)) == ("draft", ["draft"])
    assert not plan.versions.exists()
    assert events(plan, "plan.submit") == 0


def test_an_empty_fund_plan_is_not_sent_to_cosign_and_the_task_stays(db):
    plan = flow_plan()
    with pytest.raises(ValidationError) as caught:
        flow.plan_send_to_cosign(actor=applicant_of(plan), plan=plan)
    assert caught.value.messages == ["资金计划合计为0，请先填写资金使用计划再送会签。"]
    assert open_tasks(plan) == ["draft"]


def test_returning_without_reasons_keeps_the_check_open(db):
    plan = submitted_flow_plan()
    with pytest.raises(ValidationError) as caught:
        flow.plan_return(actor=make_department_officer(), plan=plan, reasons=" ")
    assert caught.value.messages == ["退回时请写明原因。"]
    assert (status(plan), open_tasks(plan)) == ("submitted", ["completeness_check"])


def test_a_plan_without_a_process_is_refused(db):
    plan = PilotPlanFactory(state="ready", state__enterprises=3)  # made by pilots.services alone
    with pytest.raises(ValidationError) as caught:
        flow.plan_submit(actor=applicant_of(plan), plan=plan)
    assert caught.value.messages == ["该方案没有关联的办理流程。"]
    assert status(plan) == PilotPlan.Status.COSIGNED


# --- once only --------------------------------------------------------------------------------------


def test_cosigning_twice_is_refused_the_second_time(db):
    plan = flow_plan()
    applicant, cosigner = applicant_of(plan), cosigner_of(plan)
    fill_plan_ready_to_submit(plan, applicant, enterprises=3, cosign=False)
    flow.plan_send_to_cosign(actor=applicant, plan=plan)
    flow.plan_cosign(actor=cosigner, plan=plan)
    with pytest.raises(ValidationError) as caught:
        flow.plan_cosign(actor=cosigner, plan=plan)
    assert caught.value.messages == [ALREADY_DONE]
    assert events(plan, "plan.cosign") == 1
    assert open_tasks(plan) == ["draft"]


def test_submitting_twice_is_refused_the_second_time(db):
    plan = ready_flow_plan()
    applicant = applicant_of(plan)
    flow.plan_submit(actor=applicant, plan=plan)
    with pytest.raises(ValidationError) as caught:
        flow.plan_submit(actor=applicant, plan=plan)
    assert caught.value.messages == [ALREADY_DONE]
    assert plan.versions.count() == 1
    assert events(plan, "plan.submit") == 1


@pytest.mark.parametrize("second", ["accept", "return"])
def test_the_completeness_check_is_done_once(db, second):
    plan = submitted_flow_plan()
    officer = make_department_officer()
    flow.plan_accept(actor=officer, plan=plan)
    with pytest.raises(ValidationError) as caught:
        if second == "accept":
            flow.plan_accept(actor=make_department_officer(), plan=plan)
        else:
            flow.plan_return(actor=make_department_officer(), plan=plan, reasons="迟到的退回。")
    assert caught.value.messages == [ALREADY_DONE]
    assert status(plan) == PilotPlan.Status.ACCEPTED
    assert events(plan, "plan.accept") == 1 and events(plan, "plan.return") == 0


# --- the inbox --------------------------------------------------------------------------------------


@pytest.fixture
def two_regions(db):
    """Region A and region B each with a draft started through the flow, and their people."""
    call = PilotCallFactory()
    region_a, region_b = LeagueCityFactory(name="包头市"), LeagueCityFactory(name="通辽市")
    people = {}
    for key, region in (("a", region_a), ("b", region_b)):
        applicant = make_applicant(region)
        people[f"applicant_{key}"] = applicant
        people[f"cosigner_{key}"] = make_cosigner(region)
        people[f"plan_{key}"] = flow.plan_start(actor=applicant, call=call)
    people["officer"] = make_department_officer()
    for role in (Role.DEPARTMENT_LEADER, Role.FINANCE_DEPARTMENT, Role.AUDITOR, Role.ENTERPRISE, Role.EXPERT):
        people[role.value] = make_user(role)
    return people


def task_pk(item) -> int:
    """The task an inbox item leads to (its link is the task page)."""
    match = resolve(item.url)
    assert match.view_name == "workflows:task", item.url
    return match.kwargs["task_pk"]


def inbox_plans(user) -> list[tuple[str, int]]:
    tasks = Task.objects.in_bulk([task_pk(item) for item in inbox(user)])
    return sorted((tasks[pk].flow_task.name, tasks[pk].process.pilotplanprocess.plan_id) for pk in tasks)


def nobody_else_sees_anything(people, *seeing: str) -> None:
    for key, user in people.items():
        if key.startswith("plan_") or key in seeing:
            continue
        assert inbox(user) == [], key


def test_a_draft_is_in_its_own_bureaus_inbox_only(two_regions):
    people = two_regions
    a, b = people["plan_a"], people["plan_b"]
    assert inbox_plans(people["applicant_a"]) == [("draft", a.pk)]
    assert inbox_plans(people["applicant_b"]) == [("draft", b.pk)]
    nobody_else_sees_anything(people, "applicant_a", "applicant_b")


def test_a_cosign_task_is_in_the_finance_bureau_of_its_region_only(two_regions):
    people = two_regions
    a = people["plan_a"]
    fill_plan_ready_to_submit(a, people["applicant_a"], enterprises=3, cosign=False)
    flow.plan_send_to_cosign(actor=people["applicant_a"], plan=a)

    assert inbox_plans(people["cosigner_a"]) == [("cosign", a.pk)]
    assert inbox(people["cosigner_b"]) == []  # another region's finance bureau sees nothing
    assert inbox(people["applicant_a"]) == []  # the bureau waits
    nobody_else_sees_anything(people, "cosigner_a", "applicant_b")


def test_completeness_checks_of_every_region_are_in_the_department_officers_inbox(two_regions):
    people = two_regions
    for key in ("a", "b"):
        plan, applicant = people[f"plan_{key}"], people[f"applicant_{key}"]
        fill_plan_ready_to_submit(plan, applicant, enterprises=3, cosign=False)
        flow.plan_send_to_cosign(actor=applicant, plan=plan)
        flow.plan_cosign(actor=people[f"cosigner_{key}"], plan=plan)
        flow.plan_submit(actor=applicant, plan=plan)

    assert inbox_plans(people["officer"]) == sorted(
        [("completeness_check", people["plan_a"].pk), ("completeness_check", people["plan_b"].pk)]
    )
    nobody_else_sees_anything(people, "officer")


def test_an_inbox_item_says_what_and_where(two_regions):
    people = two_regions
    (item,) = inbox(people["applicant_a"])
    plan = people["plan_a"]
    assert item.title == "编辑并提交总体方案"
    assert item.subject == f"包头市 · {plan.title}（草稿）"
    task = Task.objects.get(pk=task_pk(item))
    assert task.flow_task == PilotPlanFlow.draft
    assert task.process.pilotplanprocess.plan_id == plan.pk
    assert item.url == reverse("workflows:task", kwargs={"task_pk": task.pk})


def test_a_done_task_leaves_the_inbox(two_regions):
    people = two_regions
    a = people["plan_a"]
    fill_plan_ready_to_submit(a, people["applicant_a"], enterprises=3, cosign=False)
    flow.plan_send_to_cosign(actor=people["applicant_a"], plan=a)
    flow.plan_cosign(actor=people["cosigner_a"], plan=a)
    assert inbox(people["cosigner_a"]) == []
    assert inbox_plans(people["applicant_a"]) == [("draft", a.pk)]


def test_a_user_with_a_role_but_no_organisation_sees_nothing(db):
    flow_plan()
    user = UserFactory()
    UserGroupFactory(user=user, group=role_group(Role.APPLICANT))
    assert inbox(user) == []

"""The approval (批复) of a selected plan (pilots.services.approvals): drafted by the officer, approved or
returned by the leader; numbers without gaps, also when two leaders approve at the same moment; the
instalment schedule adds up to the approved amount to the cent; the PDF; the two viewflow tasks."""

import io
import re
import threading
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from viewflow.workflow.models import Task

from accounts.roles import Role
from audit.models import AuditEvent
from pilots import services
from pilots.models import Approval, DocumentNumberSequence, Instalment, PilotCall, PilotPlan
from pilots.services import approvals
from pilots.services.approvals import chinese_capital_amount, instalment_schedule
from tests.factories import LeagueCityFactory, make_user
from tests.workflows.helpers import submitted_flow_plan
from workflows import services as flow
from workflows.flows import PilotPlanFlow

from .factories import PilotCallFactory, applicant_of
from .test_selection import leader, move, officer, selected_plan

YEAR = timezone.localdate().year


def draft(plan, amount="1000000.01", **fields) -> Approval:
    return services.approval_draft(
        actor=officer(),
        plan=plan,
        approved_amount=Decimal(amount),
        conditions=fields.get("conditions", "专款专用，按季度报送进展。"),
        revision_requests=fields.get("revision_requests", "1. 补充产业链企业数字化现状的数据来源。"),
    )


def approve(approval) -> Approval:
    approval = services.approval_approve(actor=leader(), approval=approval)
    approval.refresh_from_db()
    return approval


def number(n: int) -> str:
    return f"内工信数字〔{YEAR}〕{n}号"


# --- drafting -------------------------------------------------------------------------------------------


def test_a_draft_asks_for_the_subsidy_of_the_latest_version(db):
    plan = selected_plan(requested=Decimal("11600000.00"))
    approval = draft(plan, "8000000")
    assert approval.status == Approval.Status.DRAFT
    assert (approval.version.number, approval.requested_amount, approval.approved_amount) == (
        1,
        Decimal("11600000.00"),
        Decimal("8000000.00"),
    )
    assert approval.number == ""  # a draft takes no number
    assert not DocumentNumberSequence.objects.exists()
    event = AuditEvent.objects.get(action="plan.approval_draft", target_id=str(plan.pk))
    assert event.changes["approved_amount"] == "8000000.00"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("11600000.01", "批复金额（11,600,000.01元）不能超过申请的奖补金额（11,600,000.00元）。"),
        ("0", "批复金额必须大于0元。"),
        ("-5", "批复金额必须大于0元。"),
        ("100.005", "批复金额最多保留两位小数（精确到分）。"),
        ("abc", "请输入正确的批复金额（元）。"),
    ],
)
def test_a_bad_amount_is_refused_with_its_message(db, amount, message):
    plan = selected_plan(requested=Decimal("11600000.00"))
    with pytest.raises(ValidationError) as error:
        services.approval_draft(actor=officer(), plan=plan, approved_amount=amount, conditions="", revision_requests="")
    assert error.value.messages == [message]
    assert not Approval.objects.exists()


def test_the_amount_may_be_exactly_the_request(db):
    plan = selected_plan(requested=Decimal("11600000.00"))
    assert draft(plan, "11600000.00").approved_amount == Decimal("11600000.00")


def test_the_database_also_keeps_the_amount_within_the_request(db):
    from django.db import IntegrityError, transaction

    approval = draft(selected_plan(requested=Decimal("100.00")), "100")
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.filter(pk=approval.pk).update(approved_amount=Decimal("100.01"))


def test_only_a_selected_plan_is_drafted_and_only_by_the_officer(db):
    plan = selected_plan()
    for role in (Role.DEPARTMENT_LEADER, Role.FINANCE_DEPARTMENT, Role.APPLICANT):
        with pytest.raises(PermissionDenied):
            services.approval_draft(
                actor=make_user(role), plan=plan, approved_amount=Decimal(1), conditions="", revision_requests=""
            )
    move(plan, PilotPlan.Status.NOT_SELECTED)
    with pytest.raises(ValidationError) as error:
        draft(plan)
    assert "未入选" in error.value.messages[0]


def test_redrafting_updates_the_same_approval(db):
    plan = selected_plan()
    first = draft(plan, "500000")
    services.approval_return(actor=leader(), approval=first, comment="金额偏低，请按评审意见调整。")
    second = draft(plan, "900000", conditions="新的要求")
    assert second.pk == first.pk
    second.refresh_from_db()
    assert (second.status, second.approved_amount, second.conditions) == ("draft", Decimal("900000.00"), "新的要求")
    assert Approval.objects.count() == 1


# --- approving --------------------------------------------------------------------------------------------


def test_approving_numbers_dates_schedules_and_approves_the_plan(db):
    plan = selected_plan()
    approval = approve(draft(plan, "1000000.01"))
    assert approval.status == Approval.Status.APPROVED
    assert approval.number == number(1)
    assert approval.issued_on == timezone.localdate()
    plan.refresh_from_db()
    assert plan.status == PilotPlan.Status.APPROVED

    instalments = list(plan.instalments.order_by("order"))
    assert [(i.stage, i.share, i.amount, i.status) for i in instalments] == [
        ("approval", Decimal("40.00"), Decimal("400000.00"), "due"),
        ("midterm", Decimal("30.00"), Decimal("300000.00"), "scheduled"),
        ("acceptance", Decimal("30.00"), Decimal("300000.01"), "scheduled"),
    ]
    assert sum(i.amount for i in instalments) == Decimal("1000000.01")
    assert instalments[0].due_since is not None
    event = AuditEvent.objects.get(action="plan.approve", target_id=str(plan.pk))
    assert event.changes["number"] == number(1)


@pytest.mark.parametrize(
    ("approved", "shares"),
    [
        ("1000000.01", (40, 30, 30)),
        ("0.02", (40, 30, 30)),
        ("33333.33", (33.34, 33.33, 33.33)),
        ("9999999.99", (50, 25, 25)),
        ("7", (33.33, 33.33, 33.34)),
        ("1234567.89", (100, 0, 0)),
    ],
)
def test_the_schedule_always_adds_up_to_the_approved_amount(approved, shares):
    call = PilotCall(
        share_at_approval=Decimal(str(shares[0])),
        share_after_midterm=Decimal(str(shares[1])),
        share_after_acceptance=Decimal(str(shares[2])),
    )
    schedule = instalment_schedule(call, Decimal(approved))
    assert sum(amount for _stage, _share, amount in schedule) == Decimal(approved)
    assert all(amount > 0 and amount == amount.quantize(Decimal("0.01")) for _stage, _share, amount in schedule)


def test_a_zero_share_makes_no_instalment(db):
    call = PilotCallFactory()
    services.call_update(
        actor=officer(), call=call, share_at_approval=Decimal(70), share_after_midterm=Decimal(0),
        share_after_acceptance=Decimal(30),
    )  # fmt: skip
    plan = selected_plan(call=call)
    approve(draft(plan, "100000"))
    assert [(i.stage, i.amount, i.status) for i in plan.instalments.order_by("order")] == [
        ("approval", Decimal("70000.00"), "due"),
        ("acceptance", Decimal("30000.00"), "scheduled"),
    ]


def test_only_a_leader_approves_or_returns_and_a_return_needs_a_comment(db):
    approval = draft(selected_plan())
    for role in (Role.DEPARTMENT_OFFICER, Role.FINANCE_DEPARTMENT, Role.AUDITOR):
        with pytest.raises(PermissionDenied):
            services.approval_approve(actor=make_user(role), approval=approval)
        with pytest.raises(PermissionDenied):
            services.approval_return(actor=make_user(role), approval=approval, comment="x")
    with pytest.raises(ValidationError) as error:
        services.approval_return(actor=leader(), approval=approval, comment="  ")
    assert error.value.messages == ["退回时请写明意见。"]
    approval.refresh_from_db()
    assert (approval.status, approval.number) == ("draft", "")


def test_a_returned_approval_must_be_redrafted_before_it_is_approved(db):
    approval = draft(selected_plan())
    services.approval_return(actor=leader(), approval=approval, comment="请补充批复要求。")
    with pytest.raises(ValidationError) as error:
        services.approval_approve(actor=leader(), approval=approval)
    assert "领导退回修改" in error.value.messages[0]
    approved = approve(draft(approval.plan))
    assert approved.number == number(1)


def test_numbers_have_no_gaps_across_returns_and_redrafts(db):
    call = PilotCallFactory()
    a, b, c = (selected_plan(call=call) for _ in range(3))
    assert approve(draft(a)).number == number(1)
    returned = draft(b)
    services.approval_return(actor=leader(), approval=returned, comment="请调整金额。")
    assert approve(draft(c)).number == number(2)
    assert approve(draft(b)).number == number(3)
    assert DocumentNumberSequence.objects.get().last_number == 3
    # calls of the same year share the pattern's sequence
    assert approve(draft(selected_plan())).number == number(4)


def test_a_failed_approval_gives_its_number_back(db, monkeypatch):
    first, second = draft(selected_plan()), draft(selected_plan())
    real = approvals._create_instalments

    def broken(plan, approved):
        raise RuntimeError("disk full")

    monkeypatch.setattr(approvals, "_create_instalments", broken)
    with pytest.raises(RuntimeError):
        services.approval_approve(actor=leader(), approval=first)
    monkeypatch.setattr(approvals, "_create_instalments", real)
    assert approve(second).number == number(1)
    assert approve(first).number == number(2)


def test_a_bad_number_pattern_is_refused_before_a_number_is_taken(db):
    call = PilotCallFactory(approval_number_pattern="内工信数字〔{year}〕号")
    approval = draft(selected_plan(call=call))
    with pytest.raises(ValidationError) as error:
        services.approval_approve(actor=leader(), approval=approval)
    assert "{number}" in error.value.messages[0]
    assert not DocumentNumberSequence.objects.exists()


# --- after commit: PDF and e-mail -------------------------------------------------------------------------


def pdf_text(document) -> str:
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_after_commit_the_approval_is_printed_and_the_bureau_told(db, django_capture_on_commit_callbacks):
    plan = selected_plan(region=LeagueCityFactory(name="包头市"))
    approval = draft(plan, "1000000.01", conditions="按季度报送试点进展。")
    with django_capture_on_commit_callbacks(execute=True):
        services.approval_approve(actor=leader(), approval=approval)
    approval.refresh_from_db()
    assert approval.pdf is not None
    assert approval.pdf.owner == plan
    assert approval.pdf.original_name == f"{number(1)}（包头市试点总体方案批复）.pdf"
    text = pdf_text(approval.pdf)
    for expected in (
        number(1),
        "包头市",
        "1,000,000.01",
        "壹佰万元零壹分",
        "400,000.00",
        "300,000.01",
        "按季度报送试点进展",
    ):
        assert expected in text, expected

    (message,) = mail.outbox
    assert message.to == [applicant_of(plan).email]
    assert number(1) in message.subject
    assert "1,000,000.01元" in message.body and "首期400,000.00元" in message.body


def test_printing_twice_keeps_one_pdf(db, django_capture_on_commit_callbacks):
    approval = draft(selected_plan())
    with django_capture_on_commit_callbacks(execute=True):
        services.approval_approve(actor=leader(), approval=approval)
    approval.refresh_from_db()
    assert services.render_approval_pdf_now(approval.pk) == approval.pdf


@pytest.mark.parametrize(
    ("amount", "capital"),
    [
        ("1000000.01", "壹佰万元零壹分"),
        ("11600000", "壹仟壹佰陆拾万元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("1001", "壹仟零壹元整"),
        ("12345678.90", "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角"),
        ("100010000.10", "壹亿零壹万元壹角"),
        ("0.05", "伍分"),
        ("0", "零元整"),
        ("10.50", "壹拾元伍角"),
    ],
)
def test_capital_numerals(amount, capital):
    assert chinese_capital_amount(Decimal(amount)) == capital


def test_the_experts_revision_suggestions_prefill_the_revision_requests(db, monkeypatch):
    from evaluation.models import Assignment, ExpertProfile
    from pilots.selectors_money import revision_suggestions

    plan = selected_plan()
    for number, (text, state) in enumerate(
        [
            ("补充企业数字化现状的数据来源。", "submitted"),
            ("草稿意见不算。", "scoring"),
            ("明确平台建设的里程碑。", "submitted"),
        ]
    ):
        expert = make_user(Role.EXPERT)
        profile = ExpertProfile.objects.create(user=expert, full_name=f"专家{number}", home_region=plan.region)
        Assignment.objects.create(
            plan=plan,
            expert=profile,
            status=state,
            assigned_by=officer(),
            assigned_at=timezone.now(),
            submitted_at=timezone.now() if state == "submitted" else None,
            revision_suggestions=text,
        )
    assert revision_suggestions(plan) == "1. 补充企业数字化现状的数据来源。\n2. 明确平台建设的里程碑。"
    # the summary comes from whatever the expert review registered (pilots never imports evaluation)
    from pilots import selectors_money

    monkeypatch.setitem(selectors_money._review, "suggestions", lambda p: "专家组意见汇总")
    assert revision_suggestions(plan) == "专家组意见汇总"


# --- the task pages and the flow ---------------------------------------------------------------------------


def test_the_approval_task_pages_refuse_the_wrong_role(db):
    plan = selected_plan()
    approval = draft(plan)
    client = Client()
    for url in (
        reverse("workflows:approval_draft", kwargs={"plan_pk": plan.pk}),
        reverse("workflows:approval_approve", kwargs={"plan_pk": plan.pk}),
    ):
        for role in (Role.APPLICANT, Role.FINANCE_DEPARTMENT, Role.AUDITOR):
            client.force_login(make_user(role))
            assert client.get(url).status_code in (403, 404)
    # the officer cannot approve, not even by posting
    client.force_login(officer())
    url = reverse("workflows:approval_approve", kwargs={"plan_pk": plan.pk})
    assert client.post(url, {"decision": "approve"}).status_code == 404
    approval.refresh_from_db()
    assert approval.status == Approval.Status.DRAFT


def test_the_flow_from_selected_through_draft_return_and_approval(db):
    """A plan started, filled, submitted and accepted through the flow; the review and the list simulated
    by move_plan; then the two approval tasks through their pages, with a return in between."""
    plan = submitted_flow_plan(call=PilotCallFactory())
    the_officer, the_leader = officer(), leader()
    flow.plan_accept(actor=the_officer, plan=plan)
    move(plan, PilotPlan.Status.IN_REVIEW)
    assert open_tasks(plan) == ["awaiting_list"]
    move(plan, PilotPlan.Status.SELECTED)
    assert open_tasks(plan) == ["draft_approval"]

    client = Client()
    client.force_login(the_officer)
    task = open_task(plan, PilotPlanFlow.draft_approval)
    page = client.get(reverse("workflows:task", kwargs={"task_pk": task.pk}))
    assert page.url == reverse("workflows:approval_draft", kwargs={"plan_pk": plan.pk})
    form = client.get(page.url)
    assert form.status_code == 200
    assert form.context["form"].initial["approved_amount"] == Decimal("11600000.00")  # the request, to start
    answer = client.post(page.url, {"approved_amount": "99999999", "conditions": "", "revision_requests": ""})
    assert "不能超过申请的奖补金额" in answer.content.decode()
    assert open_tasks(plan) == ["draft_approval"]  # a refused draft leaves the task open
    answer = client.post(page.url, {"approved_amount": "8000000.00", "conditions": "专款专用", "revision_requests": ""})
    assert answer.status_code == 302
    assert open_tasks(plan) == ["approve"]

    client.force_login(the_leader)
    task = open_task(plan, PilotPlanFlow.approve)
    page = client.get(reverse("workflows:task", kwargs={"task_pk": task.pk}))
    assert page.url == reverse("workflows:approval_approve", kwargs={"plan_pk": plan.pk})
    assert "8,000,000.00" in client.get(page.url).content.decode()
    client.post(page.url, {"decision": "return", "comment": "请补充资金监管要求。"})
    assert open_tasks(plan) == ["draft_approval"]
    assert not DocumentNumberSequence.objects.exists()

    client.force_login(the_officer)
    form = client.get(reverse("workflows:approval_draft", kwargs={"plan_pk": plan.pk}))
    assert "请补充资金监管要求。" in form.content.decode()
    client.post(
        reverse("workflows:approval_draft", kwargs={"plan_pk": plan.pk}),
        {"approved_amount": "8000000.00", "conditions": "专款专用，设立资金监管账户。", "revision_requests": ""},
    )
    client.force_login(the_leader)
    client.post(reverse("workflows:approval_approve", kwargs={"plan_pk": plan.pk}), {"decision": "approve"})
    plan.refresh_from_db()
    assert plan.status == PilotPlan.Status.APPROVED
    assert open_tasks(plan) == []
    assert plan.approval.number == number(1)
    done = Task.objects.filter(process__pilotplanprocess__plan=plan, status="DONE")
    owners = {(t.flow_task.name, t.owner) for t in done if t.flow_task.name in ("draft_approval", "approve")}
    assert owners == {("draft_approval", the_officer), ("approve", the_leader)}
    assert sorted(t.flow_task.name for t in done if t.flow_task.name in ("draft_approval", "approve")) == [
        "approve",
        "approve",
        "draft_approval",
        "draft_approval",
    ]

    # the plan page shows the approval to its bureau
    client.force_login(applicant_of(plan))
    page = client.get(reverse("pilots:plan_detail", kwargs={"pk": plan.pk})).content.decode()
    assert number(1) in page and "批复后拨付" in page and "待拨付" in page


def open_task(plan, node):
    return flow.open_task(plan, node)


def open_tasks(plan) -> list[str]:
    tasks = Task.objects.filter(process__pilotplanprocess__plan=plan, status__in=flow.OPEN)
    return sorted(task.flow_task.name for task in tasks)


# --- concurrency (PostgreSQL, one connection per thread) ---------------------------------------------------

HOLD_SECONDS = 0.3


def at_once(*actions):
    start = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index, action):
        try:
            start.wait(timeout=30)
            results[index] = action()
        except BaseException as error:  # handed back to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hangs (a deadlock?)"
    return results


@pytest.mark.django_db(transaction=True)
def test_two_leaders_approving_at_once_get_consecutive_numbers(monkeypatch):
    assert connection.vendor == "postgresql"
    monkeypatch.setattr(approvals, "render_approval_pdf_now", lambda approval_id: None)
    real = approvals._create_instalments

    def slow(plan, approved):  # hold the sequence lock a while: the other leader surely waits for it
        time.sleep(HOLD_SECONDS)
        return real(plan, approved)

    monkeypatch.setattr(approvals, "_create_instalments", slow)
    call = PilotCallFactory()
    first, second = draft(selected_plan(call=call)), draft(selected_plan(call=call))
    leaders = leader(), leader()
    results = at_once(
        lambda: services.approval_approve(actor=leaders[0], approval=first),
        lambda: services.approval_approve(actor=leaders[1], approval=second),
    )
    assert all(isinstance(result, Approval) for result in results), results
    assert sorted(Approval.objects.values_list("number", flat=True)) == [number(1), number(2)]
    assert DocumentNumberSequence.objects.get().last_number == 2
    assert Instalment.objects.count() == 6

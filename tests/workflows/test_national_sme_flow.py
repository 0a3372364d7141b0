"""A national SME city pilot through the plan flow (workflows.flows.PilotPlanFlow): the completeness check
sends it straight to ``draft_approval`` (no expert review, no notice, no co-signing), a return sends it back to
``draft``; and the whole path through the pages, from the call form to the first instalment paid."""

import io
import re
from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from viewflow.workflow.models import Task

from accounts.roles import Role
from pilots import services as pilot_services
from pilots.models import Instalment, PilotCall, PilotPlan, TargetTemplate
from tests.factories import LeagueCityFactory, make_user
from tests.pilots.factories import (
    PilotCallFactory,
    applicant_of,
    fill_national_plan,
    make_applicant,
    make_department_officer,
    national_approval_upload,
    stamped_pdf_upload,
)
from workflows import services as flow
from workflows.flows import PilotPlanFlow
from workflows.selectors import inbox

from .helpers import flow_plan


def open_tasks(plan: PilotPlan) -> list[str]:
    tasks = Task.objects.filter(process__pilotplanprocess__plan=plan, status__in=flow.OPEN)
    return sorted(task.flow_task.name for task in tasks)


def status(plan: PilotPlan) -> str:
    plan.refresh_from_db()
    return plan.status


def test_the_check_sends_a_national_plan_straight_to_the_approval(db):
    plan = flow_plan(call=PilotCallFactory(national=True))
    assert open_tasks(plan) == ["draft"]
    fill_national_plan(plan)
    flow.plan_submit(actor=applicant_of(plan), plan=plan)
    assert open_tasks(plan) == ["completeness_check"]

    officer = make_department_officer()
    flow.plan_return(actor=officer, plan=plan, reasons="批复文件扫描不清，请重新上传。")
    assert (status(plan), open_tasks(plan)) == (PilotPlan.Status.RETURNED, ["draft"])
    flow.plan_submit(actor=applicant_of(plan), plan=plan)
    flow.plan_accept(actor=officer, plan=plan)
    assert (status(plan), open_tasks(plan)) == (PilotPlan.Status.SELECTED, ["draft_approval"])
    done = Task.objects.filter(process__pilotplanprocess__plan=plan, status="DONE")
    assert not {"cosign", "awaiting_review", "awaiting_list"} & {task.flow_task.name for task in done}

    flow.complete_plan_task(
        actor=officer,
        plan=plan,
        node=PilotPlanFlow.draft_approval,
        decide=lambda: pilot_services.approval_draft(
            actor=officer, plan=plan, approved_amount=Decimal("30000000.00"), conditions="", revision_requests=""
        ),
    )
    assert open_tasks(plan) == ["approve"]
    leader = make_user(Role.DEPARTMENT_LEADER)
    approval = plan.approval
    flow.complete_plan_task(
        actor=leader,
        plan=plan,
        node=PilotPlanFlow.approve,
        decide=lambda: pilot_services.approval_approve(actor=leader, approval=approval),
    )
    assert (status(plan), open_tasks(plan)) == (PilotPlan.Status.APPROVED, [])
    assert plan.process.finished is not None


def test_a_pilot_plan_still_waits_for_the_expert_review(db):
    from .helpers import submitted_flow_plan

    plan = submitted_flow_plan(call=PilotCallFactory())
    flow.plan_accept(actor=make_department_officer(), plan=plan)
    assert (status(plan), open_tasks(plan)) == (PilotPlan.Status.ACCEPTED, ["awaiting_review"])


# --- the whole path through the pages --------------------------------------------------------------------------


def shown(response) -> str:
    return re.sub(r"<[^>]+>", " ", response.content.decode())


def call_form(**fields) -> dict:
    data = {
        "kind": PilotCall.Kind.NATIONAL_SME_CITY,
        "year": timezone.localdate().year,
        "title": "国家中小企业数字化转型城市试点自治区专项资金申报",
        "guide_text": "已获国家中小企业数字化转型城市试点的盟市，凭国家批复文件和经批准的实施方案申报。",
        "deadline": (timezone.localtime() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "pilots_sought": 2,
        "period_months": 24,
        "notice_working_days": 5,
        "share_at_approval": "50",
        "share_after_midterm": "25",
        "share_after_acceptance": "25",
        "min_retrofit_enterprises": 100,
        "experts_per_plan": 3,
        "pass_threshold": "60",
        "spread_threshold": "15",
        "approval_number_pattern": "内工信数字〔{year}〕{number}号",
        "target_template": TargetTemplate.objects.order_by("created_at").first().pk,
    }
    return {**data, **fields}


def pdf_text(document) -> str:
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_from_the_call_form_to_the_first_instalment_paid_through_the_pages(db, django_capture_on_commit_callbacks):
    PilotCallFactory()  # ships the 附2 template (the call form's default)
    client = Client()
    officer, leader = make_department_officer(), make_user(Role.DEPARTMENT_LEADER)
    finance = make_user(Role.FINANCE_DEPARTMENT)
    bureau = make_applicant(LeagueCityFactory(name="包头市"))

    # the officer opens a national SME city pilot call
    client.force_login(officer)
    response = client.post(reverse("pilots:call_create"), call_form())
    assert response.status_code == 302, shown(response)
    call = PilotCall.objects.get(kind=PilotCall.Kind.NATIONAL_SME_CITY)
    client.post(reverse("pilots:call_open", args=[call.pk]))
    call.refresh_from_db()
    assert call.status == PilotCall.Status.OPEN

    # the bureau starts its plan, fills the four things and submits
    client.force_login(bureau)
    response = client.post(reverse("workflows:plan_start", args=[call.pk]))
    plan = PilotPlan.objects.get(call=call)
    assert response.url == reverse("pilots:plan_detail", args=[plan.pk])
    title = "包头市国家中小企业数字化转型城市试点"
    response = client.post(reverse("pilots:national_edit", args=[plan.pk]), {"title": title, "amount": "30000000"})
    assert response.status_code == 302
    attachments = reverse("pilots:attachments", args=[plan.pk])
    client.post(attachments, {"kind": "national", "file": national_approval_upload()})
    client.post(attachments, {"kind": "stamped", "file": stamped_pdf_upload("实施方案（批准稿）.pdf")})
    page = client.get(reverse("pilots:plan_detail", args=[plan.pk]))
    assert "各项检查均已通过，可以提交。" in shown(page)
    assert "30,000,000.00" in shown(page)
    client.post(reverse("workflows:plan_submit", args=[plan.pk]))
    assert status(plan) == PilotPlan.Status.SUBMITTED

    # the officer: completeness check from the inbox, straight on to the approval
    client.force_login(officer)
    (item,) = [item for item in inbox(officer) if "包头市" in item.subject and item.title == "形式审查"]
    check = client.get(item.url, follow=True)
    assert "直接进入起草批复" in shown(check)
    client.post(reverse("workflows:plan_check", args=[plan.pk]), {"decision": "accept"})
    assert status(plan) == PilotPlan.Status.SELECTED
    (item,) = [item for item in inbox(officer) if "包头市" in item.subject and item.title == "起草批复"]
    draft_page = client.get(item.url, follow=True)
    assert draft_page.status_code == 200
    address = reverse("workflows:approval_draft", args=[plan.pk])
    answer = client.post(address, {"approved_amount": "30000000.01", "conditions": "", "revision_requests": ""})
    assert "不能超过申请的奖补金额" in shown(answer)
    conditions = "专款专用，按国家试点要求实施。"
    answer = client.post(address, {"approved_amount": "24000000.00", "conditions": conditions, "revision_requests": ""})
    assert answer.status_code == 302

    # the leader approves: number, instalments by the call's shares, the approval PDF in the national wording
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("workflows:approval_approve", args=[plan.pk]), {"decision": "approve"})
    assert answer.status_code == 302
    assert status(plan) == PilotPlan.Status.APPROVED
    instalments = list(plan.instalments.order_by("order"))
    assert [(i.stage, i.amount, i.status) for i in instalments] == [
        ("approval", Decimal("12000000.00"), "due"),
        ("midterm", Decimal("6000000.00"), "scheduled"),
        ("acceptance", Decimal("6000000.00"), "scheduled"),
    ]
    plan.approval.refresh_from_db()
    text = pdf_text(plan.approval.pdf)
    assert "国家中小企业数字化转型城市试点" in text and "经专家评审和公示" not in text

    # the Finance Department pays the first instalment
    client.force_login(finance)
    (item,) = [item for item in inbox(finance) if "包头市" in item.subject]
    answer = client.post(
        item.url,
        {"amount": "12000000.00", "paid_on": timezone.localdate().isoformat(), "voucher_number": "NMG-CZ-2025-001"},
    )
    assert answer.status_code == 302
    assert Instalment.objects.get(pk=instalments[0].pk).status == Instalment.Status.PAID

    # the bureau sees its approval and the payment on its plan page
    client.force_login(bureau)
    page = shown(client.get(reverse("pilots:plan_detail", args=[plan.pk])))
    assert plan.approval.number in page and "已拨付" in page

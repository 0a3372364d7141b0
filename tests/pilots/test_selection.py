"""The preliminary list (pilots.services.selection): proposed from the ranking, approved by the leader,
published as a notice, made final after it. The ranking comes from evaluation.selectors.ranked_plans; here
it is built by hand (``fake_ranking``) so that each rule can be tested on its own.

The helpers at the top are shared with test_approvals.py and test_payments.py."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from notices import services as notice_services
from notices.models import NoticeEntry, PublicNotice
from pilots import selectors_money, services
from pilots.models import FundLine, PilotCall, PilotPlan, PlanVersion, Selection
from pilots.selectors import inbox_items
from pilots.services.plans import lock_plan
from pilots.services.selection import apply_final_list
from pilots.versions import plan_snapshot
from tests.factories import LeagueCityFactory, make_user

from .factories import PilotCallFactory, PilotPlanFactory, applicant_of, make_applicant

# --- shared helpers -----------------------------------------------------------------------------------


@dataclass
class Line:
    """One line of a ranking, shaped like evaluation.selectors.RankedPlan."""

    plan: PilotPlan
    rank: int | None
    mean: Decimal | None
    eligible: bool


def officer():
    return make_user(Role.DEPARTMENT_OFFICER)


def leader():
    return make_user(Role.DEPARTMENT_LEADER)


def finance():
    return make_user(Role.FINANCE_DEPARTMENT)


def move(plan: PilotPlan, status: str, actor=None) -> PilotPlan:
    """Set a plan's status through move_plan, as the review and the list would."""
    with transaction.atomic():
        locked = lock_plan(plan)
        services.move_plan(locked, actor=actor, action="test.move", to=status)
    plan.refresh_from_db()
    return plan


def plan_with_version(call: PilotCall, *, region=None, requested=Decimal("11600000.00"), email=True) -> PilotPlan:
    """A plan of a fresh league/city in ``call`` with a frozen version 1 whose fund plan asks for
    ``requested`` yuan of subsidy (quicker than filling and submitting a whole plan). Its applicant has an
    e-mail address."""
    region = region or LeagueCityFactory()
    applicant = make_applicant(region)
    if email:
        applicant.email = f"{applicant.username}@example.test"
        applicant.save(update_fields=["email"])
    plan = PilotPlanFactory(call=call, actor=applicant)
    services.fund_plan_save(
        actor=applicant,
        plan=plan,
        lines={
            FundLine.Direction.RETROFIT: {
                "description": "企业数字化改造",
                "enterprise": Decimal("2000000.00"),
                "subsidy_requested": requested,
            }
        },
    )
    PlanVersion.objects.create(plan=plan, number=1, snapshot=plan_snapshot(plan), created_by=applicant)
    PilotPlan.objects.filter(pk=plan.pk).update(version=1)
    plan.refresh_from_db()
    return plan


def set_call_status(call: PilotCall, status: str) -> PilotCall:
    PilotCall.objects.filter(pk=call.pk).update(status=status)
    call.refresh_from_db()
    return call


def selected_plan(*, call=None, requested=Decimal("11600000.00"), region=None) -> PilotPlan:
    """A plan on the final list (SELECTED), waiting for its approval."""
    call = call or PilotCallFactory()
    plan = plan_with_version(call, requested=requested, region=region)
    return move(plan, PilotPlan.Status.SELECTED)


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture
def ranked(db, monkeypatch):
    """A ranked call seeking 2 pilots, with four plans in review; the ranking: A 91.5, B 85.25, C 80, D 52
    (D below the threshold, not eligible)."""
    call = PilotCallFactory(pilots_sought=2, year=2024)
    plans = [plan_with_version(call, region=LeagueCityFactory(name=name)) for name in ("甲市", "乙盟", "丙市", "丁市")]
    for plan in plans:
        move(plan, PilotPlan.Status.IN_REVIEW)
    set_call_status(call, PilotCall.Status.RANKED)
    means = (Decimal("91.5"), Decimal("85.25"), Decimal("80"), Decimal("52"))
    ranking = [
        Line(plan=plan, rank=rank, mean=mean, eligible=mean >= 60)
        for rank, (plan, mean) in enumerate(zip(plans, means, strict=True), start=1)
    ]
    monkeypatch.setattr(selectors_money, "ranked_plans", lambda c: list(ranking) if c.pk == call.pk else [])
    return call, plans


def ids(*plans) -> list[int]:
    return [plan.pk for plan in plans]


def status(plan) -> str:
    plan.refresh_from_db()
    return plan.status


def propose_and_approve(call, plans, chosen=None, reason=""):
    selection = services.selection_propose(
        actor=officer(), call=call, selected_plan_ids=ids(*(chosen or plans[:2])), deviation_reason=reason
    )
    return services.selection_approve(actor=leader(), selection=selection, comment="同意。")


def end_notice(notice: PublicNotice) -> PublicNotice:
    """Move the notice's period into the past, as if its working days had gone by."""
    today = notice.starts_on
    PublicNotice.objects.filter(pk=notice.pk).update(
        starts_on=today - timedelta(days=14), ends_on=today - timedelta(days=7)
    )
    notice.refresh_from_db()
    return notice


# --- proposing ------------------------------------------------------------------------------------------


def test_the_default_proposal_is_the_top_n_eligible_plans_and_needs_no_reason(ranked):
    call, (a, b, c, d) = ranked
    selection = services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(a, b))
    assert selection.status == Selection.Status.PROPOSED
    entries = {entry.plan_id: entry for entry in selection.entries.all()}
    assert set(entries) == set(ids(a, b, c, d))  # every ranked plan has its row
    assert [(entries[p.pk].rank, entries[p.pk].mean_score, entries[p.pk].selected) for p in (a, b, c, d)] == [
        (1, Decimal("91.50"), True),
        (2, Decimal("85.25"), True),
        (3, Decimal("80.00"), False),
        (4, Decimal("52.00"), False),
    ]
    event = AuditEvent.objects.get(action="selection.propose", target_id=str(selection.pk))
    assert event.changes["selected"] == sorted(ids(a, b))


def test_the_default_skips_ineligible_plans(ranked):
    call, (a, b, c, _d) = ranked
    call.pilots_sought = 4
    assert services.selection.default_selection(call, selectors_money.ranked_plans(call)) == ids(a, b, c)


def test_deviating_from_the_ranking_needs_a_written_reason(ranked):
    call, (a, _b, c, _d) = ranked
    with pytest.raises(ValidationError) as error:
        services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(a, c), deviation_reason="  ")
    assert error.value.messages == ["所选名单与按排名遴选的结果（前2名符合条件的方案）不一致，请写明理由。"]
    # fewer than the default is a deviation too
    with pytest.raises(ValidationError):
        services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(a))
    assert not Selection.objects.exists()

    selection = services.selection_propose(
        actor=officer(), call=call, selected_plan_ids=ids(a, c), deviation_reason="乙盟产业链与已有国家试点重复。"
    )
    assert selection.deviation_reason == "乙盟产业链与已有国家试点重复。"
    assert {e.plan_id for e in selection.entries.filter(selected=True)} == set(ids(a, c))


def test_an_ineligible_plan_cannot_be_selected_even_with_a_reason(ranked):
    call, (a, _b, _c, d) = ranked
    with pytest.raises(ValidationError) as error:
        services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(a, d), deviation_reason="理由")
    assert error.value.messages == ["以下方案未达到入选条件，不能入选：丁市。"]


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        ([], "请至少选择一个拟入选的盟市。"),
        ([999_999], "所选方案不在本批次的评审排名中，请刷新页面后重新选择。"),
    ],
)
def test_an_empty_or_unknown_choice_is_refused(ranked, chosen, message):
    call, _plans = ranked
    with pytest.raises(ValidationError) as error:
        services.selection_propose(actor=officer(), call=call, selected_plan_ids=chosen, deviation_reason="x")
    assert error.value.messages == [message]


def test_only_a_ranked_call_takes_a_proposal(ranked):
    call, plans = ranked
    set_call_status(call, PilotCall.Status.IN_REVIEW)
    with pytest.raises(ValidationError) as error:
        services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(*plans[:2]))
    assert "专家评审中" in error.value.messages[0]


def test_one_proposal_at_a_time_and_a_new_one_after_a_return(ranked):
    call, plans = ranked
    first = services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(*plans[:2]))
    with pytest.raises(ValidationError) as error:
        services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(*plans[:2]))
    assert error.value.messages == ["本批次已有一份初步名单等待领导审批，请等审批后再提出。"]

    services.selection_return(actor=leader(), selection=first, comment="请复核丙市得分。")
    second = services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(*plans[:2]))
    services.selection_approve(actor=leader(), selection=second)
    with pytest.raises(ValidationError) as error:
        services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(*plans[:2]))
    assert error.value.messages == ["本批次的初步名单已经领导批准，请发布公示。"]


def test_only_the_officer_proposes(ranked):
    call, plans = ranked
    for role in (Role.DEPARTMENT_LEADER, Role.AUDITOR, Role.APPLICANT):
        with pytest.raises(PermissionDenied):
            services.selection_propose(actor=make_user(role), call=call, selected_plan_ids=ids(*plans[:2]))


# --- the leader's decision --------------------------------------------------------------------------------


def test_only_a_leader_approves_or_returns(ranked):
    call, plans = ranked
    selection = services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(*plans[:2]))
    with pytest.raises(PermissionDenied):
        services.selection_approve(actor=officer(), selection=selection)
    with pytest.raises(PermissionDenied):
        services.selection_return(actor=officer(), selection=selection, comment="不同意")
    selection.refresh_from_db()
    assert selection.status == Selection.Status.PROPOSED

    boss = leader()
    services.selection_approve(actor=boss, selection=selection, comment="同意。")
    selection.refresh_from_db()
    assert (selection.status, selection.decided_by, selection.leader_comment) == ("approved", boss, "同意。")
    with pytest.raises(ValidationError) as error:  # decided once
        services.selection_return(actor=leader(), selection=selection, comment="再议")
    assert "已批准" in error.value.messages[0]


def test_a_return_needs_a_comment(ranked):
    call, plans = ranked
    selection = services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(*plans[:2]))
    with pytest.raises(ValidationError) as error:
        services.selection_return(actor=leader(), selection=selection, comment=" ")
    assert error.value.messages == ["退回时请写明意见。"]
    services.selection_return(actor=leader(), selection=selection, comment="请补充理由。")
    selection.refresh_from_db()
    assert (selection.status, selection.leader_comment) == ("returned", "请补充理由。")


def test_the_decision_page_is_the_leaders_only(ranked):
    call, plans = ranked
    selection = services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(*plans[:2]))
    url = reverse("pilots:selection_decide", kwargs={"pk": selection.pk})
    client = Client()
    for role in (Role.DEPARTMENT_OFFICER, Role.AUDITOR, Role.FINANCE_DEPARTMENT, Role.APPLICANT):
        client.force_login(make_user(role))
        assert client.get(url).status_code == 404
        assert client.post(url, {"decision": "approve"}).status_code == 404
    selection.refresh_from_db()
    assert selection.status == Selection.Status.PROPOSED

    client.force_login(leader())
    page = client.get(url)
    assert page.status_code == 200
    assert "甲市" in page.content.decode()
    answer = client.post(url, {"decision": "return", "comment": ""})
    assert "退回时请写明意见。" in answer.content.decode()
    answer = client.post(url, {"decision": "approve", "comment": "同意"})
    assert answer.status_code == 302
    selection.refresh_from_db()
    assert selection.status == Selection.Status.APPROVED


# --- the pages --------------------------------------------------------------------------------------------


def test_the_selection_page_checks_the_top_n_and_proposes_what_is_ticked(ranked):
    call, (a, b, c, _d) = ranked
    url = reverse("pilots:selection", kwargs={"call_pk": call.pk})
    client = Client()
    client.force_login(officer())
    page = client.get(url).content.decode()
    for plan in (a, b):
        assert f'value="{plan.pk}" checked' in page
    assert f'value="{c.pk}" checked' not in page
    assert "提交领导审批" in page

    answer = client.post(url, {"plans": [a.pk, c.pk], "deviation_reason": ""})
    assert "请写明理由" in answer.content.decode()
    assert not Selection.objects.exists()
    answer = client.post(url, {"plans": [a.pk, c.pk], "deviation_reason": "乙盟已入选国家试点。"})
    assert answer.status_code == 302
    assert {e.plan_id for e in Selection.objects.get().entries.filter(selected=True)} == {a.pk, c.pk}


def test_the_selection_page_is_read_only_for_the_auditor_and_closed_to_others(ranked):
    call, plans = ranked
    url = reverse("pilots:selection", kwargs={"call_pk": call.pk})
    client = Client()
    client.force_login(make_user(Role.AUDITOR))
    page = client.get(url)
    assert page.status_code == 200
    assert "提交领导审批" not in page.content.decode()
    assert client.post(url, {"plans": ids(*plans[:2])}).status_code == 404
    for role in (Role.APPLICANT, Role.FINANCE_DEPARTMENT):
        client.force_login(make_user(role))
        assert client.get(url).status_code == 404


# --- publishing -------------------------------------------------------------------------------------------


def test_publishing_makes_the_notice_shortlists_the_plans_and_puts_the_call_in_notice(ranked):
    call, (a, b, c, d) = ranked
    selection = propose_and_approve(call, [a, b, c, d])
    notice = services.selection_publish(actor=officer(), selection=selection)

    assert notice.title == "2024年自治区制造业数字化转型试点拟入选盟市名单公示"
    assert notice.working_days == call.notice_working_days
    assert notice.subject == call
    assert [(e.label, e.title, e.detail, e.subject) for e in notice.entries.order_by("position")] == [
        ("甲市", a.title, "专家评审平均分：91.50", a),
        ("乙盟", b.title, "专家评审平均分：85.25", b),
    ]
    assert [status(p) for p in (a, b, c, d)] == ["shortlisted", "shortlisted", "in_review", "in_review"]
    call.refresh_from_db()
    assert call.status == PilotCall.Status.IN_NOTICE
    assert AuditEvent.objects.filter(action="plan.shortlist", target_id__in=[str(a.pk), str(b.pk)]).count() == 2


def test_a_list_is_published_only_once_approved_and_only_by_the_officer(ranked):
    call, plans = ranked
    selection = services.selection_propose(actor=officer(), call=call, selected_plan_ids=ids(*plans[:2]))
    with pytest.raises(ValidationError) as error:
        services.selection_publish(actor=officer(), selection=selection)
    assert error.value.messages == ["初步名单经领导批准后才能发布公示。"]
    services.selection_approve(actor=leader(), selection=selection)
    with pytest.raises(PermissionDenied):
        services.selection_publish(actor=leader(), selection=selection)
    services.selection_publish(actor=officer(), selection=selection)
    with pytest.raises(ValidationError):  # twice
        services.selection_publish(actor=officer(), selection=selection)
    assert PublicNotice.objects.count() == 1


# --- making the list final --------------------------------------------------------------------------------


def test_the_list_cannot_be_final_while_the_notice_runs(ranked):
    call, plans = ranked
    services.selection_publish(actor=officer(), selection=propose_and_approve(call, plans))
    with pytest.raises(ValidationError) as error:
        services.selection_finalise(actor=officer(), call=call)
    assert error.value.messages[0].startswith("公示期尚未结束")
    call.refresh_from_db()
    assert call.status == PilotCall.Status.IN_NOTICE

    client = Client()
    client.force_login(officer())
    page = client.get(reverse("pilots:selection", kwargs={"call_pk": call.pk})).content.decode()
    assert "暂不能确定名单" in page and "公示期尚未结束" in page


def test_finalising_selects_the_listed_plans_and_not_the_withdrawn_or_unlisted_ones(
    ranked, django_capture_on_commit_callbacks
):
    call, (a, b, c, d) = ranked
    notice = services.selection_publish(actor=officer(), selection=propose_and_approve(call, [a, b]))
    end_notice(notice)
    NoticeEntry.objects.filter(notice=notice, subject_id=b.pk).update(
        withdrawn=True, withdrawn_reason="申报材料中企业数量与实际不符。"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.selection_finalise(actor=officer(), call=call)

    assert [status(p) for p in (a, b, c, d)] == ["selected", "not_selected", "not_selected", "not_selected"]
    call.refresh_from_db()
    notice.refresh_from_db()
    assert (call.status, notice.status) == (PilotCall.Status.FINAL, PublicNotice.Status.FINAL)
    reasons = {
        int(event.target_id): event.changes["reasons"] for event in AuditEvent.objects.filter(action="plan.not_select")
    }
    assert reasons == {
        b.pk: "异议成立：申报材料中企业数量与实际不符。",
        c.pk: "未入选初步名单",
        d.pk: "未入选初步名单",
    }
    assert AuditEvent.objects.filter(action="plan.select", target_id=str(a.pk)).count() == 1

    # each bureau hears of its result, in Chinese
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert len(mail.outbox) == 4
    assert "已确定为2024年自治区制造业数字化转型试点" in by_recipient[applicant_of(a).email].body
    assert "原因：异议成立：申报材料中企业数量与实际不符。" in by_recipient[applicant_of(b).email].body
    assert "原因：未入选初步名单" in by_recipient[applicant_of(c).email].body


def test_finalising_twice_changes_nothing(ranked):
    call, plans = ranked
    end_notice(services.selection_publish(actor=officer(), selection=propose_and_approve(call, plans)))
    services.selection_finalise(actor=officer(), call=call)
    with pytest.raises(ValidationError):
        services.selection_finalise(actor=officer(), call=call)
    assert AuditEvent.objects.filter(action="plan.select").count() == 2


def test_a_notice_finalised_on_the_notices_pages_makes_the_list_final_through_the_hook(ranked, monkeypatch):
    call, (a, b, c, d) = ranked
    monkeypatch.setitem(notice_services._finalise_hooks, "pilots.pilotcall", apply_final_list)
    notice = end_notice(services.selection_publish(actor=officer(), selection=propose_and_approve(call, [a, b])))
    notice_services.notice_finalise(actor=officer(), notice=notice)
    assert [status(p) for p in (a, b, c, d)] == ["selected", "selected", "not_selected", "not_selected"]
    call.refresh_from_db()
    assert call.status == PilotCall.Status.FINAL


def test_without_the_hook_the_selection_page_completes_a_notice_finalised_elsewhere(ranked):
    call, (a, b, c, d) = ranked
    notice = end_notice(services.selection_publish(actor=officer(), selection=propose_and_approve(call, [a, b])))
    registered = notice_services._finalise_hooks.pop("pilots.pilotcall", None)
    try:
        notice_services.notice_finalise(actor=officer(), notice=notice)
    finally:
        if registered is not None:
            notice_services._finalise_hooks["pilots.pilotcall"] = registered
    assert status(a) == "shortlisted"
    services.selection_finalise(actor=officer(), call=call)
    assert [status(p) for p in (a, b, c, d)] == ["selected", "selected", "not_selected", "not_selected"]


def test_the_officer_finalises_from_the_page(ranked):
    call, plans = ranked
    end_notice(services.selection_publish(actor=officer(), selection=propose_and_approve(call, plans)))
    client = Client()
    client.force_login(officer())
    page = client.get(reverse("pilots:selection", kwargs={"call_pk": call.pk})).content.decode()
    assert 'data-testid="finalise"' in page
    client.force_login(leader())
    assert client.post(reverse("pilots:selection_finalise", kwargs={"call_pk": call.pk})).status_code == 404
    client.force_login(officer())
    answer = client.post(reverse("pilots:selection_finalise", kwargs={"call_pk": call.pk}))
    assert answer.status_code == 302
    call.refresh_from_db()
    assert call.status == PilotCall.Status.FINAL


# --- the inbox --------------------------------------------------------------------------------------------


def test_the_inbox_offers_each_step_to_its_role(ranked, django_assert_max_num_queries):
    call, plans = ranked
    the_officer, the_leader = officer(), leader()
    assert [item.title for item in inbox_items(the_officer)] == ["拟定初步名单"]
    assert inbox_items(the_leader) == []

    selection = services.selection_propose(actor=the_officer, call=call, selected_plan_ids=ids(*plans[:2]))
    assert inbox_items(the_officer) == []
    (item,) = inbox_items(the_leader)
    assert (item.title, item.url) == ("审批初步名单", reverse("pilots:selection_decide", kwargs={"pk": selection.pk}))

    services.selection_approve(actor=the_leader, selection=selection)
    assert inbox_items(the_leader) == []
    (item,) = inbox_items(the_officer)
    assert (item.title, item.url) == ("发布初步名单公示", reverse("pilots:selection", kwargs={"call_pk": call.pk}))

    services.selection_publish(actor=the_officer, selection=selection)
    assert inbox_items(the_officer) == []
    assert inbox_items(make_user(Role.APPLICANT)) == []
    for user in (the_officer, the_leader):  # one query per kind of item (lists; plan changes), whatever their number
        with django_assert_max_num_queries(3):
            inbox_items(user)

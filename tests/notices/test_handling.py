"""Handling objections inside the portal: the officer investigates and proposes, the leader confirms or
sends back; an upheld objection withdraws its entry. Only the Department and the auditor see objectors."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from notices import services
from notices.models import Objection

from .factories import ObjectionFactory, PublicNoticeFactory

pytestmark = pytest.mark.django_db


def url(name: str, objection) -> str:
    return reverse(f"notices:{name}", kwargs={"pk": objection.pk})


def propose(client, objection, *, decision="dismiss", investigation="经调取统计数据核实。", reason="理由不成立。"):
    return client.post(
        url("objection_propose", objection),
        {"decision": decision, "investigation": investigation, "reason": reason},
    )


def test_internal_urls_live_under_manage():
    assert reverse("notices:objection_detail", kwargs={"pk": 3}) == "/notices/manage/objections/3/"
    assert reverse("notices:holiday_list") == "/notices/manage/holidays/"


def test_officer_proposes_dismissal_and_the_leader_confirms(client, officer, leader):
    objection = ObjectionFactory()
    client.force_login(officer)
    assert propose(client, objection).status_code == 302
    objection.refresh_from_db()
    assert objection.status == Objection.Status.PROPOSED_DISMISS
    assert (objection.investigation, objection.decision_reason, objection.decided_by) == (
        "经调取统计数据核实。",
        "理由不成立。",
        officer,
    )

    client.force_login(leader)
    response = client.post(url("objection_confirm", objection), {"confirm-comment": "同意。"})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == Objection.Status.DISMISSED
    assert (objection.confirmed_by, objection.leader_comment) == (leader, "同意。")
    assert not objection.entry.withdrawn
    actions = list(
        AuditEvent.objects.filter(target_type="notices.objection", target_id=str(objection.pk))
        .order_by("created_at")
        .values_list("action", "actor")
    )
    assert actions == [("objection.propose", officer.pk), ("objection.confirm", leader.pk)]


def test_an_officer_cannot_confirm(client, officer):
    objection = ObjectionFactory(proposed_dismiss=True)
    client.force_login(officer)
    assert client.post(url("objection_confirm", objection), {}).status_code == 404
    assert client.post(url("objection_return", objection), {"return-comment": "x"}).status_code == 404
    objection.refresh_from_db()
    assert objection.status == Objection.Status.PROPOSED_DISMISS


def test_a_leader_cannot_investigate(client, leader):
    objection = ObjectionFactory()
    client.force_login(leader)
    assert propose(client, objection).status_code == 404
    assert Objection.objects.get().status == Objection.Status.OPEN


def test_the_auditor_reads_but_cannot_act(client, auditor):
    objection = ObjectionFactory(proposed_uphold=True)
    client.force_login(auditor)
    page = client.get(url("objection_detail", objection))
    assert page.status_code == 200
    assert objection.name in page.content.decode()
    assert client.post(url("objection_confirm", objection), {}).status_code == 404
    assert propose(client, objection).status_code == 404


def test_no_one_confirms_their_own_proposal(client, officer, leader):
    leader.groups.add(Group.objects.get(name=Role.DEPARTMENT_OFFICER))
    objection = ObjectionFactory()
    client.force_login(leader)
    assert propose(client, objection).status_code == 302
    assert client.post(url("objection_confirm", objection), {}).status_code == 404


def test_an_upheld_objection_withdraws_the_entry(client, officer, leader):
    objection = ObjectionFactory()
    client.force_login(officer)
    propose(client, objection, decision="uphold", reason="申报企业数量不实，撤销该盟市入选资格。")
    client.force_login(leader)
    client.post(url("objection_confirm", objection), {})
    objection.refresh_from_db()
    entry = objection.entry
    entry.refresh_from_db()
    assert objection.status == Objection.Status.UPHELD
    assert (entry.withdrawn, entry.withdrawn_reason) == (True, "申报企业数量不实，撤销该盟市入选资格。")
    assert AuditEvent.objects.filter(action="notice_entry.withdraw", target_id=str(entry.pk)).count() == 1
    # The public page shows the withdrawal and its reason.
    html = client.get(reverse("public_notices:notice_detail", kwargs={"pk": objection.notice_id})).content.decode()
    assert "已撤销" in html
    assert "申报企业数量不实，撤销该盟市入选资格。" in html


def test_the_leader_sends_a_proposal_back_with_a_comment(client, leader):
    objection = ObjectionFactory(proposed_uphold=True)
    client.force_login(leader)
    response = client.post(url("objection_return", objection), {"return-comment": ""})
    assert response.status_code == 200
    assert "这个字段是必填项。" in response.content.decode()
    assert (
        client.post(url("objection_return", objection), {"return-comment": "请补充调查企业名单。"}).status_code == 302
    )
    objection.refresh_from_db()
    assert (objection.status, objection.leader_comment, objection.decided_by) == (
        Objection.Status.OPEN,
        "请补充调查企业名单。",
        None,
    )
    assert objection.investigation  # kept for the officer to complete
    assert AuditEvent.objects.filter(action="objection.return", target_id=str(objection.pk)).exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"decision": "uphold", "investigation": "", "reason": "x"}, "这个字段是必填项。"),
        ({"decision": "maybe", "investigation": "x", "reason": "x"}, "选择一个有效的选项"),
    ],
)
def test_a_bad_proposal_is_refused_with_its_message(client, officer, body, message):
    objection = ObjectionFactory()
    client.force_login(officer)
    response = client.post(url("objection_propose", objection), body)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Objection.objects.get().status == Objection.Status.OPEN


def test_services_refuse_a_step_out_of_order(officer, leader):
    objection = ObjectionFactory()
    with pytest.raises(ValidationError) as caught:
        services.objection_confirm(actor=leader, objection=objection)
    assert caught.value.messages == ["该异议没有待确认的处理意见。"]
    services.objection_propose(actor=officer, objection=objection, uphold=False, investigation="a", reason="b")
    with pytest.raises(ValidationError) as caught:
        services.objection_propose(actor=officer, objection=objection, uphold=True, investigation="a", reason="b")
    assert caught.value.messages == ["该异议当前不是待调查状态，不能提出处理意见。"]


@pytest.mark.parametrize("role", [Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.AUDITOR])
def test_the_department_and_the_auditor_see_the_objector(client, make_user, role):
    objection = ObjectionFactory(name="李四", contact="lisi@example.com")
    client.force_login(make_user(role))
    for page in (
        url("objection_detail", objection),
        reverse("notices:notice_manage", kwargs={"pk": objection.notice_id}),
    ):
        response = client.get(page)
        assert response.status_code == 200
        assert "李四" in response.content.decode()
    assert "lisi@example.com" in client.get(url("objection_detail", objection)).content.decode()


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.FINANCE_DEPARTMENT, Role.EXPERT, Role.ENTERPRISE])
def test_no_one_else_sees_the_objector(client, make_user, role):
    objection = ObjectionFactory(name="李四", contact="lisi@example.com")
    client.force_login(make_user(role))
    for page in (
        url("objection_detail", objection),
        reverse("notices:notice_manage", kwargs={"pk": objection.notice_id}),
        reverse("notices:notice_list"),
    ):
        response = client.get(page)
        assert response.status_code in (403, 404)
        assert "李四" not in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_login(client):
    objection = ObjectionFactory()
    response = client.get(url("objection_detail", objection))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_notice_page_lists_its_objections(client, officer):
    notice = PublicNoticeFactory()
    first = ObjectionFactory(notice=notice)
    second = ObjectionFactory(notice=notice, proposed_dismiss=True)
    client.force_login(officer)
    html = client.get(reverse("notices:notice_manage", kwargs={"pk": notice.pk})).content.decode()
    assert first.reference in html
    assert second.reference in html
    assert "拟认定不成立，待领导确认" in html

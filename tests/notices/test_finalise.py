"""Finalising a notice: only once the period is over and every objection is decided."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Organisation
from audit.models import AuditEvent
from notices import services
from notices.calendar import today_in_china
from notices.models import PublicNotice
from notices.services import chinese_date, notice_can_finalise, notice_finalise, register_finalise_hook

from .factories import ObjectionFactory, PublicNoticeFactory

pytestmark = pytest.mark.django_db


def test_finalise_is_refused_while_the_period_runs(officer):
    notice = PublicNoticeFactory()
    allowed, reasons = notice_can_finalise(notice)
    assert not allowed
    assert reasons == [f"公示期尚未结束（截止{chinese_date(notice.ends_on)}）。"]
    with pytest.raises(ValidationError) as caught:
        notice_finalise(actor=officer, notice=notice)
    assert caught.value.messages == reasons
    notice.refresh_from_db()
    assert notice.status == PublicNotice.Status.PUBLISHED


def test_finalise_is_refused_while_an_objection_is_open(officer, leader):
    notice = PublicNoticeFactory(ended=True)
    objection = ObjectionFactory(notice=notice)
    ObjectionFactory(notice=notice, proposed_dismiss=True)
    assert notice_can_finalise(notice) == (False, ["尚有2条异议未处理完毕。"])
    services.objection_propose(actor=officer, objection=objection, uphold=True, investigation="核实", reason="不实")
    services.objection_confirm(actor=leader, objection=objection)
    assert notice_can_finalise(notice) == (False, ["尚有1条异议未处理完毕。"])


def test_both_reasons_at_once():
    notice = PublicNoticeFactory()
    ObjectionFactory(notice=notice)
    allowed, reasons = notice_can_finalise(notice)
    assert not allowed
    assert len(reasons) == 2


def test_the_day_after_the_end_is_enough(officer):
    notice = PublicNoticeFactory()
    assert notice_can_finalise(notice, today=notice.ends_on) == (
        False,
        [f"公示期尚未结束（截止{chinese_date(notice.ends_on)}）。"],
    )
    assert notice_can_finalise(notice, today=notice.ends_on + timedelta(days=1)) == (True, [])


def test_finalise_after_the_period_with_every_objection_decided(officer, leader):
    notice = PublicNoticeFactory(ended=True)
    objection = ObjectionFactory(notice=notice, proposed_uphold=True)
    services.objection_confirm(actor=leader, objection=objection)
    assert notice_can_finalise(notice) == (True, [])
    notice = notice_finalise(actor=officer, notice=notice)
    assert notice.status == PublicNotice.Status.FINAL
    assert notice.finalised_by == officer
    assert notice.finalised_at is not None
    event = AuditEvent.objects.get(action="notice.finalise", target_id=str(notice.pk))
    assert event.changes["withdrawn"] == [objection.entry.label]
    # What the subject's app reads: every entry, withdrawn or not.
    assert [entry.withdrawn for entry in notice.entries.all()] == [True, False, False]
    assert notice_can_finalise(notice) == (False, ["公示结果已确定。"])


def test_a_finalised_notice_takes_no_more_objections(client, objection_data):
    notice = PublicNoticeFactory(final=True)
    response = client.post(reverse("public_notices:notice_detail", kwargs={"pk": notice.pk}), objection_data(notice))
    assert "逾期提出的异议不予受理" in response.content.decode()


def test_the_subject_app_hook_runs_inside_finalise(officer, monkeypatch):
    calls = []
    monkeypatch.setattr(services, "_finalise_hooks", {})
    register_finalise_hook("accounts.Organisation", lambda *, actor, notice: calls.append((actor, notice.status)))
    notice = PublicNoticeFactory(ended=True)
    assert isinstance(notice.subject, Organisation)
    notice_finalise(actor=officer, notice=notice)
    assert calls == [(officer, PublicNotice.Status.FINAL)]


def test_the_officer_finalises_from_the_notice_page(client, officer):
    notice = PublicNoticeFactory(ended=True)
    ObjectionFactory(notice=notice)
    client.force_login(officer)
    page = reverse("notices:notice_manage", kwargs={"pk": notice.pk})
    assert "尚有1条异议未处理完毕。" in client.get(page).content.decode()
    response = client.post(reverse("notices:notice_finalise", kwargs={"pk": notice.pk}), follow=True)
    assert "尚有1条异议未处理完毕。" in response.content.decode()
    notice.objections.update(status="dismissed")
    client.post(reverse("notices:notice_finalise", kwargs={"pk": notice.pk}))
    notice.refresh_from_db()
    assert notice.status == PublicNotice.Status.FINAL


def test_only_the_officer_may_finalise(client, leader):
    notice = PublicNoticeFactory(ended=True)
    client.force_login(leader)
    assert client.post(reverse("notices:notice_finalise", kwargs={"pk": notice.pk})).status_code == 404
    notice.refresh_from_db()
    assert notice.status == PublicNotice.Status.PUBLISHED
    assert notice.ends_on < today_in_china()

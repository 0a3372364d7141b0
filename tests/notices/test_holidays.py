"""The Department's corrections of the holiday calendar: listed for the readers, kept by the officer."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from notices.calendar import is_working_day
from notices.models import HolidayOverride

pytestmark = pytest.mark.django_db


def test_the_officer_adds_and_deletes_an_override(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("notices:holiday_list"), {"date": "2024-11-16", "is_working_day": "1", "note": "补班"}
    )
    assert response.status_code == 302
    override = HolidayOverride.objects.get()
    assert (override.date, override.is_working_day, override.note) == (date(2024, 11, 16), True, "补班")
    assert is_working_day(date(2024, 11, 16))
    assert AuditEvent.objects.filter(action="holiday_override.create", actor=officer).count() == 1
    assert "补班" in client.get(reverse("notices:holiday_list")).content.decode()

    assert client.post(reverse("notices:holiday_delete", kwargs={"pk": override.pk})).status_code == 302
    assert not HolidayOverride.objects.exists()
    assert not is_working_day(date(2024, 11, 16))
    event = AuditEvent.objects.get(action="holiday_override.delete")
    assert event.changes["date"] == "2024-11-16"


def test_a_second_override_for_a_day_is_refused(client, officer):
    HolidayOverride.objects.create(date=date(2024, 11, 18), is_working_day=False)
    client.force_login(officer)
    response = client.post(reverse("notices:holiday_list"), {"date": "2024-11-18", "is_working_day": "1"})
    assert response.status_code == 200
    assert "该日期已有调整记录，如需修改请先删除原记录。" in response.content.decode()
    assert HolidayOverride.objects.count() == 1


def test_the_leader_and_the_auditor_read_but_do_not_change(client, leader, auditor):
    override = HolidayOverride.objects.create(date=date(2024, 11, 18), is_working_day=False, note="调休")
    for user in (leader, auditor):
        client.force_login(user)
        page = client.get(reverse("notices:holiday_list"))
        assert page.status_code == 200
        assert "调休" in page.content.decode()
        assert 'name="date"' not in page.content.decode()
        assert (
            client.post(reverse("notices:holiday_list"), {"date": "2024-11-19", "is_working_day": "0"}).status_code
            == 404
        )
        assert client.post(reverse("notices:holiday_delete", kwargs={"pk": override.pk})).status_code == 404
    assert HolidayOverride.objects.count() == 1

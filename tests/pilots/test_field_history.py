"""The auditor's view of every earlier state of a plan's fields (django-simple-history)."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from pilots import services
from tests.factories import make_user
from tests.pilots.factories import PilotPlanFactory, applicant_of

pytestmark = pytest.mark.django_db


def test_the_auditor_sees_each_changed_field_with_its_old_and_new_value(client):
    plan = PilotPlanFactory()
    bureau = applicant_of(plan)
    services.plan_update_sections(actor=bureau, plan=plan, safeguards="第一稿保障措施")
    services.plan_update_sections(actor=bureau, plan=plan, safeguards="第二稿保障措施")
    client.force_login(make_user(Role.AUDITOR))
    response = client.get(reverse("pilots:field_history", args=[plan.pk]))
    assert response.status_code == 200
    rows = [change for version in response.context["versions"] for change in version["changes"]]
    assert ("safeguards", "第一稿保障措施", "第二稿保障措施") in rows
    assert "第二稿保障措施" in response.content.decode()


def test_the_field_history_is_not_for_the_bureau(client):
    plan = PilotPlanFactory()
    client.force_login(applicant_of(plan))
    assert client.get(reverse("pilots:field_history", args=[plan.pk])).status_code == 404

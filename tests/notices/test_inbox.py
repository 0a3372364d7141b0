"""notices.selectors.inbox_items: what waits for the officer and the leader, in a fixed number of queries."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.permissions import roles_of
from accounts.roles import Role
from notices.selectors import inbox_items

from .factories import ObjectionFactory, PublicNoticeFactory

pytestmark = pytest.mark.django_db


def test_the_officer_sees_open_objections_and_notices_to_finalise(officer):
    open_objection = ObjectionFactory()
    ObjectionFactory(proposed_dismiss=True)
    to_finalise = PublicNoticeFactory(ended=True)
    waiting = PublicNoticeFactory(ended=True)
    ObjectionFactory(notice=waiting)  # an open objection: not yet finalisable
    PublicNoticeFactory(final=True)
    items = inbox_items(officer)
    urls = {item.url for item in items}
    assert reverse("notices:objection_detail", kwargs={"pk": open_objection.pk}) in urls
    assert reverse("notices:notice_manage", kwargs={"pk": to_finalise.pk}) in urls
    assert reverse("notices:notice_manage", kwargs={"pk": waiting.pk}) not in urls
    assert len(items) == 3  # two open objections (one on the waiting notice) and one notice
    finalise = next(item for item in items if item.subject == to_finalise.title)
    assert finalise.title == "公示期已结束，确定公示结果"


def test_the_leader_sees_proposals_to_confirm(leader):
    ObjectionFactory()
    proposed = ObjectionFactory(proposed_uphold=True)
    items = inbox_items(leader)
    assert [(item.title, item.url) for item in items] == [
        ("确认异议处理意见", reverse("notices:objection_detail", kwargs={"pk": proposed.pk}))
    ]
    assert proposed.reference in items[0].subject


def test_a_leader_does_not_get_their_own_proposal(leader):
    leader.groups.add(Group.objects.get(name=Role.DEPARTMENT_OFFICER))
    ObjectionFactory(proposed_dismiss=True, decided_by=leader)
    assert [item.title for item in inbox_items(leader)] == []


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.APPLICANT, Role.FINANCE_DEPARTMENT])
def test_other_roles_get_nothing(make_user, role):
    ObjectionFactory()
    ObjectionFactory(proposed_dismiss=True)
    PublicNoticeFactory(ended=True)
    assert inbox_items(make_user(role)) == []


def query_counts(*users) -> list[int]:
    counts = []
    for user in users:
        roles_of(user)  # read once per request in real use; not what is measured here
        with CaptureQueriesContext(connection) as captured:
            inbox_items(user)
        counts.append(len(captured))
    return counts


def test_a_fixed_number_of_queries_whatever_the_rows(officer, leader):
    ObjectionFactory()
    ObjectionFactory(proposed_uphold=True)
    PublicNoticeFactory(ended=True)
    few = query_counts(officer, leader)
    for _ in range(8):
        ObjectionFactory()
        ObjectionFactory(proposed_dismiss=True)
        PublicNoticeFactory(ended=True)
    assert len(inbox_items(officer)) > 10
    assert len(inbox_items(leader)) == 9
    assert query_counts(officer, leader) == few == [2, 1]

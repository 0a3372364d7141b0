"""accounts.permissions: who a user is (roles, organisation), read once and cached on the user object."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from accounts.permissions import has_role, is_auditor, is_province_wide_reader, organisation_of, roles_of
from accounts.roles import PROVINCE_WIDE_READERS, Role

from ..factories import UserFactory, role_group

pytestmark = pytest.mark.django_db


def fresh(user):
    """The same user, re-read: no cached roles or organisation."""
    return get_user_model().objects.get(pk=user.pk)


def test_roles_of_returns_the_group_names(make_user):
    user = make_user(Role.DEPARTMENT_OFFICER)
    user.groups.add(role_group(Role.DEPARTMENT_LEADER))
    assert roles_of(fresh(user)) == frozenset({"department_officer", "department_leader"})


@pytest.mark.parametrize("who", ["none", "anonymous"])
def test_no_roles_without_a_user(who):
    assert roles_of(None if who == "none" else AnonymousUser()) == frozenset()


def test_inactive_user_has_no_roles(make_user):
    user = make_user(Role.AUDITOR)
    user.is_active = False
    assert roles_of(user) == frozenset()
    assert organisation_of(user) is None
    assert not is_province_wide_reader(user)


def test_roles_are_read_once_and_cached(make_user, django_assert_num_queries):
    user = fresh(make_user(Role.APPLICANT))
    with django_assert_num_queries(1):
        roles_of(user)
        roles_of(user)
        has_role(user, Role.APPLICANT)
    # The cache lives on the object: a role granted meanwhile shows on a fresh read only.
    user.groups.add(role_group(Role.AUDITOR))
    assert not is_auditor(user)
    assert is_auditor(fresh(user))


def test_organisation_of_reads_membership_once_with_its_region(make_user, django_assert_num_queries):
    county_user = make_user(Role.COUNTY_BUREAU)
    user = fresh(county_user)
    roles_of(user)
    with django_assert_num_queries(1):
        organisation = organisation_of(user)
        assert organisation_of(user) is organisation
        # region and its parent come with it (select_related), for region-scoped checks
        assert organisation.region.parent.league_city == organisation.region.league_city
    assert organisation.kind == "county_bureau"


def test_a_member_without_role_has_no_organisation(db):
    from accounts.models import Membership

    from ..factories import OrganisationFactory

    user = UserFactory()
    Membership.objects.create(user=user, organisation=OrganisationFactory())
    assert organisation_of(fresh(user)) is None


def test_a_role_without_membership_has_no_organisation(db):
    user = UserFactory()
    user.groups.add(role_group(Role.APPLICANT))
    assert roles_of(fresh(user)) == {"applicant"}
    assert organisation_of(fresh(user)) is None


@pytest.mark.parametrize("role", list(Role))
def test_province_wide_readers_are_exactly_the_department_finance_and_audit(make_user, role):
    expected = role in {Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.FINANCE_DEPARTMENT, Role.AUDITOR}
    assert (role in PROVINCE_WIDE_READERS) is expected
    assert is_province_wide_reader(fresh(make_user(role))) is expected


def test_is_auditor_both_ways(make_user):
    assert is_auditor(make_user(Role.AUDITOR))
    assert not is_auditor(make_user(Role.DEPARTMENT_LEADER))
    assert not is_auditor(AnonymousUser())

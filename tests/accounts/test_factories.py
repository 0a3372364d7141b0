import pytest

from accounts.models import Organisation
from accounts.permissions import organisation_of, roles_of
from accounts.roles import Role
from accounts.validators import validate_uscc

EXPECTED_KIND = {
    Role.APPLICANT: Organisation.Kind.INDUSTRY_BUREAU,
    Role.COSIGNER: Organisation.Kind.FINANCE_BUREAU,
    Role.AGENCY_COORDINATOR: Organisation.Kind.REVIEW_AGENCY,
    Role.EXPERT: Organisation.Kind.REVIEW_AGENCY,
    Role.DEPARTMENT_OFFICER: Organisation.Kind.DEPARTMENT,
    Role.DEPARTMENT_LEADER: Organisation.Kind.DEPARTMENT,
    Role.FINANCE_DEPARTMENT: Organisation.Kind.FINANCE_DEPARTMENT,
    Role.AUDITOR: Organisation.Kind.AUDIT_OFFICE,
    Role.ENTERPRISE: Organisation.Kind.ENTERPRISE,
    Role.COUNTY_BUREAU: Organisation.Kind.COUNTY_BUREAU,
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_role_factory_gives_the_role_and_an_organisation_of_its_kind(make_user, role):
    user = make_user(role)
    assert roles_of(user) == {role.value}
    organisation = organisation_of(user)
    assert organisation.kind == EXPECTED_KIND[role]
    if organisation.kind == Organisation.Kind.ENTERPRISE:
        validate_uscc(organisation.uscc)
    organisation.full_clean()
    assert user.check_password("Demo@2024zg")


@pytest.mark.django_db
def test_make_user_puts_users_into_a_given_organisation(make_user):
    first = make_user(Role.APPLICANT)
    colleague = make_user(Role.COSIGNER, organisation=organisation_of(first))
    assert organisation_of(colleague) == organisation_of(first)
    assert first.username != colleague.username

"""documents.permissions: the one check for files, both ways, and the 404 that hides existence."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.roles import Role
from documents import permissions
from documents.permissions import can_view_document, get_document_for_user_or_404

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(store_pdf):
    return store_pdf()


def test_members_of_the_owning_organisation_may_view(document, applicant, make_user):
    colleague = make_user(Role.COSIGNER, organisation=applicant.membership.organisation)
    assert can_view_document(applicant, document)
    assert can_view_document(colleague, document)


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.COSIGNER, Role.ENTERPRISE, Role.EXPERT, Role.COUNTY_BUREAU])
def test_other_organisations_may_not(document, make_user, role):
    assert not can_view_document(make_user(role), document)


@pytest.mark.parametrize(
    "role", [Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.FINANCE_DEPARTMENT, Role.AUDITOR]
)
def test_province_wide_readers_may(document, make_user, role):
    assert can_view_document(make_user(role), document)


def test_nobody_without_a_role(document, applicant):
    assert not can_view_document(AnonymousUser(), document)
    applicant.is_active = False
    assert not can_view_document(applicant, document)


def test_a_registered_owner_check_decides_for_files_of_a_case(store_pdf, applicant, make_user, monkeypatch):
    """A file attached to a case is visible to whoever may see the case, not to the uploader's organisation."""
    case = make_user(Role.ENTERPRISE).membership.organisation  # any model instance stands in for a case
    allowed = make_user(Role.EXPERT)
    calls = []

    def may_see_case(user, owner):
        calls.append((user.pk, owner.pk))
        return user.pk == allowed.pk

    monkeypatch.setattr(permissions, "_owner_checks", {})
    permissions.register_owner_check("accounts.Organisation", may_see_case)
    document = store_pdf(owner=case)
    assert can_view_document(allowed, document)
    assert not can_view_document(applicant, document)  # the uploader's organisation alone is not enough
    auditor = make_user(Role.AUDITOR)
    assert not can_view_document(auditor, document)  # the case's check decides for province-wide readers too
    assert calls == [(allowed.pk, case.pk), (applicant.pk, case.pk), (auditor.pk, case.pk)]


def test_get_document_for_user_or_404(document, applicant, make_user):
    assert get_document_for_user_or_404(applicant, document.pk) == document
    with pytest.raises(Http404):
        get_document_for_user_or_404(make_user(Role.APPLICANT), document.pk)
    with pytest.raises(Http404):
        get_document_for_user_or_404(applicant, document.pk + 1000)

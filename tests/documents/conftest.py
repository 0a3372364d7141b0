import pytest

from accounts.roles import Role
from documents.services import document_store
from documents.validation import PDF

from .files import pdf_bytes, upload


@pytest.fixture
def applicant(make_user):
    return make_user(Role.APPLICANT)


@pytest.fixture
def store_pdf(applicant):
    """``store_pdf(name=…, actor=…, owner=…)``: a stored PDF of the actor's organisation."""

    def store(*, name: str = "盖章方案.pdf", actor=None, owner=None, data: bytes | None = None):
        actor = actor or applicant
        return document_store(
            actor=actor,
            uploaded=upload(name, data or pdf_bytes()),
            organisation=actor.membership.organisation,
            allowed=frozenset({PDF}),
            purpose="stamped_plan",
            owner=owner,
        )

    return store

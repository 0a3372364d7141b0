"""document_store: validates by content, stores privately under a random name, audits the upload."""

import hashlib

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from audit.verify import verify_chains
from documents.models import Document
from documents.services import document_store, document_store_generated
from documents.validation import PDF

from .files import docx_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def test_store_keeps_the_bytes_privately_and_audits(store_pdf, applicant, settings):
    data = pdf_bytes(pages=2)
    document = store_pdf(name="呼和浩特市试点方案（盖章）.pdf", data=data)
    document.refresh_from_db()
    assert document.original_name == "呼和浩特市试点方案（盖章）.pdf"
    assert document.content_type == PDF
    assert document.size == len(data)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.organisation == applicant.membership.organisation
    assert document.uploaded_by == applicant
    # The stored name never contains the user's name: private/<yyyy>/<mm>/<32 hex>.
    stored = document.file.name.split("/")
    assert stored[0] == "private"
    assert len(stored[-1]) == 32
    assert "试点" not in document.file.name
    assert str(document.file.path).startswith(str(settings.MEDIA_ROOT))
    with document.file.open("rb") as handle:
        assert handle.read() == data

    event = AuditEvent.objects.get(action="document.upload")
    assert event.target_type == "documents.document"
    assert event.target_id == str(document.pk)
    assert event.actor == applicant
    assert event.organisation == applicant.membership.organisation
    assert event.changes == {
        "name": document.original_name,
        "sha256": document.sha256,
        "size": len(data),
        "purpose": "stamped_plan",
    }
    assert verify_chains().ok


def test_a_refused_upload_stores_nothing_and_audits_nothing(applicant):
    with pytest.raises(ValidationError) as caught:
        document_store(
            actor=applicant,
            uploaded=upload("方案.pdf", docx_bytes()),
            organisation=applicant.membership.organisation,
            allowed=frozenset({PDF}),
        )
    assert "实际是Word文档" in caught.value.messages[0]
    assert not Document.objects.exists()
    assert not AuditEvent.objects.exists()


def test_generated_files_are_stored_and_audited(applicant):
    document = document_store_generated(
        actor=applicant,
        data=pdf_bytes(),
        name="导出.pdf",
        content_type=PDF,
        organisation=applicant.membership.organisation,
        purpose="plan_pdf",
    )
    assert AuditEvent.objects.get(action="document.upload").target_id == str(document.pk)

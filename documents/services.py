import hashlib

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone

from audit.services import record_event

from .models import Document
from .validation import clean_filename, validate_upload


@transaction.atomic
def document_store(
    *,
    actor,
    uploaded,
    organisation,
    allowed: frozenset[str],
    purpose: str = "",
    owner: models.Model | None = None,
) -> Document:
    """Validate an upload by content and keep it privately. Raises ValidationError with a Chinese message."""
    content_type = validate_upload(uploaded, allowed=allowed)
    uploaded.seek(0)
    data = uploaded.read()
    return _save(
        actor=actor,
        data=data,
        name=clean_filename(uploaded.name),
        content_type=content_type,
        organisation=organisation,
        purpose=purpose,
        owner=owner,
    )


@transaction.atomic
def document_store_generated(
    *, actor, data: bytes, name: str, content_type: str, organisation, purpose: str, owner: models.Model | None = None
) -> Document:
    """Keep a file the system made itself (a rendered PDF, an export)."""
    return _save(
        actor=actor,
        data=data,
        name=name,
        content_type=content_type,
        organisation=organisation,
        purpose=purpose,
        owner=owner,
    )


def _save(*, actor, data, name, content_type, organisation, purpose, owner) -> Document:
    document = Document(
        original_name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        purpose=purpose,
        organisation=organisation,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=timezone.now(),
        owner=owner,
    )
    document.file.save(name, ContentFile(data), save=False)
    document.full_clean()
    document.save()
    record_event(
        actor=actor,
        action="document.upload",
        target=document,
        changes={"name": name, "sha256": document.sha256, "size": document.size, "purpose": purpose},
        organisation=organisation,
    )
    return document

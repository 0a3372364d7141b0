"""The one check for documents. A file attached to a case is visible to whoever may see the case:
the case's app registers that check (``register_owner_check``) in its AppConfig.ready()."""

from collections.abc import Callable

from django.http import Http404

from accounts.permissions import is_province_wide_reader, organisation_of, roles_of

from .models import Document

_owner_checks: dict[str, Callable] = {}


def register_owner_check(model_label: str, check: Callable) -> None:
    _owner_checks[model_label.lower()] = check


def can_view_document(user, document: Document) -> bool:
    """The case's own check decides when there is one (it may be narrower than "province-wide readers
    see everything": an objection's attachment is for the Department and the auditor only)."""
    if not roles_of(user):
        return False
    if document.owner_type_id is not None:
        check = _owner_checks.get(f"{document.owner_type.app_label}.{document.owner_type.model}")
        if check is not None:
            owner = document.owner
            return owner is not None and check(user, owner)
    if is_province_wide_reader(user):
        return True
    organisation = organisation_of(user)
    return organisation is not None and organisation.pk == document.organisation_id


def get_document_for_user_or_404(user, pk) -> Document:
    document = Document.objects.select_related("owner_type").filter(pk=pk).first()
    if document is None or not can_view_document(user, document):
        raise Http404
    return document

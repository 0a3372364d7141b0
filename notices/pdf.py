"""The notice PDF (templates/pdf/notice.html): the notice as published, kept as a Document owned by it."""

from django.db import transaction
from django.utils import timezone

from documents.models import Document
from documents.pdf import render_pdf
from documents.services import document_store_generated
from documents.validation import PDF

from .models import CHINA, PublicNotice

MAX_DOCUMENT_NAME = 200  # Document.original_name


def notice_pdf_context(notice: PublicNotice) -> dict:
    return {
        "notice": notice,
        "paragraphs": _paragraphs(notice.body),
        "how_to_object": _paragraphs(notice.how_to_object),
        "entries": list(notice.entries.order_by("position")),
        "published_on": timezone.localtime(notice.published_at, CHINA).date(),
    }


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def notice_pdf_name(notice: PublicNotice) -> str:
    suffix = ".pdf"
    return notice.title[: MAX_DOCUMENT_NAME - len(suffix)] + suffix


def render_notice_pdf_now(notice_id: int) -> Document:
    """Render the notice's PDF once: the row is locked, and a notice that has its PDF already keeps it.
    The PDF shows the notice as published; later withdrawals show on the public page."""
    with transaction.atomic():
        notice = PublicNotice.objects.select_for_update(of=("self",)).select_related("publisher").get(pk=notice_id)
        if notice.pdf_id:
            return notice.pdf
        document = document_store_generated(
            actor=None,
            data=render_pdf("pdf/notice.html", notice_pdf_context(notice)),
            name=notice_pdf_name(notice),
            content_type=PDF,
            organisation=notice.publisher,
            purpose="notice_pdf",
            owner=notice,
        )
        notice.pdf = document
        notice.save(update_fields=["pdf"])
        return document

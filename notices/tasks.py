from celery import shared_task

from documents.pdf import RENDER_TASK_OPTIONS


@shared_task(**RENDER_TASK_OPTIONS)
def render_notice_pdf(self, notice_id: int) -> int | None:
    """Render a published notice to PDF and keep it (idempotent: a retried task makes one PDF)."""
    from .pdf import render_notice_pdf_now

    document = render_notice_pdf_now(notice_id)
    return document.pk if document else None

from celery import shared_task


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3, acks_late=True)
def render_notice_pdf(self, notice_id: int) -> int | None:
    """Render a published notice to PDF and keep it (idempotent: a retried task makes one PDF)."""
    from .pdf import render_notice_pdf_now

    document = render_notice_pdf_now(notice_id)
    return document.pk if document else None

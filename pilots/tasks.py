from celery import shared_task

from documents.pdf import RENDER_TASK_OPTIONS


@shared_task(**RENDER_TASK_OPTIONS)
def render_version_pdf(self, version_id: int) -> int | None:
    """Render a frozen plan version to PDF and keep it (idempotent: a retried task makes one PDF)."""
    from .pdf import render_version_pdf_now

    document = render_version_pdf_now(version_id)
    return document.pk if document else None


@shared_task
def close_due_calls_task() -> int:
    from .services import close_due_calls

    return len(close_due_calls())


@shared_task(**RENDER_TASK_OPTIONS)
def render_approval_pdf(self, approval_id: int) -> int | None:
    """Render the approval (批复) PDF; idempotent like the version PDF."""
    from .services.approvals import render_approval_pdf_now

    document = render_approval_pdf_now(approval_id)
    return document.pk if document else None

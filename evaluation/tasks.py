from celery import shared_task

from documents.pdf import RENDER_TASK_OPTIONS


@shared_task(**RENDER_TASK_OPTIONS)
def render_ranking_report_pdf(self, report_id: int) -> int | None:
    """Render a submitted ranking report to PDF and keep it (idempotent: a retried task makes one PDF)."""
    from .pdf import render_ranking_report_pdf_now

    document = render_ranking_report_pdf_now(report_id)
    return document.pk if document else None


@shared_task
def send_report_reminders_task() -> int:
    """The daily job of the reports: schedule missing self-assessments, then send the 14- and 3-day
    reminders (each once per report). Returns how many reminders went out."""
    from .services.report_schedule import report_reminders_send, self_assessments_ensure

    self_assessments_ensure()
    return len(report_reminders_send())

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


@shared_task(**RENDER_TASK_OPTIONS)
def render_evaluation_pdf(self, evaluation_id: int, refresh: bool = False) -> int | None:
    """Print a decided evaluation (绩效评价报告) and keep it as its PDF (idempotent per decision)."""
    from .reports_pdf import render_evaluation_pdf_now

    document = render_evaluation_pdf_now(evaluation_id, refresh=refresh)
    return document.pk if document else None

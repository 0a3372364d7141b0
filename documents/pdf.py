"""The one place PDFs are made: WeasyPrint over a Django template from templates/pdf/."""

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.template.loader import render_to_string

# The options of every task that renders a PDF (``@shared_task(**RENDER_TASK_OPTIONS)``). Such a task is
# idempotent (it locks its row and keeps the PDF made first), so it may safely run again: acknowledged only
# when done and put back on the queue if its worker dies mid-render; retried after a file-system error or
# a database connection lost meanwhile (the worker opens a new one before the retry).
RENDER_TASK_OPTIONS = {
    "bind": True,
    "autoretry_for": (OSError, OperationalError, InterfaceError),
    "retry_backoff": True,
    "max_retries": 5,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


def render_pdf(template_name: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported lazily: Pango loads only where PDFs are made

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()

"""The one place PDFs are made: WeasyPrint over a Django template from templates/pdf/."""

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported lazily: Pango loads only where PDFs are made

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()

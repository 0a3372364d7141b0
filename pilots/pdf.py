"""Rendering a plan version's PDF (templates/pdf/plan.html). Placeholder until the template lands."""

from django.db import transaction

from documents.pdf import render_pdf
from documents.services import document_store_generated
from documents.validation import PDF

from .models import PlanVersion


def render_version_pdf_now(version_id: int):
    with transaction.atomic():
        version = PlanVersion.objects.select_for_update().select_related("plan__applicant").get(pk=version_id)
        if version.pdf_id:
            return version.pdf
        data = render_pdf("pdf/plan.html", {"version": version, "plan": version.plan, "snapshot": version.snapshot})
        document = document_store_generated(
            actor=None,
            data=data,
            name=f"{version.plan.title}-第{version.number}版.pdf",
            content_type=PDF,
            organisation=version.plan.applicant,
            purpose="plan_pdf",
            owner=version.plan,
        )
        version.pdf = document
        version.save(update_fields=["pdf"])
        return document

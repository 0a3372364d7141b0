"""The ranking report PDF: the frozen ``RankingReport.content`` printed with templates/pdf/ranking_report.html.
Everything comes from the frozen content, so the PDF says what was submitted however data change later."""

from datetime import datetime

from django.db import transaction

from documents.pdf import render_pdf
from documents.services import document_store_generated
from documents.validation import PDF

from .models import RankingReport
from .scoring import TIE_BREAK_CRITERIA

MAX_DOCUMENT_NAME = 200  # Document.original_name


def chinese_datetime(value: str) -> str:
    moment = datetime.fromisoformat(value)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def report_pdf_context(report: RankingReport) -> dict:
    """The frozen content plus what the tables need: per plan one row per criterion (each expert's
    score and the mean), and the tie-break means for the ranking table."""
    content = report.content
    criteria = content["criteria"]
    tie_keys = [c["key"] for c in criteria if c["key"] in TIE_BREAK_CRITERIA]
    plans = []
    for plan in content["plans"]:
        means = {mean["key"]: mean["mean"] for mean in plan["criterion_means"]}
        note = plan["consensus_note"]
        plans.append(
            {
                **plan,
                "rows": [
                    {
                        "criterion": criterion,
                        "scores": [review["scores"][index]["score"] for review in plan["reviews"]],
                        "mean": means.get(criterion["key"], ""),
                    }
                    for index, criterion in enumerate(criteria)
                ],
                "tie_means": [means.get(key, "") for key in tie_keys],
                "consensus_note": {**note, "written_display": chinese_datetime(note["written_at"])} if note else None,
            }
        )
    return {
        "content": content,
        "call": content["call"],
        "criteria": criteria,
        "tie_columns": [c for c in criteria if c["key"] in TIE_BREAK_CRITERIA],
        "plans": plans,
        "submitted_display": chinese_datetime(content["submitted_at"]),
    }


def report_pdf_name(title: str) -> str:
    suffix = "专家评审排名报告.pdf"
    return f"{title[: MAX_DOCUMENT_NAME - len(suffix) - 1]}·{suffix}"


def render_ranking_report_pdf_now(report_id: int):
    """Render the report's PDF and keep it as a Document owned by the report, in the coordinator's
    organisation (idempotent: the report row is locked; a report with a PDF is returned as it is)."""
    with transaction.atomic():
        report = (
            RankingReport.objects.select_for_update(of=("self",))
            .select_related("call__review__agency")
            .get(pk=report_id)
        )
        if report.pdf_id:
            return report.pdf
        data = render_pdf("pdf/ranking_report.html", report_pdf_context(report))
        document = document_store_generated(
            actor=report.submitted_by,
            data=data,
            name=report_pdf_name(report.content["call"]["title"]),
            content_type=PDF,
            organisation=report.call.review.agency,
            purpose="ranking_report",
            owner=report,
        )
        report.pdf = document
        report.save(update_fields=["pdf"])
        return document

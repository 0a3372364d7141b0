"""The plan PDF: a frozen version (its ``snapshot``, see versions.py) printed with templates/pdf/plan.html.

Everything the template shows is prepared here, from the snapshot alone, so that a version prints the
same however the plan changes later: rowspans of the target table, formatted numbers, fund totals.
"""

from datetime import date
from decimal import Decimal
from operator import itemgetter
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from documents.pdf import render_pdf
from documents.services import document_store_generated
from documents.validation import PDF

from .models import FundLine, Indicator, PlanVersion
from .targets import merged_rows

CHINA = ZoneInfo("Asia/Shanghai")
SOURCE_LABELS = {
    source: str(FundLine._meta.get_field(source).verbose_name).removesuffix("（元）") for source in FundLine.SOURCES
}
MAX_DOCUMENT_NAME = 200  # Document.original_name


def format_money(value) -> str:
    """Yuan with thousands separators and two decimals: 12,345,678.90."""
    return f"{Decimal(value):,.2f}"


def format_indicator_value(value, kind: str) -> str:
    """Counts (家/个) without decimals, percentages with one; an empty cell as a dash."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    return f"{number:.1f}" if kind == Indicator.Kind.PERCENT else f"{number:.0f}"


def chinese_date(value) -> str:
    """A date (or an ISO date string) as 2025年6月30日."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.year}年{value.month}月{value.day}日"


def target_table_rows(targets: list[dict]) -> list[dict]:
    """The snapshot's target rows as printed in 附2: each row a copy of the snapshot row plus
    ``level1_rowspan``/``level2_rowspan`` (the group's size on its first row, 0 on the others, see
    ``targets.merged_rows``) and the three values formatted for display."""
    rows = []
    for merged in merged_rows(targets, level1=itemgetter("level1"), level2=itemgetter("level2")):
        target = merged["item"]
        rows.append(
            {
                **target,
                "level1_rowspan": merged["level1_rowspan"],
                "level2_rowspan": merged["level2_rowspan"],
                "baseline_display": format_indicator_value(target["baseline"], target["kind"]),
                "midterm_target_display": format_indicator_value(target["midterm_target"], target["kind"]),
                "target_display": format_indicator_value(target["target"], target["kind"]),
            }
        )
    return rows


def fund_table(fund_lines: list[dict]) -> dict:
    """The fund plan with each line's amounts and total formatted, and the totals per source and
    overall, summed in Decimal (never floats)."""
    lines = []
    totals = dict.fromkeys(FundLine.SOURCES, Decimal("0.00"))
    for line in fund_lines:
        amounts = {source: Decimal(line[source]) for source in FundLine.SOURCES}
        for source, amount in amounts.items():
            totals[source] += amount
        lines.append(
            {
                "direction_label": line["direction_label"],
                "description": line["description"],
                "amounts": [format_money(amounts[source]) for source in FundLine.SOURCES],
                "total": format_money(line["total"]),
            }
        )
    overall = sum(totals.values(), Decimal("0.00"))
    return {
        "sources": [SOURCE_LABELS[source] for source in FundLine.SOURCES],
        "lines": lines,
        "totals": [format_money(totals[source]) for source in FundLine.SOURCES],
        "total": format_money(overall),
        "total_value": overall,
        "totals_by_source": totals,
    }


def enterprise_table(enterprises: list[dict]) -> dict:
    rows = [
        {
            "number": number,
            "name": enterprise["name"],
            "uscc": enterprise["uscc"],
            "revenue": format_money(enterprise["revenue"]),
            "is_srdi": "是" if enterprise["is_srdi"] else "否",
            "chain": enterprise["chain"],
            "to_retrofit": "是" if enterprise["to_retrofit"] else "否",
        }
        for number, enterprise in enumerate(enterprises, start=1)
    ]
    return {
        "rows": rows,
        "count": len(rows),
        "to_retrofit": sum(1 for e in enterprises if e["to_retrofit"]),
        "srdi": sum(1 for e in enterprises if e["is_srdi"]),
        "revenue_total": format_money(sum((Decimal(e["revenue"]) for e in enterprises), Decimal("0.00"))),
    }


def plan_pdf_context(version: PlanVersion) -> dict:
    """Everything plan.html prints, from the version's snapshot, its number and its date."""
    snapshot = version.snapshot
    created = timezone.localtime(version.created_at, CHINA)
    return {
        "snapshot": snapshot,
        "number": version.number,
        "date": chinese_date(created.date()),
        "datetime": created.strftime("%Y-%m-%d %H:%M"),
        "year": snapshot["call"]["year"],
        "sections": snapshot["sections"],
        "targets": target_table_rows(snapshot["targets"]),
        "tasks": [{**task, "due_display": chinese_date(task["due"])} for task in snapshot["phased_tasks"]],
        "funds": fund_table(snapshot["fund_lines"]),
        "chains": snapshot["chains"],
        "enterprises": enterprise_table(snapshot["enterprises"]),
    }


def version_pdf_name(title: str, number: int) -> str:
    suffix = f"-第{number}版.pdf"
    return title[: MAX_DOCUMENT_NAME - len(suffix)] + suffix


def render_version_pdf_now(version_id: int):
    """Render a version's PDF and keep it as a Document (idempotent: the version row is locked, and a
    version that has its PDF already is returned as it is)."""
    with transaction.atomic():
        version = PlanVersion.objects.select_for_update().select_related("plan__applicant").get(pk=version_id)
        if version.pdf_id:
            return version.pdf
        data = render_pdf("pdf/plan.html", plan_pdf_context(version))
        document = document_store_generated(
            actor=None,
            data=data,
            name=version_pdf_name(version.snapshot["title"], version.number),
            content_type=PDF,
            organisation=version.plan.applicant,
            purpose="plan_pdf",
            owner=version.plan,
        )
        version.pdf = document
        version.save(update_fields=["pdf"])
        return document

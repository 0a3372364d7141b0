"""Pages of the reports of approved pilots. Thin: check (permissions_reports.py) → read
(selectors/reports.py) → validate (forms_reports.py) → one service call → redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import is_province_wide_reader
from pilots.models import FundLine
from pilots.templatetags.pilot_format import target_value

from .forms_reports import ReportEvidenceForm, ReportReturnForm
from .models import Report
from .permissions_reports import (
    can_decide_report,
    can_edit_report,
    can_review_self_assessments,
    get_report_for_user_or_404,
)
from .selectors import reports as selectors
from .services.reports import (
    actual_field,
    fund_field,
    report_accept,
    report_add_evidence,
    report_remove_evidence,
    report_return,
    report_save,
    report_submit,
)

CELL_LENGTH = 30


def _choice(value: str | None, choices) -> str | None:
    return value if value in dict(choices) else None


@login_required
def report_list(request):
    """The reports the user may see: a bureau its own league/city's, the Department and the auditor all."""
    status = _choice(request.GET.get("status"), Report.Status.choices)
    kind = _choice(request.GET.get("kind"), Report.Kind.choices)
    page = Paginator(selectors.report_list(request.user, status=status, kind=kind), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "evaluation/reports/report_list.html",
        {
            "page": page,
            "status": status,
            "kind": kind,
            "statuses": Report.Status.choices,
            "kinds": Report.Kind.choices,
            "province_wide": is_province_wide_reader(request.user),
        },
    )


@login_required
def report_queue(request):
    """The Department officer's submitted self-assessments, to accept or return."""
    if not can_review_self_assessments(request.user):
        raise Http404
    page = Paginator(selectors.review_queue(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "evaluation/reports/report_queue.html", {"page": page})


def _page_context(request, report: Report) -> dict:
    version = selectors.report_version(report)
    fund_rows = selectors.fund_rows(report, version)
    return {
        "report": report,
        "plan": report.plan,
        "version": version,
        "rows": selectors.report_rows(report, version),
        "compared": selectors.compared_field(report),
        "fund_rows": fund_rows,
        "fund_totals": selectors.fund_row_totals(fund_rows),
        "evidence": report.evidence_list,
        "can_edit": can_edit_report(request.user, report),
        "can_decide": can_decide_report(request.user, report),
    }


@login_required
def report_detail(request, pk: int):
    report = selectors.report_detail(request.user, pk)
    context = _page_context(request, report)
    if context["can_edit"]:
        context["problems"] = selectors.submit_problems(report, context["version"])
    return render(request, "evaluation/reports/report_detail.html", context)


def _editable_report(request, pk: int) -> Report:
    report = selectors.report_detail(request.user, pk)
    if not can_edit_report(request.user, report):
        raise Http404
    return report


def _typed(request, report: Report, context: dict) -> tuple[dict[int, str], dict[str, dict[str, str]]]:
    actuals = {
        row["item"]["indicator_id"]: request.POST.get(actual_field(row["item"]["indicator_id"]), "").strip()[
            :CELL_LENGTH
        ]
        for row in context["rows"]
    }
    spending = {
        row["direction"]: {
            source: request.POST.get(fund_field(row["direction"], source), "").strip()[:CELL_LENGTH]
            for source in FundLine.SOURCES
        }
        for row in context["fund_rows"]
    }
    return actuals, spending


def _form_cells(context: dict, typed_actuals: dict, typed_spending: dict, problems: dict) -> None:
    """Each row of the page gets its input: what was typed (after a failed save) or what is saved."""
    for row in context["rows"]:
        item = row["item"]
        key = actual_field(item["indicator_id"])
        saved = "" if item["actual"] is None else target_value(item["actual"], item["kind"])
        row["cell"] = {
            "name": key,
            "value": typed_actuals.get(item["indicator_id"], saved),
            "error": problems.get(key, ""),
        }
    for row in context["fund_rows"]:
        typed = typed_spending.get(row["direction"], {})
        row["cells"] = [
            {
                "name": fund_field(row["direction"], source),
                "source": source,
                "value": typed.get(source, f"{row['spent'][source]:.2f}"),
                "planned": row["planned"][source],
                "error": problems.get(fund_field(row["direction"], source), ""),
            }
            for source in FundLine.SOURCES
        ]


@login_required
def report_edit(request, pk: int):
    report = _editable_report(request, pk)
    context = _page_context(request, report)
    typed_actuals, typed_spending, problems = {}, {}, {}
    narrative = report.narrative
    if request.method == "POST":
        typed_actuals, typed_spending = _typed(request, report, context)
        narrative = request.POST.get("narrative", "")
        try:
            report_save(
                actor=request.user,
                report=report,
                actuals=typed_actuals,
                narrative=narrative,
                fund_spending=typed_spending,
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                for message in error.messages:
                    messages.error(request, message)
                return redirect("evaluation:report_detail", pk=report.pk)
            problems = {key: errors[0] for key, errors in error.message_dict.items()}
            messages.warning(
                request,
                _("已保存可识别的数值；有%(count)d处需要修改，见标红的单元格。") % {"count": len(problems)},
            )
            report = _editable_report(request, pk)
            context = _page_context(request, report)
        else:
            messages.success(request, _("已保存。完成率按保存的实际值计算，见下表。"))
            return redirect("evaluation:report_edit", pk=report.pk)
    _form_cells(context, typed_actuals, typed_spending, problems)
    context.update(
        {
            "narrative": narrative,
            "error_count": len(problems),
            "evidence_form": ReportEvidenceForm(),
            "sources": [(source, FundLine._meta.get_field(source).verbose_name) for source in FundLine.SOURCES],
        }
    )
    return render(request, "evaluation/reports/report_form.html", context)


@login_required
@require_POST
def report_evidence_add(request, pk: int):
    report = _editable_report(request, pk)
    form = ReportEvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            report_add_evidence(actor=request.user, report=report, uploaded=form.cleaned_data["file"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("佐证材料已上传。"))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("evaluation:report_edit", pk=report.pk)


@login_required
@require_POST
def report_evidence_remove(request, pk: int, document_pk: int):
    report = _editable_report(request, pk)
    document = get_object_or_404(report.evidence.all(), pk=document_pk)
    try:
        report_remove_evidence(actor=request.user, report=report, document=document)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已移除佐证材料“%(name)s”。") % {"name": document.original_name})
    return redirect("evaluation:report_edit", pk=report.pk)


@login_required
def report_submit_view(request, pk: int):
    """GET: what will be submitted and what is missing (the confirmation step); POST: submit."""
    report = _editable_report(request, pk)
    if request.method == "POST":
        try:
            report_submit(actor=request.user, report=report)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("evaluation:report_submit", pk=report.pk)
        messages.success(request, _("报告已提交。"))
        return redirect("evaluation:report_detail", pk=report.pk)
    context = _page_context(request, report)
    context["problems"] = selectors.submit_problems(report, context["version"])
    return render(request, "evaluation/reports/report_submit.html", context)


def _decidable_report(request, pk: int) -> Report:
    report = get_report_for_user_or_404(request.user, pk)
    if not can_decide_report(request.user, report):
        raise Http404
    return report


@login_required
def report_accept_view(request, pk: int):
    """GET: the confirmation; POST: accept the self-assessment."""
    report = _decidable_report(request, pk)
    if request.method == "POST":
        try:
            report_accept(actor=request.user, report=report)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已审核通过。"))
        return redirect("evaluation:report_queue")
    return render(request, "evaluation/reports/report_accept.html", {"report": report})


@login_required
def report_return_view(request, pk: int):
    report = _decidable_report(request, pk)
    form = ReportReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report_return(actor=request.user, report=report, reasons=form.cleaned_data["reasons"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("已退回盟市工信局修改。"))
            return redirect("evaluation:report_queue")
    return render(request, "evaluation/reports/report_return.html", {"report": report, "form": form})

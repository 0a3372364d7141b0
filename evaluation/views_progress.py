"""Pages of an approved pilot's progress: the pilot page (targets, actuals, charts, money, reports and
evaluations), the Department's overview of a call's pilots and its Excel export. Read-only and thin:
check (permissions_progress) → read (selectors.progress) → render."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .charts import progress_charts
from .overview_excel import overview_workbook
from .permissions_progress import can_view_call_pilots, get_call_pilots_for_user_or_404, get_pilot_for_user_or_404
from .selectors import progress

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def pilot_detail(request, pk: int):
    plan = get_pilot_for_user_or_404(request.user, pk)
    page = progress.pilot_page(plan, viewer=request.user)
    return render(
        request,
        "evaluation/pilot_progress.html",
        {
            "plan": plan,
            "page": page,
            "progress": page.progress,
            "charts": progress_charts(page.progress, per_row=3),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def pilot_calls(request):
    if not can_view_call_pilots(request.user):
        raise Http404
    return render(request, "evaluation/pilot_calls.html", {"calls": progress.calls_with_pilots()})


@login_required
@require_GET
def call_pilots(request, pk: int):
    call = get_call_pilots_for_user_or_404(request.user, pk)
    lines = progress.call_pilots_overview(call)
    return render(request, "evaluation/call_pilots.html", {"call": call, "lines": lines})


@login_required
@require_GET
def call_pilots_export(request, pk: int):
    call = get_call_pilots_for_user_or_404(request.user, pk)
    data = overview_workbook(call, progress.call_pilots_overview(call))
    response = HttpResponse(data, content_type=XLSX_TYPE)
    name = f"{call.title}-试点实施情况.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response

"""The public pages: no login, outside the portal shell. They show notices and take objections; they never
show an objection's name, contact or grounds (except the objector's own confirmation page, which shows the
reference number only)."""

from urllib.parse import quote

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from audit import context

from .. import services
from ..antispam import RATE_LIMIT, take_filing_slot
from ..calendar import today_in_china
from ..forms import HONEYPOT_FIELD, ObjectionForm
from ..models import PublicNotice
from ..pdf import render_notice_pdf_now
from ..selectors import (
    get_public_notice_or_404,
    get_public_notice_pdf_or_404,
    get_public_objection_or_404,
    public_notice_list,
)

RECEIPT_SALT = "notices.objection-receipt"
PAGE_SIZE = 20


def period_state(notice: PublicNotice, today) -> str:
    if notice.status == PublicNotice.Status.FINAL or notice.has_ended(today):
        return "ended"
    return "open" if notice.has_started(today) else "upcoming"


@require_GET
def notice_list(request):
    page = Paginator(public_notice_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    today = today_in_china()
    rows = [(notice, period_state(notice, today)) for notice in page.object_list]
    return render(request, "notices/public_list.html", {"page": page, "rows": rows})


@require_http_methods(["GET", "POST"])
def notice_detail(request, pk: int):
    notice = get_public_notice_or_404(pk)
    entries = list(notice.entries.all())
    today = today_in_china()
    accepting = notice.accepts_objections(today)
    closed_message = None
    form = None
    if request.method == "POST":
        if not accepting:
            closed_message = services.objection_period_error(notice, today)
        else:
            form = ObjectionForm(request.POST, request.FILES, notice_id=notice.pk, entries=entries)
            if form.is_valid():
                receipt = _file(form, notice)
                if receipt:
                    return redirect("public_notices:objection_received", pk=notice.pk, token=receipt)
            form.fresh_token()
    elif accepting:
        form = ObjectionForm(notice_id=notice.pk, entries=entries)
    return render(
        request,
        "notices/public_detail.html",
        {
            "notice": notice,
            "entries": entries,
            "state": period_state(notice, today),
            "form": form,
            "honeypot": form[HONEYPOT_FIELD] if form is not None else None,
            "closed_message": closed_message,
        },
    )


def _file(form: ObjectionForm, notice: PublicNotice) -> str | None:
    """File the objection; the signed receipt token, or None with the problem added to the form."""
    if not take_filing_slot(notice.pk, context.current().ip_address):
        form.add_error(
            None, _("同一网络地址每小时对同一公示最多提交%(limit)d条异议，请稍后再试。") % {"limit": RATE_LIMIT}
        )
        return None
    data = form.cleaned_data
    try:
        objection = services.objection_file(
            notice=notice,
            entry=data["entry"],
            name=data["name"],
            contact=data["contact"],
            grounds=data["grounds"],
            attachment=data.get("attachment") or None,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None
    return signing.dumps(objection.pk, salt=RECEIPT_SALT)


@require_GET
def objection_received(request, pk: int, token: str):
    try:
        objection_pk = signing.loads(token, salt=RECEIPT_SALT)
    except signing.BadSignature as error:
        raise Http404 from error
    notice = get_public_notice_or_404(pk)
    objection = get_public_objection_or_404(notice, objection_pk)
    return render(request, "notices/public_received.html", {"notice": notice, "objection": objection})


@require_GET
def notice_pdf(request, pk: int):
    notice = get_public_notice_pdf_or_404(pk)
    # Normally rendered right after publication; if that failed or has not run yet, render it now (once).
    document = notice.pdf or render_notice_pdf_now(notice.pk)
    response = FileResponse(document.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(document.original_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response

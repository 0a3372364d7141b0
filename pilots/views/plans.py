"""The plan's pages: read it, and (as its bureau, while a draft) edit it section by section."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.flash import flash_errors
from accounts.permissions import is_province_wide_reader

from .. import excel, services
from ..forms import (
    ChainForm,
    EnterpriseImportForm,
    EvidenceForm,
    FundLineFormSet,
    NationalApprovalForm,
    NationalPlanForm,
    PhasedTaskForm,
    SectionsForm,
    StampedPdfForm,
)
from ..models import FundLine, PilotPlan
from ..permissions import can_edit_plan, can_view_plan_history, get_plan_for_user_or_404
from ..selectors import (
    enterprise_summary,
    fund_totals,
    plan_detail,
    plan_documents,
    plan_field_history,
    plan_list,
    plan_timeline,
)
from ..services.national import is_national, national_approval_attach, national_request_save, requested_grant
from ..targets import FIELDS, merged_rows, retrofit_total
from ..templatetags.pilot_format import target_value

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _editable_plan(request, pk: int) -> PilotPlan:
    plan = get_plan_for_user_or_404(request.user, pk)
    if not can_edit_plan(request.user, plan):
        raise Http404
    return plan


@login_required
def plan_index(request):
    status = request.GET.get("status") or None
    return render(
        request,
        "pilots/plan_list.html",
        {"plans": plan_list(request.user, status=status), "statuses": PilotPlan.Status.choices, "status": status},
    )


@login_required
def plan_view(request, pk: int):
    plan = plan_detail(request.user, pk)
    documents = plan_documents(plan)
    return render(
        request,
        "pilots/plan_detail.html",
        {
            "plan": plan,
            "national": is_national(plan),
            "can_edit": can_edit_plan(request.user, plan),
            "target_rows": merged_rows(
                plan.target_values.all(), level1=lambda v: v.indicator.level1, level2=lambda v: v.indicator.level2
            ),
            "fund_lines": plan.fund_lines.all(),
            "fund_totals": fund_totals(plan),
            "enterprises": enterprise_summary(plan),
            "documents": documents,
            "timeline": plan_timeline(plan) if can_view_plan_history(request.user, plan) else None,
            "sections": [
                (name, PilotPlan._meta.get_field(name).verbose_name, getattr(plan, name))
                for name in PilotPlan.SECTION_FIELDS
            ],
            "retrofit_total": int(retrofit_total(plan.target_values.all())),
        },
    )


@login_required
def sections_edit(request, pk: int):
    plan = _editable_plan(request, pk)
    form = SectionsForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update_sections(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("pilots:plan_detail", pk=plan.pk)
    return render(request, "pilots/sections_form.html", {"plan": plan, "form": form})


@login_required
def chain_edit(request, pk: int, chain_pk: int | None = None):
    plan = _editable_plan(request, pk)
    chain = get_object_or_404(plan.chains, pk=chain_pk) if chain_pk else None
    form = ChainForm(request.POST or None, instance=chain)
    if request.method == "POST" and form.is_valid():
        try:
            services.chain_save(actor=request.user, plan=plan, chain=chain, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("产业链已保存。"))
            return redirect("pilots:chains", pk=plan.pk)
    return render(request, "pilots/chain_form.html", {"plan": plan, "form": form, "chain": chain})


@login_required
def chains(request, pk: int):
    plan = get_plan_for_user_or_404(request.user, pk)
    return render(
        request,
        "pilots/chains.html",
        {
            "plan": plan,
            "chains": plan.chains.all(),
            "tasks": plan.phased_tasks.all(),
            "can_edit": can_edit_plan(request.user, plan),
            "task_form": PhasedTaskForm(),
        },
    )


@login_required
@require_POST
def chain_delete(request, pk: int, chain_pk: int):
    plan = _editable_plan(request, pk)
    chain = get_object_or_404(plan.chains, pk=chain_pk)
    try:
        services.chain_delete(actor=request.user, plan=plan, chain=chain)
        messages.success(request, _("产业链已删除。"))
    except ValidationError as error:
        flash_errors(request, error)
    return redirect("pilots:chains", pk=plan.pk)


@login_required
@require_POST
def phased_task_add(request, pk: int):
    plan = _editable_plan(request, pk)
    form = PhasedTaskForm(request.POST)
    if form.is_valid():
        services.phased_task_add(actor=request.user, plan=plan, **form.cleaned_data)
        messages.success(request, _("阶段任务已添加。"))
        return redirect("pilots:chains", pk=plan.pk)
    return render(
        request,
        "pilots/chains.html",
        {
            "plan": plan,
            "chains": plan.chains.all(),
            "tasks": plan.phased_tasks.all(),
            "can_edit": True,
            "task_form": form,
        },
    )


@login_required
@require_POST
def phased_task_delete(request, pk: int, task_pk: int):
    plan = _editable_plan(request, pk)
    services.phased_task_delete(actor=request.user, plan=plan, item=get_object_or_404(plan.phased_tasks, pk=task_pk))
    return redirect("pilots:chains", pk=plan.pk)


@login_required
def enterprises(request, pk: int):
    plan = get_plan_for_user_or_404(request.user, pk)
    page = Paginator(plan.enterprises.select_related("chain").order_by("row", "id"), 50).get_page(
        request.GET.get("page")
    )
    form = EnterpriseImportForm()
    errors = []
    if request.method == "POST":
        plan = _editable_plan(request, pk)
        form = EnterpriseImportForm(request.POST, request.FILES)
        if form.is_valid():
            rows, errors = excel.parse_enterprise_workbook(
                form.cleaned_data["file"], chain_names=set(plan.chains.values_list("name", flat=True))
            )
            if not errors:
                try:
                    count = services.enterprises_replace(
                        actor=request.user, plan=plan, rows=rows, source=form.cleaned_data["file"].name
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("已导入%(count)d家企业。") % {"count": count})
                    return redirect("pilots:enterprises", pk=plan.pk)
    return render(
        request,
        "pilots/enterprises.html",
        {
            "plan": plan,
            "page": page,
            "form": form,
            "row_errors": errors,
            "summary": enterprise_summary(plan),
            "can_edit": can_edit_plan(request.user, plan),
        },
    )


@login_required
def enterprises_template(request, pk: int):
    plan = get_plan_for_user_or_404(request.user, pk)
    return _xlsx(excel.enterprise_template_workbook(plan), "企业名单模板.xlsx")


@login_required
def enterprises_export(request, pk: int):
    plan = get_plan_for_user_or_404(request.user, pk)
    return _xlsx(excel.enterprise_export_workbook(plan), f"{plan.region.name}-企业名单.xlsx")


def _xlsx(data: bytes, name: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_POST
def enterprise_delete(request, pk: int, enterprise_pk: int):
    plan = _editable_plan(request, pk)
    services.enterprise_delete(
        actor=request.user, plan=plan, enterprise=get_object_or_404(plan.enterprises, pk=enterprise_pk)
    )
    messages.success(request, _("已移除。"))
    return redirect("pilots:enterprises", pk=plan.pk)


@login_required
def fund_plan_edit(request, pk: int):
    plan = _editable_plan(request, pk)
    formset = FundLineFormSet(request.POST or None, queryset=FundLine.objects.filter(plan=plan).order_by("id"))
    if request.method == "POST" and formset.is_valid():
        lines = {form.instance.direction: form.cleaned_data for form in formset.forms}
        try:
            services.fund_plan_save(actor=request.user, plan=plan, lines=lines)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("资金计划已保存，合计已自动计算。"))
            return redirect("pilots:plan_detail", pk=plan.pk)
    return render(request, "pilots/fund_plan_form.html", {"plan": plan, "formset": formset})


@login_required
def target_table_edit(request, pk: int):
    plan = _editable_plan(request, pk)
    values = list(plan.target_values.select_related("indicator").order_by("indicator__order"))
    typed, problems = {}, {}
    if request.method == "POST":
        typed = {
            (value.indicator_id, field): request.POST.get(f"cell-{value.indicator_id}-{field}", "").strip()[:30]
            for value in values
            for field in FIELDS
        }
        problems = services.target_table_save(actor=request.user, plan=plan, cells=typed)
        if not problems:
            messages.success(request, _("绩效目标表已保存。"))
            return redirect("pilots:plan_detail", pk=plan.pk)
        messages.warning(
            request, _("已保存可识别的数值；有%(count)d处需要修改，见标红的单元格。") % {"count": len(problems)}
        )
        values = list(plan.target_values.select_related("indicator").order_by("indicator__order"))
    rows = merged_rows(values, level1=lambda v: v.indicator.level1, level2=lambda v: v.indicator.level2)
    for row in rows:
        value = row["item"]
        row["cells"] = [
            {
                "name": f"cell-{value.indicator_id}-{field}",
                "field": field,
                "value": typed.get((value.indicator_id, field), _format(getattr(value, field), value.indicator.kind)),
                "error": problems.get((value.indicator_id, field), ""),
            }
            for field in FIELDS
        ]
    return render(request, "pilots/target_table_form.html", {"plan": plan, "rows": rows, "error_count": len(problems)})


def _format(value, kind: str) -> str:
    return "" if value is None else target_value(value, kind)


ATTACHMENT_KINDS = {
    # kind: (form, service); "national": the national approval of a national SME city pilot
    "stamped": (StampedPdfForm, services.stamped_pdf_attach),
    "evidence": (EvidenceForm, services.evidence_attach),
    "national": (NationalApprovalForm, national_approval_attach),
}


@login_required
def attachments(request, pk: int):
    plan = get_plan_for_user_or_404(request.user, pk)
    forms_by_kind = {kind: form_class() for kind, (form_class, _attach) in ATTACHMENT_KINDS.items()}
    if request.method == "POST":
        plan = _editable_plan(request, pk)
        kind = request.POST.get("kind")
        kind = kind if kind in ATTACHMENT_KINDS else "evidence"
        form_class, attach = ATTACHMENT_KINDS[kind]
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                attach(actor=request.user, plan=plan, uploaded=form.cleaned_data["file"])
            except ValidationError as error:
                form.add_error("file", error)
            else:
                messages.success(request, _("文件已上传。"))
                return redirect("pilots:attachments", pk=plan.pk)
        forms_by_kind[kind] = form
    if is_national(plan):
        forms_by_kind["stamped"].fields["file"].label = _("经批准的城市试点实施方案（PDF）")
    return render(
        request,
        "pilots/attachments.html",
        {
            "plan": plan,
            "national": is_national(plan),
            "documents": plan_documents(plan),
            "stamped_form": forms_by_kind["stamped"],
            "evidence_form": forms_by_kind["evidence"],
            "national_form": forms_by_kind["national"],
            "can_edit": can_edit_plan(request.user, plan),
        },
    )


@login_required
def national_edit(request, pk: int):
    """A national SME city pilot plan: its title and the grant requested."""
    plan = _editable_plan(request, pk)
    if not is_national(plan):
        raise Http404
    form = NationalPlanForm(request.POST or None, initial={"title": plan.title, "amount": requested_grant(plan)})
    if request.method == "POST" and form.is_valid():
        try:
            national_request_save(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("pilots:plan_detail", pk=plan.pk)
    return render(request, "pilots/national_form.html", {"plan": plan, "form": form})


@login_required
def field_history(request, pk: int):
    """For the auditor and the Department: every earlier state of the plan's own fields."""
    plan = get_plan_for_user_or_404(request.user, pk)
    if not is_province_wide_reader(request.user):
        raise Http404
    return render(request, "pilots/field_history.html", {"plan": plan, "versions": plan_field_history(plan)})


@login_required
def version_view(request, pk: int, number: int):
    plan = get_plan_for_user_or_404(request.user, pk)
    version = get_object_or_404(plan.versions.select_related("pdf"), number=number)
    return render(
        request, "pilots/version_detail.html", {"plan": plan, "version": version, "snapshot": version.snapshot}
    )

"""Plan changes and versions: the bureau's change request (form, confirmation, submit), the officer's review,
the leader's decision, the list of a plan's versions and a side-by-side comparison of any two."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.flash import flash_errors
from documents.forms import ContentCheckedFileField
from documents.validation import IMAGES, PDF

from .. import services
from ..diffs import version_diff
from ..models import FundLine, PlanChange
from ..permissions import get_plan_for_user_or_404
from ..proposals import (
    PART_SECTIONS,
    apply_to_snapshot,
    fund_key,
    merged_values,
    section_key,
    section_label,
    source_label,
    target_key,
    task_key,
    values_in_force,
)
from ..selectors import version_in_force
from ..selectors_changes import (
    can_decide_change,
    can_edit_change,
    can_request_change,
    can_review_change,
    change_documents,
    change_timeline,
    get_change_for_user_or_404,
    open_change,
    plan_changes,
    plan_versions,
    versions_pair,
)
from ..selectors_money import plan_approval
from ..services.changes import proposal_problems
from ..targets import FIELD_LABELS, FIELDS, merged_rows

BLANK_TASK_ROWS = 3
TASK_FIELD = re.compile(r"^task-(\d{1,3})-(task|owner|due)$")
Part = PlanChange.Part


class EvidenceForm(forms.Form):
    evidence = ContentCheckedFileField(
        label=gettext_lazy("佐证材料（PDF或图片，可多次上传）"), allowed=frozenset({PDF, *IMAGES}), required=False
    )


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label=gettext_lazy("审核意见（退回时写明退回原因）"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("领导意见（不予批准时必须写明理由）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )


# --- versions ---------------------------------------------------------------------------------------------


@login_required
def versions(request, pk: int):
    """Every version of the plan and every change (with its decision) the viewer may see."""
    plan = get_plan_for_user_or_404(request.user, pk)
    version_list = list(plan_versions(plan))
    current = open_change(plan) if can_request_change(request.user, plan) else None
    return render(
        request,
        "pilots/versions.html",
        {
            "plan": plan,
            "versions": version_list,
            "in_force": version_list[0] if version_list else None,
            "changes": plan_changes(request.user, plan),
            "can_request": can_request_change(request.user, plan) and current is None,
            "open_change": current,
        },
    )


def _number(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
def version_compare(request, pk: int):
    """Two versions side by side: ``?from=1&to=2`` (by default the one in force and the one before it)."""
    plan = get_plan_for_user_or_404(request.user, pk)
    numbers = list(plan_versions(plan).values_list("number", flat=True))
    if not numbers:
        raise Http404
    new = _number(request.GET.get("to"), numbers[0])
    old = _number(request.GET.get("from"), numbers[1] if len(numbers) > 1 else numbers[0])
    old_version, new_version = versions_pair(plan, old, new)
    return render(
        request,
        "pilots/version_compare.html",
        {
            "plan": plan,
            "numbers": numbers,
            "old": old_version,
            "new": new_version,
            "diff": version_diff(old_version.snapshot, new_version.snapshot),
            "left_title": _("第%(n)s版") % {"n": old},
            "right_title": _("第%(n)s版") % {"n": new},
        },
    )


# --- the bureau's request ----------------------------------------------------------------------------------


def _typed_proposal(post, snapshot: dict) -> dict:
    """What the form sent, in the proposal's shape (every part; the service keeps the chosen ones)."""
    task_rows: dict[int, dict] = {}
    for key, value in post.items():
        match = TASK_FIELD.match(key)
        if match:
            task_rows.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return {
        "sections": {name: post.get(section_key(name), "") for names in PART_SECTIONS.values() for name in names},
        "targets": {
            str(row["indicator_id"]): {f: post.get(target_key(row["indicator_id"], f), "") for f in FIELDS}
            for row in snapshot["targets"]
        },
        "fund_lines": {
            line["direction"]: {
                field: post.get(fund_key(line["direction"], field), "") for field in ("description", *FundLine.SOURCES)
            }
            for line in snapshot["fund_lines"]
        },
        "phased_tasks": [task_rows[index] for index in sorted(task_rows)],
    }


def _form_context(plan, snapshot: dict, values: dict, parts, problems: dict) -> dict:
    """The change form's tables, each cell with its name, its value (as typed) and its message."""

    def cell(name):
        return {"name": name, "error": problems.get(name, "")}

    target_rows = merged_rows(snapshot["targets"], level1=lambda r: r["level1"], level2=lambda r: r["level2"])
    for row in target_rows:
        item = row["item"]
        typed = values["targets"].get(str(item["indicator_id"]), {})
        row["cells"] = [
            {
                **cell(target_key(item["indicator_id"], field)),
                "label": FIELD_LABELS[field],
                "value": typed.get(field) or "",
            }
            for field in FIELDS
        ]
    fund_rows = []
    for line in snapshot["fund_lines"]:
        typed = values["fund_lines"].get(line["direction"], {})
        fund_rows.append(
            {
                "label": line["direction_label"],
                "description": {
                    **cell(fund_key(line["direction"], "description")),
                    "value": typed.get("description", ""),
                },
                "cells": [
                    {**cell(fund_key(line["direction"], s)), "label": source_label(s), "value": typed.get(s, "")}
                    for s in FundLine.SOURCES
                ],
            }
        )
    tasks = list(values["phased_tasks"]) + [{}] * BLANK_TASK_ROWS
    task_rows = [
        {
            "index": index,
            "cells": [
                {**cell(task_key(index, field)), "field": field, "value": task.get(field, "") or ""}
                for field in ("task", "owner", "due")
            ],
        }
        for index, task in enumerate(tasks)
    ]
    sections = {
        part: [
            {**cell(section_key(name)), "label": section_label(name), "value": values["sections"].get(name, "")}
            for name in names
        ]
        for part, names in PART_SECTIONS.items()
    }
    general = [problems[key] for key in ("parts", *Part.values) if key in problems]
    approval = plan_approval(plan)
    return {
        "parts": [{"value": value, "label": label, "checked": value in parts} for value, label in Part.choices],
        "target_rows": target_rows,
        "fund_rows": fund_rows,
        "fund_sources": [source_label(s) for s in FundLine.SOURCES],
        "task_rows": task_rows,
        "sections": sections,
        "general_problems": general,
        "problem_count": len(problems),
        "approved_amount": approval.approved_amount if approval and approval.status == "approved" else None,
    }


def _change_form(request, plan, change: PlanChange | None):
    base = change.base_version if change else version_in_force(plan)
    if base is None:
        raise Http404
    snapshot = base.snapshot
    evidence_form = EvidenceForm()
    problems: dict[str, str] = {}
    if request.method == "POST":
        typed = _typed_proposal(request.POST, snapshot)
        parts = request.POST.getlist("parts")
        reason = request.POST.get("reason", "")
        try:
            change, problems = services.change_save_draft(
                actor=request.user, plan=plan, change=change, parts=parts, proposed=typed, reason=reason
            )
        except (ValidationError, PermissionDenied) as error:
            flash_errors(request, error if isinstance(error, ValidationError) else ValidationError(str(error)))
            if change is None:
                return redirect("pilots:versions", pk=plan.pk)
            return redirect("pilots:change_detail", pk=plan.pk, number=change.number)
        evidence_form = EvidenceForm(request.POST, request.FILES)
        upload_ok = evidence_form.is_valid()
        if upload_ok and evidence_form.cleaned_data["evidence"]:
            try:
                services.change_evidence_attach(
                    actor=request.user, change=change, uploaded=evidence_form.cleaned_data["evidence"]
                )
            except ValidationError as error:
                evidence_form.add_error("evidence", error)
                upload_ok = False
            else:
                evidence_form = EvidenceForm()
        if upload_ok and request.POST.get("action") == "preview" and not problems:
            return redirect("pilots:change_detail", pk=plan.pk, number=change.number)
        if upload_ok and request.POST.get("action") != "preview":
            messages.success(request, _("草稿已保存。"))
            if not problems:
                return redirect("pilots:change_edit", pk=plan.pk, number=change.number)
        if problems:
            messages.warning(
                request,
                _("已保存，填写的内容均已保留；有%(count)d处需要修改后才能提交，见标红处。") % {"count": len(problems)},
            )
        values = merged_values(snapshot, change.proposed)
        parts, reason = change.parts, change.reason
    elif change is not None:
        values, parts, reason = merged_values(snapshot, change.proposed), change.parts, change.reason
        if request.GET.get("check"):
            problems = proposal_problems(change, plan)[1]
    else:
        values, parts, reason = values_in_force(snapshot), [], ""
    return render(
        request,
        "pilots/change_form.html",
        {
            "plan": plan,
            "change": change,
            "base": base,
            "reason": reason,
            "evidence_form": evidence_form,
            "documents": change_documents(change) if change else [],
            **_form_context(plan, snapshot, values, parts, problems),
        },
    )


@login_required
def change_new(request, pk: int):
    plan = get_plan_for_user_or_404(request.user, pk)
    if not can_request_change(request.user, plan):
        raise Http404
    existing = open_change(plan)
    if existing is not None:
        messages.info(request, _("该方案已有一项未办结的变更申请，请在该申请中修改。"))
        return redirect("pilots:change_detail", pk=plan.pk, number=existing.number)
    return _change_form(request, plan, None)


@login_required
def change_edit(request, pk: int, number: int):
    change = get_change_for_user_or_404(request.user, pk, number)
    if not can_edit_change(request.user, change):
        raise Http404
    return _change_form(request, change.plan, change)


# --- one change: its content, and what the viewer can do with it -------------------------------------------


def _change_context(request, change: PlanChange) -> dict:
    plan = change.plan
    snapshot = change.base_version.snapshot
    problems: dict[str, str] = {}
    if change.result_version is not None:
        proposed_snapshot = change.result_version.snapshot
    elif change.submitted_at is not None and change.status not in PlanChange.EDITABLE:
        proposed_snapshot = apply_to_snapshot(snapshot, change.proposed)  # kept in clean form since submission
    else:
        clean, problems = proposal_problems(change, plan)
        proposed_snapshot = apply_to_snapshot(snapshot, clean) if not problems else None
    user = request.user
    return {
        "plan": plan,
        "change": change,
        "documents": change_documents(change),
        "problems": list(problems.values()),
        "diff": version_diff(snapshot, proposed_snapshot) if proposed_snapshot is not None else None,
        "left_title": _("第%(n)s版（变更前）") % {"n": change.base_version.number},
        "right_title": (
            _("第%(n)s版（变更后）") % {"n": change.result_version.number} if change.result_version else _("拟变更为")
        ),
        "timeline": change_timeline(change),  # whoever sees the change: its bureaus and the province
        "can_edit": can_edit_change(user, change),
        "can_review": can_review_change(user, change),
        "can_decide": can_decide_change(user, change),
        "approval": plan_approval(plan),
    }


@login_required
def change_detail(request, pk: int, number: int):
    """The change as it stands; for its bureau, while a draft, the confirmation page before submitting."""
    change = get_change_for_user_or_404(request.user, pk, number)
    return render(request, "pilots/change_detail.html", _change_context(request, change))


@login_required
@require_POST
def change_submit(request, pk: int, number: int):
    change = get_change_for_user_or_404(request.user, pk, number)
    if not can_edit_change(request.user, change):
        messages.error(request, _("该变更申请当前不能提交（可能已经提交过了），请刷新页面。"))
        return redirect("pilots:change_detail", pk=pk, number=number)
    try:
        services.change_submit(actor=request.user, change=change)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect(reverse("pilots:change_edit", kwargs={"pk": pk, "number": number}) + "?check=1")
    messages.success(request, _("变更申请已提交，等待自治区工信厅审核。"))
    return redirect("pilots:change_detail", pk=pk, number=number)


@login_required
@require_POST
def change_withdraw(request, pk: int, number: int):
    change = get_change_for_user_or_404(request.user, pk, number)
    if not can_edit_change(request.user, change):
        raise Http404
    try:
        services.change_withdraw(actor=request.user, change=change)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("变更申请已撤回。"))
    return redirect("pilots:versions", pk=pk)


@login_required
def change_review(request, pk: int, number: int):
    """The officer: forward with an opinion, or return to the bureau with reasons."""
    change = get_change_for_user_or_404(request.user, pk, number)
    if not can_review_change(request.user, change):
        raise Http404
    form = OpinionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["opinion"]
        returning = request.POST.get("decision") == "return"
        try:
            if returning:
                services.change_return(actor=request.user, change=change, reasons=text)
            else:
                services.change_forward(actor=request.user, change=change, opinion=text)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已退回申报单位修改。") if returning else _("已提出审核意见，送领导审批。"))
            return redirect("pilots:change_detail", pk=pk, number=number)
    return render(request, "pilots/change_review.html", {**_change_context(request, change), "form": form})


@login_required
def change_decide(request, pk: int, number: int):
    """A leader (not the reviewer): approve, which makes the new version, or reject with a reason."""
    change = get_change_for_user_or_404(request.user, pk, number)
    if not can_decide_change(request.user, change):
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        comment = form.cleaned_data["comment"]
        rejecting = request.POST.get("decision") == "reject"
        try:
            if rejecting:
                services.change_reject(actor=request.user, change=change, reason=comment)
            else:
                version = services.change_approve(actor=request.user, change=change, comment=comment)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if rejecting:
                messages.success(request, _("已决定不予批准，理由已告知申报单位。"))
            else:
                messages.success(request, _("变更已批准，方案形成第%(n)s版。") % {"n": version.number})
            return redirect("pilots:change_detail", pk=pk, number=number)
    return render(request, "pilots/change_decide.html", {**_change_context(request, change), "form": form})

"""Changes to an approved plan (方案调整): the bureau drafts and submits a change, the officer returns it or
forwards it with an opinion, a leader (not the one who reviewed it) approves or rejects it. Approval writes the
proposed values into the plan's rows, bumps ``plan.version`` and freezes a new PlanVersion: the versions before
it stay as they were, and the newest is the one in force (``pilots.selectors.version_in_force``).

The approved amount (``Approval.approved_amount``) is not changed by a plan change: a fund plan change may not
raise the regional subsidy asked for above it (``pilots.proposals``).

Lock order, as everywhere in pilots: the plan, then the change (then the audit chain). With the plan locked,
at most one change of a plan is open at a time (checked here, and by a partial unique constraint), and a change
whose base version is no longer the one in force is refused.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from documents.services import document_store
from documents.validation import IMAGES, PDF

from ..models import Approval, FundLine, Indicator, PhasedTask, PilotPlan, PlanChange, PlanVersion, TargetValue
from ..proposals import check_proposal, only_parts
from ..selectors import version_in_force
from ..selectors_changes import (
    can_decide_change,
    can_edit_change,
    can_request_change,
    can_review_change,
    change_documents,
    plan_takes_changes,
)
from ..targets import FIELDS
from ..versions import plan_snapshot
from .plans import lock_plan

Status = PlanChange.Status
# What a cell may hold as typed: enough for any valid value, and bounded so a draft cannot grow without end.
MAX_CELL_CHARS = 40
MAX_TEXT_CHARS = 25_000
MAX_TASKS = 200


def _lock_change(change: PlanChange) -> tuple[PilotPlan, PlanChange]:
    """Lock the plan, then the change (the lock order of pilots); the change carries the locked plan."""
    plan = lock_plan(change.plan)
    change = PlanChange.objects.select_for_update(of=("self",)).select_related("base_version").get(pk=change.pk)
    change.plan = plan
    return plan, change


def _require_status(change: PlanChange, *allowed: str) -> None:
    if change.status not in allowed:
        raise ValidationError(
            _("该变更申请当前状态为“%(status)s”，不能执行此操作（可能已被他人处理，请刷新页面）。")
            % {"status": change.get_status_display()},
            code="wrong_status",
        )


def _require_plan_takes_changes(plan: PilotPlan) -> None:
    if not plan_takes_changes(plan):
        raise ValidationError(
            _("方案当前状态为“%(status)s”%(phase)s，不能申请或办理方案变更。")
            % {"status": plan.get_status_display(), "phase": f"（{plan.get_phase_display()}）" if plan.phase else ""},
            code="plan_closed",
        )


def _require_base_in_force(change: PlanChange, plan: PilotPlan) -> PlanVersion:
    current = version_in_force(plan)
    if current is None or current.pk != change.base_version_id:
        raise ValidationError(
            _(
                "该变更申请依据的是第%(base)s版，而方案现行版本已是第%(current)s版，不能再按此申请办理。"
                "请撤回后依据现行版本重新申请。"
            )
            % {"base": change.base_version.number, "current": current.number if current else "—"},
            code="base_not_in_force",
        )
    return current


def _approved_amount(plan: PilotPlan) -> Decimal | None:
    approval = Approval.objects.filter(plan=plan, status=Approval.Status.APPROVED).only("approved_amount").first()
    return approval.approved_amount if approval else None


def proposal_problems(change: PlanChange, plan: PilotPlan) -> tuple[dict, dict[str, str]]:
    """The change's clean values and its problems by cell (see pilots.proposals.check_proposal), against its
    base version and the plan's approved amount."""
    snapshot = change.base_version.snapshot
    ids = [row["indicator_id"] for row in snapshot["targets"]]
    indicators = {indicator.pk: indicator for indicator in Indicator.objects.filter(pk__in=ids)}
    return check_proposal(
        parts=change.parts,
        proposed=change.proposed,
        snapshot=snapshot,
        indicators=indicators,
        minimum=plan.call.min_retrofit_enterprises,
        approved_amount=_approved_amount(plan),
    )


def _bounded(proposed: dict) -> dict:
    """The typed values, each cut to a sane length (the rules then say what is wrong with them)."""

    def cut(value, limit):
        # A NUL cannot be stored in PostgreSQL's jsonb: it becomes a visible character the rules refuse.
        return str(value if value is not None else "").replace("\x00", "\ufffd").strip()[:limit]

    bounded = {}
    if "sections" in proposed:
        bounded["sections"] = {name: cut(text, MAX_TEXT_CHARS) for name, text in proposed["sections"].items()}
    if "targets" in proposed:
        bounded["targets"] = {
            str(key): {field: cut(row.get(field), MAX_CELL_CHARS) for field in FIELDS}
            for key, row in proposed["targets"].items()
        }
    if "fund_lines" in proposed:
        bounded["fund_lines"] = {
            str(direction): {
                "description": cut(line.get("description"), 400),
                **{source: cut(line.get(source), MAX_CELL_CHARS) for source in FundLine.SOURCES},
            }
            for direction, line in proposed["fund_lines"].items()
        }
    if "phased_tasks" in proposed:
        bounded["phased_tasks"] = [
            {"task": cut(t.get("task"), 400), "owner": cut(t.get("owner"), 200), "due": cut(t.get("due"), 20)}
            for t in proposed["phased_tasks"][:MAX_TASKS]
        ]
    return bounded


def _values_only_of(parts, proposed: dict) -> dict:
    empty = {"sections": {}, "targets": {}, "fund_lines": {}, "phased_tasks": []}
    return only_parts({**empty, **proposed}, parts)


@transaction.atomic
def change_save_draft(
    *, actor, plan: PilotPlan, change: PlanChange | None = None, parts, proposed: dict, reason: str
) -> tuple[PlanChange, dict[str, str]]:
    """Start a change (``change=None``) or save its draft again. Everything typed is kept, valid or not; the
    problems are returned by cell so the page can show them where they are."""
    plan = lock_plan(plan)
    created = change is None
    if created:
        if not can_request_change(actor, plan):
            _require_plan_takes_changes(plan)
            raise PermissionDenied(_("只有本盟市工信局可以申请变更本盟市的试点方案。"))
        existing = PlanChange.objects.filter(plan=plan, status__in=PlanChange.OPEN).first()
        if existing is not None:
            raise ValidationError(
                _("该方案已有一项未办结的变更申请（%(change)s，%(status)s），请在该申请中修改。")
                % {"change": existing, "status": existing.get_status_display()},
                code="open_change",
            )
        base = version_in_force(plan)
        if base is None:
            raise ValidationError(_("该方案没有冻结的版本，不能申请变更。"), code="no_version")
        number = (PlanChange.objects.filter(plan=plan).aggregate(highest=Max("number"))["highest"] or 0) + 1
        change = PlanChange(plan=plan, number=number, base_version=base, created_by=actor)
    else:
        plan, change = _lock_change(change)
        if not can_edit_change(actor, change):
            _require_status(change, *PlanChange.EDITABLE)
            raise PermissionDenied(_("只有本盟市工信局可以修改本盟市的变更申请。"))
        _require_plan_takes_changes(plan)
    parts = [part for part in PlanChange.Part.values if part in (parts or [])]
    change.parts = parts
    change.proposed = _values_only_of(parts, _bounded(proposed))
    change.reason = str(reason or "").replace("\x00", "\ufffd").strip()[:MAX_TEXT_CHARS]
    change.updated_at = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin start becomes a message
            change.save()
    except IntegrityError:
        raise ValidationError(_("该方案已有一项未办结的变更申请，请刷新页面。"), code="open_change") from None
    _clean, problems = proposal_problems(change, plan)
    record_event(
        actor=actor,
        action="plan_change.create" if created else "plan_change.save_draft",
        target=change,
        changes={
            "plan": plan.pk,
            "base_version": change.base_version.number,
            "parts": parts,
            "open_problems": len(problems),
        },
    )
    return change, problems


@transaction.atomic
def change_evidence_attach(*, actor, change: PlanChange, uploaded):
    """Keep an evidence file of the change (PDF or image, judged by content)."""
    plan, change = _lock_change(change)
    if not can_edit_change(actor, change):
        _require_status(change, *PlanChange.EDITABLE)
        raise PermissionDenied(_("只有本盟市工信局可以为本盟市的变更申请上传材料。"))
    document = document_store(
        actor=actor,
        uploaded=uploaded,
        organisation=plan.applicant,
        allowed=frozenset({PDF, *IMAGES}),
        purpose="change_evidence",
        owner=change,
    )
    record_event(
        actor=actor,
        action="plan_change.evidence_attach",
        target=change,
        changes={"document": document.original_name, "sha256": document.sha256},
    )
    return document


@transaction.atomic
def change_submit(*, actor, change: PlanChange) -> PlanChange:
    """Send the change to the Department. Every rule must pass: the values (like the originals), a reason and
    at least one evidence file; the base version must still be in force. The values are kept in clean form."""
    plan, change = _lock_change(change)
    _require_status(change, *PlanChange.EDITABLE)
    if not can_edit_change(actor, change):
        raise PermissionDenied(_("只有本盟市工信局可以提交本盟市的变更申请。"))
    _require_plan_takes_changes(plan)
    _require_base_in_force(change, plan)
    clean, problems = proposal_problems(change, plan)
    messages = list(problems.values())
    if not change.reason:
        messages.append(_("请写明变更理由。"))
    if not change_documents(change).exists():
        messages.append(_("请上传至少一份佐证材料（PDF或图片）。"))
    if messages:
        raise ValidationError(messages, code="not_ready")
    before = change.status
    change.proposed = clean
    change.status = Status.SUBMITTED
    change.submitted_by = actor
    change.submitted_at = timezone.now()
    change.updated_at = change.submitted_at
    change.save()
    record_event(
        actor=actor,
        action="plan_change.submit",
        target=change,
        changes={
            "status": [before, change.status],
            "plan": plan.pk,
            "base_version": change.base_version.number,
            "parts": change.parts,
            "reason": change.reason,
            "proposed": clean,
        },
    )
    return change


def _officer_step(actor, change: PlanChange) -> tuple[PilotPlan, PlanChange]:
    plan, change = _lock_change(change)
    _require_status(change, Status.SUBMITTED)
    if not can_review_change(actor, change):
        raise PermissionDenied(_("只有工信厅经办人可以审核方案变更申请。"))
    return plan, change


@transaction.atomic
def change_return(*, actor, change: PlanChange, reasons: str) -> PlanChange:
    """Back to the bureau with reasons; everything proposed is kept for it to revise."""
    reasons = str(reasons or "").strip()
    plan, change = _officer_step(actor, change)
    if not reasons:
        raise ValidationError(_("退回时请写明原因。"), code="reasons_required")
    change.status = Status.RETURNED
    change.return_reasons = reasons
    change.updated_at = timezone.now()
    change.save()
    record_event(
        actor=actor,
        action="plan_change.return",
        target=change,
        changes={"status": [Status.SUBMITTED, Status.RETURNED], "plan": plan.pk, "reasons": reasons},
    )
    return change


@transaction.atomic
def change_forward(*, actor, change: PlanChange, opinion: str) -> PlanChange:
    """The officer's opinion, and the change goes to a leader."""
    opinion = str(opinion or "").strip()
    plan, change = _officer_step(actor, change)
    if not opinion:
        raise ValidationError(_("请填写审核意见。"), code="opinion_required")
    _require_base_in_force(change, plan)
    change.status = Status.FORWARDED
    change.officer_opinion = opinion
    change.reviewed_by = actor
    change.reviewed_at = timezone.now()
    change.updated_at = change.reviewed_at
    change.save()
    record_event(
        actor=actor,
        action="plan_change.forward",
        target=change,
        changes={"status": [Status.SUBMITTED, Status.FORWARDED], "plan": plan.pk, "opinion": opinion},
    )
    return change


def _leader_step(actor, change: PlanChange) -> tuple[PilotPlan, PlanChange]:
    plan, change = _lock_change(change)
    _require_status(change, Status.FORWARDED)
    if actor.pk in (change.reviewed_by_id, change.submitted_by_id):
        raise PermissionDenied(_("审核过（或提交）该变更申请的人不能再审批它，须由另一位领导审批。"))
    if not can_decide_change(actor, change):
        raise PermissionDenied(_("只有工信厅领导可以审批方案变更申请。"))
    return plan, change


def _apply(plan: PilotPlan, clean: dict) -> list[str]:
    """Write the clean values into the plan's rows; returns the plan fields changed."""
    fields = []
    for name, text in clean.get("sections", {}).items():
        setattr(plan, name, text)
        fields.append(name)
    if "targets" in clean:
        for row in TargetValue.objects.select_for_update().filter(plan=plan):
            values = clean["targets"].get(str(row.indicator_id))
            if values:
                for field in FIELDS:
                    setattr(row, field, None if values[field] is None else Decimal(values[field]))
                row.save(update_fields=list(FIELDS))
    if "fund_lines" in clean:
        for line in FundLine.objects.select_for_update().filter(plan=plan):
            values = clean["fund_lines"].get(line.direction)
            if values:
                line.description = values["description"]
                for source in FundLine.SOURCES:
                    setattr(line, source, Decimal(values[source]))
                line.full_clean()
                line.save()
    if "phased_tasks" in clean:
        plan.phased_tasks.all().delete()
        tasks = [
            PhasedTask(plan=plan, order=order, task=t["task"], owner=t["owner"], due=date.fromisoformat(t["due"]))
            for order, t in enumerate(clean["phased_tasks"], start=1)
        ]
        for task in tasks:
            task.full_clean(exclude=["plan"])
        PhasedTask.objects.bulk_create(tasks)
    return fields


@transaction.atomic
def change_approve(*, actor, change: PlanChange, comment: str = "") -> PlanVersion:
    """Approve: the values go into the live plan, ``plan.version`` goes up and a new version is frozen (made by
    the leader). The approved amount stays as it is."""
    plan, change = _leader_step(actor, change)
    _require_plan_takes_changes(plan)
    _require_base_in_force(change, plan)
    clean, problems = proposal_problems(change, plan)
    if problems:
        raise ValidationError(list(problems.values()), code="not_valid")
    fields = _apply(plan, clean)
    before_version = plan.version
    plan.version = max(plan.version, change.base_version.number) + 1
    plan.updated_at = timezone.now()
    plan.save(update_fields=[*fields, "version", "updated_at"])
    version = PlanVersion.objects.create(plan=plan, number=plan.version, snapshot=plan_snapshot(plan), created_by=actor)
    change.status = Status.APPROVED
    change.leader_comment = str(comment or "").strip()
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.updated_at = change.decided_at
    change.result_version = version
    change.full_clean(exclude=["plan", "base_version", "result_version", "created_by"])
    change.save()
    record_event(
        actor=actor,
        action="plan_change.approve",
        target=change,
        changes={
            "status": [Status.FORWARDED, Status.APPROVED],
            "plan": plan.pk,
            "version": [change.base_version.number, version.number],
            "comment": change.leader_comment,
        },
    )
    record_event(
        actor=actor,
        action="plan.change_apply",
        target=plan,
        changes={
            "change": change.number,
            "parts": change.parts,
            "version": [before_version, version.number],
            "comment": change.leader_comment,
        },
    )
    from ..tasks import render_version_pdf

    version_id = version.pk
    transaction.on_commit(lambda: render_version_pdf.delay(version_id), robust=True)
    return version


@transaction.atomic
def change_reject(*, actor, change: PlanChange, reason: str) -> PlanChange:
    reason = str(reason or "").strip()
    plan, change = _leader_step(actor, change)
    if not reason:
        raise ValidationError(_("不予批准时请写明理由。"), code="reason_required")
    change.status = Status.REJECTED
    change.leader_comment = reason
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.updated_at = change.decided_at
    change.save()
    record_event(
        actor=actor,
        action="plan_change.reject",
        target=change,
        changes={"status": [Status.FORWARDED, Status.REJECTED], "plan": plan.pk, "reason": reason},
    )
    return change


@transaction.atomic
def change_withdraw(*, actor, change: PlanChange) -> PlanChange:
    """The bureau gives up a draft or a returned change (so that another can be started)."""
    _plan, change = _lock_change(change)
    _require_status(change, *PlanChange.EDITABLE)
    if not can_edit_change(actor, change):
        raise PermissionDenied(_("只有本盟市工信局可以撤回本盟市的变更申请。"))
    before = change.status
    change.status = Status.WITHDRAWN
    change.updated_at = timezone.now()
    change.save()
    record_event(
        actor=actor, action="plan_change.withdraw", target=change, changes={"status": [before, Status.WITHDRAWN]}
    )
    return change

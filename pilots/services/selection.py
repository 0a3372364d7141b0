"""The preliminary list (初步名单), its public notice (公示) and the final list (domain.md, pilot process
steps 3–4). The officer proposes, the leader approves or returns, the officer publishes the notice and,
once it may be closed, makes the list final: each plan becomes SELECTED or NOT_SELECTED.

Lock order: the call, then its selections, then its plans (by primary key), each with ``of=("self",)``
so that no joined row is locked by accident.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import record_event

from .. import selectors_money
from ..models import PilotCall, PilotPlan, Selection, SelectionEntry
from ..selectors_money import RankedPlan, can_decide_selection, can_propose_selection
from .status import move_plan, require_status

Status = PilotPlan.Status
TWO_PLACES = Decimal("0.01")


def default_selection(call: PilotCall, ranking: list[RankedPlan]) -> list[int]:
    """The plans the ranking proposes: the best ``call.pilots_sought`` eligible ones."""
    eligible = [line for line in ranking if line.eligible]
    eligible.sort(key=lambda line: (line.rank is None, line.rank or 0))
    return [line.plan.pk for line in eligible[: call.pilots_sought]]


def _lock_call(call: PilotCall) -> PilotCall:
    return PilotCall.objects.select_for_update(of=("self",)).get(pk=call.pk)


def _mean(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(TWO_PLACES)


def _require_call_status(call: PilotCall, *allowed: str) -> None:
    if call.status not in allowed:
        raise ValidationError(
            _("申报批次当前状态为“%(status)s”，不能执行此操作（可能已被他人处理，请刷新页面）。")
            % {"status": call.get_status_display()},
            code="wrong_status",
        )


def _move_call(call: PilotCall, *, actor, action: str, to: str, extra: dict | None = None) -> PilotCall:
    before = call.status
    call.status = to
    call.save(update_fields=["status"])
    record_event(actor=actor, action=action, target=call, changes={"status": [before, to], **(extra or {})})
    return call


@transaction.atomic
def selection_propose(*, actor, call: PilotCall, selected_plan_ids: list[int], deviation_reason: str = "") -> Selection:
    """Propose the preliminary list for the leader. By default it is the ranking's top ``pilots_sought``
    eligible plans; any other choice needs a written reason. One list at a time waits for the leader."""
    if not can_propose_selection(actor):
        raise PermissionDenied(_("只有工信厅经办人可以提出初步名单。"))
    call = _lock_call(call)
    _require_call_status(call, PilotCall.Status.RANKED)
    live = Selection.objects.filter(call=call, status__in=[Selection.Status.PROPOSED, Selection.Status.APPROVED])
    if live.filter(status=Selection.Status.PROPOSED).exists():
        raise ValidationError(_("本批次已有一份初步名单等待领导审批，请等审批后再提出。"), code="pending")
    if live.exists():
        raise ValidationError(_("本批次的初步名单已经领导批准，请发布公示。"), code="approved")
    ranking = selectors_money.ranked_plans(call)
    by_plan = {line.plan.pk: line for line in ranking}
    chosen = {int(pk) for pk in selected_plan_ids}
    if not chosen:
        raise ValidationError(_("请至少选择一个拟入选的盟市。"), code="empty")
    unknown = chosen - by_plan.keys()
    if unknown:
        raise ValidationError(_("所选方案不在本批次的评审排名中，请刷新页面后重新选择。"), code="unknown")
    ineligible = [by_plan[pk] for pk in sorted(chosen) if not by_plan[pk].eligible]
    if ineligible:
        raise ValidationError(
            _("以下方案未达到入选条件，不能入选：%(plans)s。")
            % {"plans": "、".join(line.plan.region.name for line in ineligible)},
            code="ineligible",
        )
    reason = deviation_reason.strip()
    default = set(default_selection(call, ranking))
    deviates = chosen != default
    if deviates and not reason:
        raise ValidationError(
            _("所选名单与按排名遴选的结果（前%(n)s名符合条件的方案）不一致，请写明理由。") % {"n": call.pilots_sought},
            code="reason_required",
        )
    selection = Selection(
        call=call,
        deviation_reason=reason,
        proposed_by=actor,
        proposed_at=timezone.now(),
        status=Selection.Status.PROPOSED,
    )
    selection.full_clean()
    selection.save()
    SelectionEntry.objects.bulk_create(
        SelectionEntry(
            selection=selection,
            plan=line.plan,
            rank=line.rank,
            mean_score=_mean(line.mean),
            selected=line.plan.pk in chosen,
        )
        for line in ranking
    )
    record_event(
        actor=actor,
        action="selection.propose",
        target=selection,
        changes={
            "call": call.pk,
            "selected": sorted(chosen),
            "default": sorted(default),
            "deviation_reason": reason if deviates else "",
        },
    )
    return selection


def _lock_selection(selection: Selection) -> Selection:
    return Selection.objects.select_for_update(of=("self",)).select_related("call").get(pk=selection.pk)


def _decide(*, actor, selection: Selection, to: str, comment: str, action: str) -> Selection:
    if not can_decide_selection(actor):
        raise PermissionDenied(_("只有工信厅领导可以审批初步名单。"))
    selection = _lock_selection(selection)
    if selection.status != Selection.Status.PROPOSED:
        raise ValidationError(
            _("该初步名单当前状态为“%(status)s”，不能再审批（可能已被处理，请刷新页面）。")
            % {"status": selection.get_status_display()},
            code="wrong_status",
        )
    selection.status = to
    selection.decided_by = actor
    selection.decided_at = timezone.now()
    selection.leader_comment = comment
    selection.save(update_fields=["status", "decided_by", "decided_at", "leader_comment"])
    record_event(
        actor=actor,
        action=action,
        target=selection,
        changes={"status": [Selection.Status.PROPOSED, to], "comment": comment},
    )
    return selection


@transaction.atomic
def selection_approve(*, actor, selection: Selection, comment: str = "") -> Selection:
    return _decide(
        actor=actor,
        selection=selection,
        to=Selection.Status.APPROVED,
        comment=comment.strip(),
        action="selection.approve",
    )


@transaction.atomic
def selection_return(*, actor, selection: Selection, comment: str) -> Selection:
    if not comment.strip():
        raise ValidationError(_("退回时请写明意见。"), code="comment_required")
    return _decide(
        actor=actor,
        selection=selection,
        to=Selection.Status.RETURNED,
        comment=comment.strip(),
        action="selection.return",
    )


def notice_texts(call: PilotCall, entries: list[SelectionEntry]) -> dict:
    """The notice's title and body, always in Chinese: it is an official text, whoever publishes it."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "title": _("%(year)s年自治区制造业数字化转型试点拟入选盟市名单公示") % {"year": call.year},
            "body": _(
                "根据《%(call)s》，经各盟市申报、形式审查和第三方机构组织专家评审，"
                "拟确定以下%(count)s个盟市为%(year)s年自治区制造业数字化转型试点，现予以公示。"
                "公示期为%(days)s个工作日。公示期内，任何单位和个人对名单有异议的，"
                "可通过本页面的异议表单实名提出，写明事实和理由，并可附证明材料。"
            )
            % {"call": call.title, "count": len(entries), "year": call.year, "days": call.notice_working_days},
            "details": {entry.plan_id: _("专家评审平均分：%(mean)s") % {"mean": entry.mean_score} for entry in entries},
        }


@transaction.atomic
def selection_publish(*, actor, selection: Selection):
    """Publish the approved list as a public notice: its plans become SHORTLISTED, the call IN_NOTICE."""
    from notices.services import EntrySpec, notice_publish

    if not can_propose_selection(actor):
        raise PermissionDenied(_("只有工信厅经办人可以发布公示。"))
    call = _lock_call(selection.call)
    selection = _lock_selection(selection)
    _require_call_status(call, PilotCall.Status.RANKED)
    if selection.status != Selection.Status.APPROVED:
        raise ValidationError(_("初步名单经领导批准后才能发布公示。"), code="not_approved")
    entries = list(
        selection.entries.filter(selected=True).select_related("plan__region").order_by("rank", "plan__region__code")
    )
    plans = {
        plan.pk: plan
        for plan in PilotPlan.objects.select_for_update(of=("self",))
        .select_related("region")
        .filter(pk__in=[entry.plan_id for entry in entries])
        .order_by("pk")
    }
    for plan in plans.values():
        require_status(plan, Status.IN_REVIEW)
    texts = notice_texts(call, entries)
    notice = notice_publish(
        actor=actor,
        subject=call,
        title=texts["title"],
        body=texts["body"],
        entries=[
            EntrySpec(
                label=entry.plan.region.name,
                title=entry.plan.title,
                detail=texts["details"][entry.plan_id],
                subject=plans[entry.plan_id],
            )
            for entry in entries
        ],
        working_days=call.notice_working_days,
    )
    for entry in entries:
        move_plan(
            plans[entry.plan_id],
            actor=actor,
            action="plan.shortlist",
            to=Status.SHORTLISTED,
            extra={"notice": notice.pk},
        )
    _move_call(
        call,
        actor=actor,
        action="call.publish_list",
        to=PilotCall.Status.IN_NOTICE,
        extra={"selection": selection.pk, "notice": notice.pk},
    )
    return notice


@dataclass(frozen=True)
class ListResult:
    """What became of one plan when the list was made final."""

    plan: PilotPlan
    selected: bool
    reason: str = ""


@transaction.atomic
def selection_finalise(*, actor, call: PilotCall) -> PilotCall:
    """Close the notice and make the list final (see ``apply_final_list``). Refused, with the notices
    app's reasons, while the period runs or an objection is undecided."""
    from notices.models import PublicNotice
    from notices.services import notice_can_finalise, notice_finalise

    from ..selectors_money import call_notice

    if not can_propose_selection(actor):
        raise PermissionDenied(_("只有工信厅经办人可以确定名单。"))
    call = PilotCall.objects.get(pk=call.pk)
    _require_call_status(call, PilotCall.Status.IN_NOTICE)
    notice = call_notice(call)
    if notice is None:
        raise ValidationError(_("本批次没有公示，不能确定名单。"), code="no_notice")
    if notice.status != PublicNotice.Status.FINAL:  # (final already: finalised on the notices pages)
        ok, reasons = notice_can_finalise(notice)
        if not ok:
            raise ValidationError(list(reasons), code="notice_open")
        # Locks the notice (then the call: the same order as when the notice is finalised on its own page)
        # and runs the finalise hook of pilots.pilotcall, which is apply_final_list when registered.
        notice_finalise(actor=actor, notice=notice)
    apply_final_list(actor=actor, notice=notice)  # does nothing if the hook has done it
    call.refresh_from_db()
    return call


@transaction.atomic
def apply_final_list(*, actor, notice) -> list[ListResult]:
    """The outcome of a finalised notice of a call's list: a plan listed and not withdrawn becomes
    SELECTED, every other plan still in the running NOT_SELECTED (the reason in its audit event); the call
    FINAL. Each bureau is e-mailed its result after commit. Idempotent: a call already FINAL is left alone.

    Also the notices finalise hook for ``pilots.pilotcall`` (``register_finalise_hook``), so that a notice
    finalised from the notices pages makes the list final too."""
    from notices.models import NoticeEntry, PublicNotice

    notice = PublicNotice.objects.get(pk=notice.pk)
    if notice.subject_type_id != ContentType.objects.get_for_model(PilotCall).pk:
        raise ValueError("not the notice of a call's list")
    call = PilotCall.objects.select_for_update(of=("self",)).get(pk=notice.subject_id)
    if call.status != PilotCall.Status.IN_NOTICE or notice.status != PublicNotice.Status.FINAL:
        return []
    plan_type = ContentType.objects.get_for_model(PilotPlan)
    # Read after the notice is final: no entry can be withdrawn any more.
    entries = {entry.subject_id: entry for entry in NoticeEntry.objects.filter(notice=notice, subject_type=plan_type)}
    plans = (
        PilotPlan.objects.select_for_update(of=("self",))
        .select_related("region", "call", "applicant")
        .filter(call=call, status__in=[Status.IN_REVIEW, Status.SHORTLISTED])
        .order_by("pk")
    )
    results = []
    with translation.override(settings.LANGUAGE_CODE):
        for plan in plans:
            entry = entries.get(plan.pk)
            if entry is not None and not entry.withdrawn:
                move_plan(plan, actor=actor, action="plan.select", to=Status.SELECTED, extra={"notice": notice.pk})
                results.append(ListResult(plan=plan, selected=True))
                continue
            if entry is not None:
                reason = _("异议成立：%(reason)s") % {"reason": entry.withdrawn_reason.strip() or _("未说明")}
            else:
                reason = _("未入选初步名单")
            move_plan(
                plan,
                actor=actor,
                action="plan.not_select",
                to=Status.NOT_SELECTED,
                extra={"notice": notice.pk, "reasons": reason},
            )
            results.append(ListResult(plan=plan, selected=False, reason=reason))
    _move_call(call, actor=actor, action="call.finalise_list", to=PilotCall.Status.FINAL, extra={"notice": notice.pk})
    mails = result_mails(call, results)
    transaction.on_commit(lambda: send_result_mails(mails), robust=True)
    return results


def bureau_addresses(organisation_ids) -> dict[int, list[str]]:
    """The e-mail addresses of the applicant users of each organisation, in one query."""
    rows = (
        get_user_model()
        .objects.filter(membership__organisation_id__in=organisation_ids, groups__name=Role.APPLICANT, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("membership__organisation_id", "email")
    )
    addresses: dict[int, list[str]] = {}
    for organisation_id, email in rows:
        addresses.setdefault(organisation_id, []).append(email)
    return addresses


def result_mails(call: PilotCall, results: list[ListResult]) -> list[tuple[str, str, list[str]]]:
    """One (subject, message, recipients) per plan whose bureau has an address, in Chinese."""
    addresses = bureau_addresses({result.plan.applicant_id for result in results})
    mails = []
    with translation.override(settings.LANGUAGE_CODE):
        for result in results:
            recipients = addresses.get(result.plan.applicant_id)
            if not recipients:
                continue
            values = {
                "region": result.plan.region.name,
                "title": result.plan.title,
                "call": call.title,
                "year": call.year,
            }
            if result.selected:
                subject = _("【智改数转】%(call)s：贵盟市已确定为试点") % values
                message = (
                    _(
                        "%(region)s工业和信息化局：\n\n贵单位申报的《%(title)s》经专家评审和公示，"
                        "已确定为%(year)s年自治区制造业数字化转型试点。自治区工业和信息化厅将据此批复总体方案，"
                        "请留意平台通知。"
                    )
                    % values
                )
            else:
                subject = _("【智改数转】%(call)s：遴选结果") % values
                message = _(
                    "%(region)s工业和信息化局：\n\n贵单位申报的《%(title)s》未入选%(year)s年自治区制造业数字化转型试点。"
                    "\n原因：%(reason)s"
                ) % {**values, "reason": result.reason}
            mails.append((subject, message, recipients))
    return mails


def send_result_mails(mails: list[tuple[str, str, list[str]]]) -> None:
    for subject, message, recipients in mails:
        send_mail(subject, message, None, recipients)

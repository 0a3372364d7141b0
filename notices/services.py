"""Every write of notices: publish, file and handle objections, finalise, and the Department's holiday
corrections. Keyword-only, one transaction each, the rows they change locked, an audit event inside.

Subjects are generic: the caller (pilots, subsidies) passes its own objects, and may register a hook that
runs when its notice is finalised (``register_finalise_hook``)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import organisation_of
from audit import context
from audit.services import record_event
from documents.services import document_store
from documents.validation import IMAGES, PDF

from .calendar import add_working_days, next_working_day, today_in_china
from .models import HolidayOverride, NoticeEntry, Objection, PublicNotice

ATTACHMENT_TYPES = frozenset({PDF, *IMAGES})
PROPOSED = (Objection.Status.PROPOSED_UPHOLD, Objection.Status.PROPOSED_DISMISS)

_finalise_hooks: dict[str, Callable] = {}


@dataclass(frozen=True)
class EntrySpec:
    """One line of a notice: who (``label``, e.g. the league/city), what (``title``), a short ``detail``
    (e.g. the score), and the caller's object it stands for (``subject``)."""

    label: str
    title: str
    detail: str
    subject: models.Model


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def default_how_to_object(*, starts_on: date, ends_on: date, working_days: int) -> str:
    return _(
        "公示期为%(start)s至%(end)s（%(days)s个工作日）。"
        "对公示内容有异议的，请在公示期内通过本公示页面的在线异议表提出，"
        "须如实填写异议人姓名（或单位名称）和联系方式，写明异议的事实和理由，并可附证明材料。"
        "匿名异议、逾期提出的异议不予受理。"
    ) % {"start": chinese_date(starts_on), "end": chinese_date(ends_on), "days": working_days}


def register_finalise_hook(model_label: str, hook: Callable) -> None:
    """``hook(actor=…, notice=…)`` runs inside ``notice_finalise``'s transaction for notices whose subject
    is of that model ("app_label.model"), e.g. to mark the selected plans. Register in AppConfig.ready()."""
    _finalise_hooks[model_label.lower()] = hook


# Publishing ---------------------------------------------------------------------------------------------


@transaction.atomic
def notice_publish(
    *,
    actor,
    subject: models.Model,
    title: str,
    body: str,
    entries: list[EntrySpec],
    working_days: int,
    starts_on: date | None = None,
    how_to_object: str | None = None,
) -> PublicNotice:
    """Publish a notice of ``entries`` for ``working_days`` working days from ``starts_on`` (default today in
    China), moved to the next working day if that is not one. One notice per subject. The PDF is rendered
    after commit."""
    publisher = organisation_of(actor)
    if publisher is None:
        raise ValidationError(_("发布人不属于任何机构，不能发布公示。"))
    if working_days < 1:
        raise ValidationError(_("公示期至少为1个工作日。"))
    if not entries:
        raise ValidationError(_("公示名单不能为空。"))
    subject_type = ContentType.objects.get_for_model(subject)
    if PublicNotice.objects.filter(subject_type=subject_type, subject_id=subject.pk).exists():
        raise ValidationError(_("该事项已发布过公示，不能重复发布。"), code="duplicate")
    starts_on = next_working_day(starts_on or today_in_china())
    ends_on = add_working_days(starts_on, working_days)
    notice = PublicNotice(
        title=title.strip(),
        body=body.strip(),
        how_to_object=(how_to_object or "").strip()
        or default_how_to_object(starts_on=starts_on, ends_on=ends_on, working_days=working_days),
        starts_on=starts_on,
        ends_on=ends_on,
        working_days=working_days,
        published_by=actor,
        published_at=timezone.now(),
        publisher=publisher,
        subject_type=subject_type,
        subject_id=subject.pk,
    )
    notice.full_clean(validate_constraints=False)  # the one-per-subject constraint is checked above and below
    try:
        with transaction.atomic():  # a concurrent publisher of the same subject loses here
            notice.save()
    except IntegrityError as error:
        raise ValidationError(_("该事项已发布过公示，不能重复发布。"), code="duplicate") from error
    rows = []
    for position, spec in enumerate(entries, start=1):
        entry = NoticeEntry(
            notice=notice,
            position=position,
            label=spec.label,
            title=spec.title,
            detail=spec.detail or "",
            subject_type=ContentType.objects.get_for_model(spec.subject),
            subject_id=spec.subject.pk,
        )
        entry.full_clean(exclude=["notice"], validate_constraints=False)
        rows.append(entry)
    NoticeEntry.objects.bulk_create(rows)
    record_event(
        actor=actor,
        action="notice.publish",
        target=notice,
        changes={
            "title": notice.title,
            "subject": f"{subject_type.app_label}.{subject_type.model}#{subject.pk}",
            "starts_on": starts_on,
            "ends_on": ends_on,
            "working_days": working_days,
            "entries": [f"{entry.label} · {entry.title}" for entry in rows],
        },
    )
    from .tasks import render_notice_pdf

    # robust: a failed render is logged and retried; it never undoes the publication (the public PDF view
    # renders a missing PDF on first request as well).
    transaction.on_commit(lambda: render_notice_pdf.delay(notice.pk), robust=True)
    return notice


# Objections ---------------------------------------------------------------------------------------------


def _lock_notice(notice: PublicNotice) -> PublicNotice:
    return PublicNotice.objects.select_for_update(of=("self",)).select_related("publisher").get(pk=notice.pk)


def _lock_objection(objection: Objection) -> Objection:
    return Objection.objects.select_for_update().get(pk=objection.pk)


def objection_period_error(notice: PublicNotice, today: date) -> str | None:
    """Why an objection to ``notice`` is not accepted on ``today`` (in China), or None if it is."""
    if notice.status != PublicNotice.Status.PUBLISHED or notice.has_ended(today):
        return _("公示期已于%(end)s结束，逾期提出的异议不予受理。") % {"end": chinese_date(notice.ends_on)}
    if not notice.has_started(today):
        return _("公示期自%(start)s开始，此前不受理异议。") % {"start": chinese_date(notice.starts_on)}
    return None


@transaction.atomic
def objection_file(
    *,
    notice: PublicNotice,
    entry: NoticeEntry,
    name: str,
    contact: str,
    grounds: str,
    attachment=None,
) -> Objection:
    """File an objection from the public form (no actor: the public is anonymous). The notice row is
    locked, so an objection never slips in beside ``notice_finalise``. The client's IP address comes from
    the audit request context."""
    notice = _lock_notice(notice)
    error = objection_period_error(notice, today_in_china())
    if error:
        raise ValidationError(error, code="closed")
    if entry.notice_id != notice.pk:
        raise ValidationError(_("请选择本公示中的条目。"), code="entry")
    if entry.withdrawn:
        raise ValidationError(_("该条目已撤销，不再受理异议。"), code="entry")
    objection = Objection(
        notice=notice,
        entry=entry,
        name=name.strip(),
        contact=contact.strip(),
        grounds=grounds.strip(),
        submitted_at=timezone.now(),
        ip_address=context.current().ip_address or None,
    )
    objection.full_clean(exclude=["notice", "entry", "attachment"])
    objection.save()
    if attachment is not None:
        objection.attachment = document_store(
            actor=None,
            uploaded=attachment,
            organisation=notice.publisher,
            allowed=ATTACHMENT_TYPES,
            purpose="objection_attachment",
            owner=objection,
        )
        objection.save(update_fields=["attachment"])
    # Name and contact stay out of the append-only log: they are personal data the objection row keeps.
    record_event(
        actor=None,
        action="objection.file",
        target=objection,
        changes={
            "notice": notice.pk,
            "entry": f"{entry.label} · {entry.title}",
            "reference": objection.reference,
            "attachment": objection.attachment_id,
        },
        organisation=notice.publisher,
    )
    return objection


@transaction.atomic
def objection_propose(*, actor, objection: Objection, uphold: bool, investigation: str, reason: str) -> Objection:
    """The officer's investigation and proposed decision, for a leader to confirm."""
    objection = _lock_objection(objection)
    if objection.status != Objection.Status.OPEN:
        raise ValidationError(_("该异议当前不是待调查状态，不能提出处理意见。"), code="status")
    investigation, reason = investigation.strip(), reason.strip()
    problems = []
    if not investigation:
        problems.append(_("请填写调查情况。"))
    if not reason:
        problems.append(_("请填写处理意见及理由。"))
    if problems:
        raise ValidationError(problems, code="required")
    to = Objection.Status.PROPOSED_UPHOLD if uphold else Objection.Status.PROPOSED_DISMISS
    objection.status = to
    objection.investigation = investigation
    objection.decision_reason = reason
    objection.decided_by = actor
    objection.decided_at = timezone.now()
    objection.save(update_fields=["status", "investigation", "decision_reason", "decided_by", "decided_at"])
    record_event(
        actor=actor,
        action="objection.propose",
        target=objection,
        changes={"status": [Objection.Status.OPEN, to], "investigation": investigation, "reason": reason},
    )
    return objection


@transaction.atomic
def objection_confirm(*, actor, objection: Objection, comment: str = "") -> Objection:
    """The leader confirms the proposal. An upheld objection withdraws its entry from the list."""
    objection = _lock_objection(objection)
    if objection.status not in PROPOSED:
        raise ValidationError(_("该异议没有待确认的处理意见。"), code="status")
    before = objection.status
    upheld = before == Objection.Status.PROPOSED_UPHOLD
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.confirmed_by = actor
    objection.confirmed_at = timezone.now()
    objection.leader_comment = comment.strip()
    objection.save(update_fields=["status", "confirmed_by", "confirmed_at", "leader_comment"])
    record_event(
        actor=actor,
        action="objection.confirm",
        target=objection,
        changes={"status": [before, objection.status], "comment": objection.leader_comment},
    )
    if upheld:
        entry = NoticeEntry.objects.select_for_update().get(pk=objection.entry_id)
        if not entry.withdrawn:
            entry.withdrawn = True
            entry.withdrawn_reason = objection.decision_reason
            entry.save(update_fields=["withdrawn", "withdrawn_reason"])
            record_event(
                actor=actor,
                action="notice_entry.withdraw",
                target=entry,
                changes={"withdrawn": [False, True], "reason": entry.withdrawn_reason, "objection": objection.pk},
            )
    return objection


@transaction.atomic
def objection_return(*, actor, objection: Objection, comment: str) -> Objection:
    """The leader sends the proposal back to the officer, with a comment; the investigation is kept."""
    objection = _lock_objection(objection)
    if objection.status not in PROPOSED:
        raise ValidationError(_("该异议没有待确认的处理意见。"), code="status")
    comment = comment.strip()
    if not comment:
        raise ValidationError(_("退回时请填写意见。"), code="required")
    before = objection.status
    objection.status = Objection.Status.OPEN
    objection.leader_comment = comment
    objection.decided_by = None
    objection.decided_at = None
    objection.save(update_fields=["status", "leader_comment", "decided_by", "decided_at"])
    record_event(
        actor=actor,
        action="objection.return",
        target=objection,
        changes={"status": [before, Objection.Status.OPEN], "comment": comment},
    )
    return objection


# Finalising ---------------------------------------------------------------------------------------------


def notice_can_finalise(notice: PublicNotice, *, today: date | None = None) -> tuple[bool, list[str]]:
    """Whether the notice's result may be fixed: the period is over and every objection is decided.
    Returns the reasons (in Chinese) when it may not."""
    if notice.status == PublicNotice.Status.FINAL:
        return False, [_("公示结果已确定。")]
    today = today or today_in_china()
    reasons = []
    if not notice.has_ended(today):
        reasons.append(_("公示期尚未结束（截止%(end)s）。") % {"end": chinese_date(notice.ends_on)})
    still_open = notice.objections.filter(status__in=Objection.OPEN_STATUSES).count()
    if still_open:
        reasons.append(_("尚有%(count)d条异议未处理完毕。") % {"count": still_open})
    return not reasons, reasons


@transaction.atomic
def notice_finalise(*, actor, notice: PublicNotice) -> PublicNotice:
    """Fix the result: status FINAL. The entries (withdrawn or not) are the outcome the subject's app reads."""
    notice = _lock_notice(notice)
    allowed, reasons = notice_can_finalise(notice)
    if not allowed:
        raise ValidationError(reasons, code="not_ready")
    notice.status = PublicNotice.Status.FINAL
    notice.finalised_by = actor
    notice.finalised_at = timezone.now()
    notice.save(update_fields=["status", "finalised_by", "finalised_at"])
    withdrawn = list(notice.entries.filter(withdrawn=True).values_list("label", flat=True))
    record_event(
        actor=actor,
        action="notice.finalise",
        target=notice,
        changes={"status": [PublicNotice.Status.PUBLISHED, PublicNotice.Status.FINAL], "withdrawn": withdrawn},
    )
    subject_type = ContentType.objects.get_for_id(notice.subject_type_id)
    hook = _finalise_hooks.get(f"{subject_type.app_label}.{subject_type.model}")
    if hook is not None:
        hook(actor=actor, notice=notice)
    return notice


# Holiday corrections ------------------------------------------------------------------------------------


@transaction.atomic
def holiday_override_create(*, actor, day: date, is_working_day: bool, note: str = "") -> HolidayOverride:
    """Correct the official calendar for one day. Notices already published keep their dates."""
    override = HolidayOverride(date=day, is_working_day=is_working_day, note=note.strip())
    override.full_clean()
    override.save()
    record_event(
        actor=actor,
        action="holiday_override.create",
        target=override,
        changes={"date": day, "is_working_day": is_working_day, "note": override.note},
    )
    return override


@transaction.atomic
def holiday_override_delete(*, actor, override: HolidayOverride) -> None:
    override = HolidayOverride.objects.select_for_update().get(pk=override.pk)
    record_event(
        actor=actor,
        action="holiday_override.delete",
        target=override,
        changes={"date": override.date, "is_working_day": override.is_working_day, "note": override.note},
    )
    override.delete()

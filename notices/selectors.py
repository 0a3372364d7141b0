"""Reads of notices, each in a fixed number of queries. The public selectors show every notice (notices are
public by nature) but never an objection; the internal ones are for the roles in ``permissions.READERS``."""

from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.inbox import InboxItem
from accounts.permissions import has_role
from accounts.roles import Role

from .calendar import today_in_china
from .models import CHINA, HolidayOverride, NoticeEntry, Objection, PublicNotice
from .permissions import can_list_notices, get_notice_for_user_or_404

INBOX_LIMIT = 50


# Public -------------------------------------------------------------------------------------------------


def public_notice_list() -> QuerySet[PublicNotice]:
    return PublicNotice.objects.select_related("publisher").order_by("-published_at", "-pk")


def get_public_notice_or_404(pk) -> PublicNotice:
    """A notice with its publisher and entries: two queries whatever the number of entries."""
    notice = (
        PublicNotice.objects.select_related("publisher")
        .prefetch_related(Prefetch("entries", queryset=NoticeEntry.objects.order_by("position")))
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise Http404
    return notice


def get_public_notice_pdf_or_404(pk) -> PublicNotice:
    notice = PublicNotice.objects.select_related("pdf").filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def get_public_objection_or_404(notice: PublicNotice, pk) -> Objection:
    """For the objector's confirmation page only (reached through a signed link)."""
    objection = Objection.objects.select_related("entry").filter(notice=notice, pk=pk).first()
    if objection is None:
        raise Http404
    return objection


def notice_for_subject(subject: Model) -> PublicNotice | None:
    """The notice published for ``subject`` (e.g. a preliminary list), with its entries, or None."""
    return (
        PublicNotice.objects.prefetch_related(Prefetch("entries", queryset=NoticeEntry.objects.order_by("position")))
        .filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk)
        .first()
    )


# Internal (the Department and the auditor) --------------------------------------------------------------


def _open_objections() -> Q:
    return Q(objections__status__in=Objection.OPEN_STATUSES)


def notice_list(user) -> QuerySet[PublicNotice]:
    """Every notice with its objection counts, for the roles that handle or audit them."""
    if not can_list_notices(user):
        return PublicNotice.objects.none()
    return public_notice_list().annotate(
        objection_count=Count("objections"), open_objection_count=Count("objections", filter=_open_objections())
    )


def notice_detail(user, pk) -> tuple[PublicNotice, list[NoticeEntry], list[Objection]]:
    """The notice, its entries and every objection (with entry and attachment), in fixed queries."""
    notice = get_notice_for_user_or_404(user, pk)
    entries = list(NoticeEntry.objects.filter(notice=notice).order_by("position"))
    objections = list(
        Objection.objects.filter(notice=notice).select_related("entry", "attachment").order_by("submitted_at", "pk")
    )
    return notice, entries, objections


def holiday_overrides() -> QuerySet[HolidayOverride]:
    return HolidayOverride.objects.order_by("-date")


# Inbox --------------------------------------------------------------------------------------------------


def inbox_items(user) -> list[InboxItem]:
    """What waits for the user in notices: the officer investigates open objections and finalises notices
    whose period is over with nothing open; the leader confirms proposed decisions. One query per kind."""
    items: list[InboxItem] = []
    if has_role(user, Role.DEPARTMENT_OFFICER):
        items += _objection_items(
            Objection.objects.filter(status=Objection.Status.OPEN), title=_("调查异议并提出处理意见")
        )
        items += _finalisable_notice_items()
    if has_role(user, Role.DEPARTMENT_LEADER):
        items += _objection_items(
            Objection.objects.filter(status__in=[Objection.Status.PROPOSED_UPHOLD, Objection.Status.PROPOSED_DISMISS]),
            title=_("确认异议处理意见"),
            since="decided_at",
            exclude_user=user,
        )
    return items


def _objection_items(objections, *, title: str, since: str = "submitted_at", exclude_user=None) -> list[InboxItem]:
    if exclude_user is not None:  # a leader never confirms their own proposal (see permissions)
        objections = objections.exclude(decided_by_id=exclude_user.pk)
    rows = objections.select_related("notice", "entry").order_by(since, "pk")[:INBOX_LIMIT]
    return [
        InboxItem(
            title=str(title),
            subject=f"{objection.notice.title} · {objection.entry.label}（{objection.reference}）",
            created=getattr(objection, since) or objection.submitted_at,
            url=reverse("notices:objection_detail", kwargs={"pk": objection.pk}),
        )
        for objection in rows
    ]


def _finalisable_notice_items() -> list[InboxItem]:
    notices = (
        PublicNotice.objects.filter(status=PublicNotice.Status.PUBLISHED, ends_on__lt=today_in_china())
        .annotate(open_count=Count("objections", filter=_open_objections()))
        .filter(open_count=0)
        .order_by("ends_on", "pk")[:INBOX_LIMIT]
    )
    return [
        InboxItem(
            title=_("公示期已结束，确定公示结果"),
            subject=notice.title,
            # Waiting since the period ended: 00:00 of the day after ends_on, in China.
            created=datetime.combine(notice.ends_on + timedelta(days=1), time.min, tzinfo=CHINA),
            url=reverse("notices:notice_manage", kwargs={"pk": notice.pk}),
        )
        for notice in notices
    ]

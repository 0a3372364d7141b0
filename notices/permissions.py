"""Who may do what with notices and objections, inside the portal. Not found and not allowed look the same
(404). The public pages need no check: every published notice is public, and they never show an
objector's name or contact."""

from collections.abc import Callable

from django.http import Http404

from accounts.permissions import has_role
from accounts.roles import Role

from .models import HolidayOverride, Objection, PublicNotice

# The Department handles objections; the auditor reads everything, changes nothing.
HANDLERS = (Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER)
READERS = (*HANDLERS, Role.AUDITOR)


def can_list_notices(user) -> bool:
    return has_role(user, *READERS)


def can_view_notice(user, notice: PublicNotice) -> bool:
    return can_list_notices(user)


def can_finalise_notice(user, notice: PublicNotice) -> bool:
    return notice.status == PublicNotice.Status.PUBLISHED and has_role(user, Role.DEPARTMENT_OFFICER)


def can_view_objection(user, objection: Objection) -> bool:
    """Also the one rule for the objector's name and contact: only these roles ever see an objection."""
    return has_role(user, *READERS)


def can_investigate_objection(user, objection: Objection) -> bool:
    return objection.status == Objection.Status.OPEN and has_role(user, Role.DEPARTMENT_OFFICER)


def can_confirm_objection(user, objection: Objection) -> bool:
    """Only a leader, and never the one who proposed the decision (four eyes)."""
    return (
        objection.status in (Objection.Status.PROPOSED_UPHOLD, Objection.Status.PROPOSED_DISMISS)
        and has_role(user, Role.DEPARTMENT_LEADER)
        and objection.decided_by_id != user.pk
    )


def can_view_holidays(user) -> bool:
    return has_role(user, *READERS)


def can_manage_holidays(user) -> bool:
    return has_role(user, Role.DEPARTMENT_OFFICER)


def get_notice_for_user_or_404(user, pk, *, check: Callable = can_view_notice) -> PublicNotice:
    notice = PublicNotice.objects.select_related("publisher", "pdf").filter(pk=pk).first()
    if notice is None or not check(user, notice):
        raise Http404
    return notice


def get_objection_for_user_or_404(user, pk, *, check: Callable = can_view_objection) -> Objection:
    objection = (
        Objection.objects.select_related("notice__publisher", "entry", "attachment", "decided_by", "confirmed_by")
        .filter(pk=pk)
        .first()
    )
    if objection is None or not check(user, objection):
        raise Http404
    return objection


def get_holiday_override_for_user_or_404(user, pk) -> HolidayOverride:
    override = HolidayOverride.objects.filter(pk=pk).first()
    if override is None or not can_manage_holidays(user):
        raise Http404
    return override

"""Who a user is: their organisation and roles, read once per request and cached on the user.

Domain apps build their ``can_<verb>_<noun>`` checks from these helpers.
"""

from django.contrib.auth.models import AnonymousUser

from .models import Membership, Organisation
from .roles import PROVINCE_WIDE_READERS, Role


def roles_of(user) -> frozenset[str]:
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_cache = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user).intersection(roles))


def organisation_of(user) -> Organisation | None:
    if not roles_of(user):
        return None
    if not hasattr(user, "_organisation_cache"):
        membership = Membership.objects.select_related("organisation__region__parent").filter(user_id=user.pk).first()
        user._organisation_cache = membership.organisation if membership else None
    return user._organisation_cache


def is_province_wide_reader(user) -> bool:
    return bool(roles_of(user).intersection(PROVINCE_WIDE_READERS))


def is_auditor(user) -> bool:
    return has_role(user, Role.AUDITOR)

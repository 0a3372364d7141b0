"""The username django-axes records and locks for a failed login.

What was typed, cut to the longest username there can be and without NUL characters: a longer name cannot
belong to an account, and as typed it would not fit axes's 255-character column (PostgreSQL refuses it, and
the login page would fail with a 500 instead of saying the login was wrong)."""

from django.conf import settings
from django.contrib.auth import get_user_model


def lockout_username(request, credentials: dict | None = None) -> str | None:
    field = settings.AXES_USERNAME_FORM_FIELD
    value = credentials.get(field) if credentials else getattr(request, "data", request.POST).get(field)
    if not isinstance(value, str):
        return value
    longest = get_user_model()._meta.get_field("username").max_length
    return value.replace("\x00", "")[:longest]

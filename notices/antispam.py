"""Spam resistance for the public objection form, without a captcha: a honeypot field (``forms.py``), a
signed form token that must be at least a few seconds and at most two hours old, and a per-IP limit of
filings per notice and hour in the Django cache.

The cache is per process unless a shared cache (Redis, ``REDIS_URL``) is configured; with several
processes on the default local-memory cache the limit applies per process."""

import time

from django.core import signing
from django.core.cache import cache

FORM_SALT = "notices.objection-form"
TOKEN_MIN_AGE = 3  # seconds: no person reads a notice and writes grounds faster
TOKEN_MAX_AGE = 2 * 60 * 60
RATE_LIMIT = 5  # objections per IP address, per notice, per window
RATE_WINDOW = 60 * 60


class TokenProblem(Exception):
    """``code`` is "invalid", "too_fast" or "expired"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def issue_form_token(notice_id: int, *, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    return signing.dumps({"n": notice_id, "t": issued}, salt=FORM_SALT, compress=False)


def check_form_token(token: str, notice_id: int, *, now: float | None = None) -> None:
    """Raise ``TokenProblem`` unless ``token`` was issued for this notice between 3 seconds and 2 hours ago."""
    try:
        payload = signing.loads(token or "", salt=FORM_SALT)
        notice, issued = int(payload["n"]), int(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise TokenProblem("invalid") from error
    if notice != notice_id:
        raise TokenProblem("invalid")
    age = (now if now is not None else time.time()) - issued
    if age < TOKEN_MIN_AGE:
        raise TokenProblem("too_fast")
    if age > TOKEN_MAX_AGE:
        raise TokenProblem("expired")


def _rate_key(notice_id: int, ip_address: str | None) -> str:
    return f"notices:objections:{notice_id}:{ip_address or 'unknown'}"


def take_filing_slot(notice_id: int, ip_address: str | None) -> bool:
    """Count one filing attempt from this address for this notice; False once the limit is reached.
    The window starts with the first attempt and lasts an hour."""
    key = _rate_key(notice_id, ip_address)
    cache.add(key, 0, timeout=RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=RATE_WINDOW)
        count = 1
    return count <= RATE_LIMIT

"""Fixtures shared by every test: fast password hashing, private media in a temporary directory,
role-based users (see tests/factories.py) and the demo data set."""

import subprocess
from pathlib import Path

import pytest

from accounts.roles import Role

from .factories import ensure_role_groups
from .factories import make_user as _make_user

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def pytest_configure(config):
    """Compile stale message catalogs, so that a bare ``pytest`` sees the same Chinese and English as
    ``make test`` (which runs compilemessages first). The .mo files are git-ignored."""
    # WhiteNoise warns that STATIC_ROOT (var/static) does not exist until collectstatic: expected in tests.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
    stale = [
        po
        for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists() or po.stat().st_mtime > po.with_suffix(".mo").stat().st_mtime
    ]
    for po in stale:
        subprocess.run(["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
    if stale:
        from django.utils.translation import trans_real

        trans_real._translations = {}
        trans_real._default = None


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # A fast hasher: the demo set alone hashes 40 passwords; PBKDF2 would cost seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploaded files go to a per-test directory, never into var/media.
    settings.MEDIA_ROOT = tmp_path / "media"
    # The test client's host.
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]


@pytest.fixture
def make_user(db):
    """``make_user(role, organisation=None, **fields)``: a saved user with that role."""
    return _make_user


@pytest.fixture
def user_of(make_user):
    """``user_of(role)``: shorthand for a user with a role in a fresh organisation of the right kind."""
    return lambda role, **kwargs: make_user(Role(role), **kwargs)


@pytest.fixture
def demo(db):
    """The demo organisations and users (``load_demo_accounts`` + ``load_demo_experts``), by username."""
    from django.contrib.auth import get_user_model

    from accounts.demo import load_demo_accounts
    from evaluation.demo import load_demo_experts

    ensure_role_groups()
    load_demo_accounts()
    load_demo_experts()
    users = get_user_model().objects.select_related("membership__organisation__region").prefetch_related("groups")
    return {user.username: user for user in users}

"""Production settings refuse to start without a SECRET_KEY; with one they are secure by default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PROBE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
)


def run_settings(**env):
    # A clean environment: nothing from this test run (DEBUG=1, DATABASE_URL, …) leaks in.
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60
    )


def test_debug_off_without_secret_key_refuses_to_start():
    result = run_settings()
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


@pytest.mark.parametrize("debug", ["0", ""])
def test_falsy_debug_values_also_need_a_secret_key(debug):
    assert "SECRET_KEY must be set" in run_settings(DEBUG=debug).stderr


def test_debug_off_with_secret_key_is_secure():
    result = run_settings(SECRET_KEY="x" * 60, ALLOWED_HOSTS="example.gov.cn")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "31536000"]


def test_debug_on_runs_without_secret_key():
    result = run_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def _clean_env(**env):
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}


def test_the_web_server_entry_point_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"], cwd=BASE_DIR, env=_clean_env(), capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_manage_py_runs_in_development_in_a_checkout():
    """A developer's command (e.g. makemigrations --check) needs no environment; production sets DEBUG=0."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=_clean_env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=_clean_env(DEBUG="0"), capture_output=True, text=True
    )
    assert "SECRET_KEY must be set when DEBUG is off." in refused.stderr

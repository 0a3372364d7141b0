"""Security headers on real pages (CSP, frame denial, referrer policy, no sniffing; HSTS over HTTPS only),
the templates' markup that the CSP depends on, and ``manage.py check --deploy`` with production settings."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from config.csp import build_policy

from . import report

BASE_DIR = Path(__file__).resolve().parents[2]
TEMPLATES = BASE_DIR / "templates"
# An inline handler (onclick=…), a javascript: URL or a <script> without src: each refused by the CSP.
INLINE_SCRIPT = re.compile(r"""\son[a-z]+\s*=|javascript:|<script(?![^>]*\bsrc=)[^>]*>""", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    result = {}
    for part in header.split(";"):
        name, *values = part.split()
        result[name] = values
    return result


def check_html_headers(response) -> list[str]:
    problems = []
    policy = response.get("Content-Security-Policy")
    if not policy:
        return ["no Content-Security-Policy"]
    found = directives(policy)
    if found.get("script-src") != ["'self'"]:
        problems.append(f"script-src is {found.get('script-src')}, not only 'self'")
    for name, expected in (("object-src", ["'none'"]), ("frame-ancestors", ["'none'"]), ("base-uri", ["'self'"])):
        if found.get(name) != expected:
            problems.append(f"{name} is {found.get(name)}")
    if "unsafe-eval" in policy:
        problems.append("'unsafe-eval' allowed")
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options {response.get('X-Frame-Options')}")
    if response.get("Referrer-Policy") != "same-origin":
        problems.append(f"Referrer-Policy {response.get('Referrer-Policy')}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    return problems


@pytest.mark.django_db
def test_every_kind_of_page_sends_the_security_headers(client, world):
    """The login page, a public notice, the portal's home and a case page as a signed-in user."""
    notice = world.samples["notice"][0]
    plan = world.samples["plan"][0]
    pages = [(None, reverse("login")), (None, reverse("public_notices:notice_detail", args=[notice.pk]))]
    pages += [("dept", reverse("index")), ("dept", reverse("pilots:plan_detail", args=[plan.pk]))]
    failures = []
    for username, url in pages:
        client.logout()
        if username:
            client.force_login(world.principals["department_officer"].user)
        response = client.get(url)
        assert response.status_code == 200, url
        failures += [f"{url}: {problem}" for problem in check_html_headers(response)]
        report.counts["header_cases"] += 1
    report.counts["header_failures"] += len(failures)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_a_download_gets_no_page_policy_but_no_sniffing(client, world):
    notice = world.samples["notice"][0]
    response = client.get(reverse("public_notices:notice_pdf", args=[notice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Content-Security-Policy" not in response
    assert response["X-Content-Type-Options"] == "nosniff"
    b"".join(response.streaming_content)


@pytest.mark.django_db
def test_hsts_is_sent_over_https_only(client):
    with override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True):
        over_https = client.get(reverse("login"), secure=True)
        over_http = client.get(reverse("login"))
    assert over_https["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in over_http


@pytest.mark.django_db
def test_production_redirects_http_to_https_and_trusts_the_proxy_header(client):
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        plain = client.get(reverse("login"))
        behind_proxy = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert behind_proxy.status_code == 200


@pytest.mark.django_db
def test_report_only_mode_sends_the_same_policy_under_the_report_only_header(client):
    from config.csp import ContentSecurityPolicyMiddleware

    with override_settings(CSP_REPORT_ONLY=True):
        middleware = ContentSecurityPolicyMiddleware(lambda request: client.get(reverse("login")))
        response = middleware(None)
    assert response["Content-Security-Policy-Report-Only"] == build_policy(settings.CSP_DIRECTIVES)


def test_the_policy_text():
    assert build_policy({"default-src": ["'self'"], "img-src": ["'self'", "data:"]}) == (
        "default-src 'self'; img-src 'self' data:"
    )


def test_no_template_has_an_inline_script():
    """The CSP refuses inline scripts: a template with ``onclick=``, ``javascript:`` or an inline ``<script>``
    would silently lose that behaviour (a confirmation not asked!). Use data-confirm, data-once or
    data-autosubmit (static/js/portal.js) instead. The PDF templates are rendered by WeasyPrint, not served."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES).parts[0] == "pdf":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if INLINE_SCRIPT.search(line):
                offenders.append(f"{path.relative_to(BASE_DIR)}:{number}: {line.strip()[:120]}")
    assert not offenders, "inline scripts (blocked by the CSP):\n" + "\n".join(offenders)


def test_check_deploy_with_production_settings_has_no_warnings():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "check-deploy-" + "k3y-" * 15,
        "ALLOWED_HOSTS": "zhigai.example.gov.cn",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_are_secure_and_send_a_policy():
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY, "
        "'config.csp.ContentSecurityPolicyMiddleware' in s.MIDDLEWARE, s.CSP_REPORT_ONLY)"
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "zhigai.example.gov.cn",
    }
    result = subprocess.run([sys.executable, "-c", probe], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000", "True", "True", "True", "DENY", "same-origin", "True", "False"]

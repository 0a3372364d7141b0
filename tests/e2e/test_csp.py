"""The Content-Security-Policy (config/csp.py) in a real browser: the pages of the Material shell, the login
and the public notices load without a single violation, and the confirmations that used to be inline
handlers still ask (static/js/portal.js) — and a "no" still stops the submission."""

from unittest import mock

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from pilots.models import PilotPlan

from .pages import login, logout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Every CSP violation the page reports, and the console's "Refused to …" lines (Chromium logs both).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def demo_data(transactional_db):
    from tests.factories import ensure_role_groups
    from tests.pilots.factories import shipped_target_template

    ensure_role_groups()
    shipped_target_template()
    with mock.patch("pilots.tasks.render_version_pdf.delay"), mock.patch("notices.tasks.render_notice_pdf.delay"):
        call_command("load_demo", "--quiet")


def violations(page: Page, console: list[str]) -> list[str]:
    return page.evaluate("window.__cspViolations || []") + [line for line in console if "Content Security" in line]


def test_pages_load_without_csp_violations_and_confirmations_still_ask(page: Page, live_server, demo_data):
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    found: list[str] = []

    def visit(path: str) -> None:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        found.extend(f"{path}: {v}" for v in violations(page, console))
        console.clear()

    response = page.goto("/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # The recorder works: an inline script added to the page is refused and reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = 1'; "
        "document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.inlineRan") is None
    console.clear()
    for path in ("/accounts/login/", "/notices/"):
        visit(path)

    login(page, live_server.url, "bureau_150200")
    plan = PilotPlan.objects.filter(region__code="150200", status=PilotPlan.Status.DRAFT).order_by("pk").first()
    for path in ("/", "/pilots/", f"/pilots/plans/{plan.pk}/", f"/pilots/plans/{plan.pk}/chains/"):
        visit(path)
    # The status filter submits itself on change (data-autosubmit), through Turbo.
    page.goto("/pilots/")
    page.locator("select[name=status]").select_option("draft")
    page.wait_for_url("**/pilots/?status=draft")
    logout(page, live_server.url)

    login(page, live_server.url, "dept")
    submitted = PilotPlan.objects.filter(status=PilotPlan.Status.SUBMITTED).order_by("pk").first()
    check = f"/workflows/plans/{submitted.pk}/check/"
    visit(check)
    # A confirmation still asks; saying no leaves the plan as it was.
    asked: list[str] = []

    def decline(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("accept")).to_be_visible()
    assert asked == ["确定通过形式审查吗？"]
    submitted.refresh_from_db()
    assert submitted.status == PilotPlan.Status.SUBMITTED
    for path in ("/evaluation/calls/", "/notices/manage/", "/applications/rounds/", "/workflows/"):
        visit(path)

    assert not found, "\n".join(found)

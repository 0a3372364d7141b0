"""Every demo role logs in through the real login form and lands on its home page."""

import pytest

from accounts.demo import DEMO_PASSWORD
from accounts.permissions import organisation_of, roles_of
from accounts.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_ROLES = [
    ("dept", Role.DEPARTMENT_OFFICER),
    ("dept_leader", Role.DEPARTMENT_LEADER),
    ("finance", Role.FINANCE_DEPARTMENT),
    ("agency", Role.AGENCY_COORDINATOR),
    ("expert1", Role.EXPERT),
    ("auditor", Role.AUDITOR),
    ("bureau_150100", Role.APPLICANT),
    ("finbureau_150100", Role.COSIGNER),
    ("county_150102", Role.COUNTY_BUREAU),
    ("enterprise1", Role.ENTERPRISE),
]


def log_in(page, live_server, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.vf-form button[type=submit]")
    # The form is submitted by Hotwire Turbo (fetch); the URL changes when Turbo renders the redirect target.
    page.wait_for_url(f"{live_server.url}/")


def log_out(page, live_server) -> None:
    # The logout button sits in the navigation drawer; submit its form whether or not the drawer is open.
    page.locator("form[action='/accounts/logout/']").evaluate("form => form.requestSubmit()")
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_every_demo_role_lands_on_its_home_page(page, live_server, demo, artifacts_dir):
    for username, role in DEMO_ROLES:
        user = demo[username]
        assert role.value in roles_of(user)
        organisation = organisation_of(user)

        log_in(page, live_server, username)
        home = page.get_by_test_id("home")
        home.wait_for()
        assert organisation.name in home.inner_text()
        chip = home.locator(f"[data-role='{role.value}']")
        assert chip.inner_text().strip() == str(role.label)
        assert username in home.inner_text()
        page.screenshot(path=str(artifacts_dir / f"home-{username}.png"), full_page=True)

        log_out(page, live_server)
        # Logged out for real: the home page sends us back to the login form.
        page.goto("/")
        page.wait_for_url(f"{live_server.url}/accounts/login/?next=/")


def test_login_page_is_in_chinese(page, live_server):
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "登录" in page.title()
    body = page.locator("body").inner_text()
    assert "登录" in body
    assert "内蒙古自治区制造业智改数转管理平台" in body
    assert "Log in" not in body


def test_wrong_password_shows_the_chinese_error(page, live_server, demo):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "dept")
    page.fill("input[name=password]", "wrong-password")
    page.click("form.vf-form button[type=submit]")
    page.get_by_text("用户名或密码不正确").wait_for()
    assert page.url == f"{live_server.url}/accounts/login/"

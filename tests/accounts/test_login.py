"""Logging in: the lockout after five failures (django-axes) and the 30-minute idle timeout."""

import time

import pytest
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from accounts.middleware import SESSION_KEY
from accounts.roles import Role
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

LOCKED_TEXT = "连续5次登录失败，该账号已被锁定1小时"
WRONG = "not-the-password"


@pytest.fixture
def officer(make_user):
    return make_user(Role.DEPARTMENT_OFFICER, username="officer")


def attempt(client, password, username="officer"):
    return client.post(reverse("login"), {"username": username, "password": password})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_right_password_logs_in_and_is_audited(client, officer):
    response = attempt(client, DEMO_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert is_logged_in(client)
    assert AuditEvent.objects.filter(action="auth.login", actor=officer).count() == 1


def test_wrong_password_shows_the_chinese_error(client, officer):
    response = attempt(client, WRONG)
    assert response.status_code == 200
    assert "用户名或密码不正确。连续输错5次，账号将被锁定1小时。" in response.content.decode()
    assert not is_logged_in(client)


def test_five_failures_lock_the_account_even_for_the_right_password(client, officer):
    for _ in range(4):
        assert attempt(client, WRONG).status_code == 200
    fifth = attempt(client, WRONG)
    assert fifth.status_code == 429
    sixth = attempt(client, DEMO_PASSWORD)
    assert sixth.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in sixth.templates]
    page = sixth.content.decode()
    assert LOCKED_TEXT in page
    assert 'id="locked-out"' in page
    assert not is_logged_in(client)
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_the_lock_is_per_account_not_per_address(client, officer, make_user):
    make_user(Role.APPLICANT, username="neighbour")
    for _ in range(5):
        attempt(client, WRONG)
    # Same client address, other account: a bureau behind one NAT address is not locked out as a whole.
    assert attempt(client, DEMO_PASSWORD, username="neighbour").status_code == 302


def test_a_successful_login_before_the_limit_resets_the_count(client, officer):
    for _ in range(4):
        attempt(client, WRONG)
    assert attempt(client, DEMO_PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert attempt(client, WRONG).status_code == 200
    # 8 failures in all, but never 5 in a row: still allowed in.
    assert attempt(client, DEMO_PASSWORD).status_code == 302
    assert is_logged_in(client)


def set_last_activity(client, seconds_ago: int) -> None:
    session = client.session
    session[SESSION_KEY] = int(time.time()) - seconds_ago
    session.save()


def test_idle_session_is_logged_out_and_sent_to_login(client, officer):
    client.force_login(officer)
    assert client.get("/").status_code == 200
    set_last_activity(client, 31 * 60)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=%2F"
    assert not is_logged_in(client)
    login_page = client.get(response["Location"])
    assert "您已超过30分钟未操作，为安全起见已自动退出，请重新登录。" in login_page.content.decode()
    assert AuditEvent.objects.filter(action="auth.logout", actor=officer).exists()


def test_activity_within_thirty_minutes_keeps_the_session_and_refreshes_it(client, officer):
    client.force_login(officer)
    set_last_activity(client, 29 * 60)
    assert client.get("/").status_code == 200
    assert is_logged_in(client)
    assert time.time() - client.session[SESSION_KEY] < 5


def test_anonymous_home_goes_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

"""A database error outside a view (here: loading the session) gets the Chinese 503 page through handler500;
other errors keep Django's 500. Errors inside a view: tests/deploy/test_faults.py (a real dropped connection)."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError

from accounts.roles import Role


@pytest.fixture
def failing_session(client, make_user, monkeypatch):
    client.force_login(make_user(Role.APPLICANT))
    client.raise_request_exception = False

    def fail_with(error):
        def load(self):
            raise error

        monkeypatch.setattr(SessionStore, "load", load)

    return fail_with


def test_a_database_error_before_the_view_answers_503_in_chinese(client, failing_session):
    failing_session(OperationalError("server closed the connection unexpectedly"))
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "数据库连接中断，本次操作没有完成" in response.content.decode()


def test_any_other_error_is_still_a_plain_500(client, failing_session):
    failing_session(ValueError("a bug"))
    response = client.get("/")
    assert response.status_code == 500
    assert "数据库连接中断" not in response.content.decode()

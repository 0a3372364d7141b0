import contextlib

import pytest
from django.db import connection, transaction

from accounts.roles import Role
from audit.services import record_event


@contextlib.contextmanager
def rogue_dba():
    """What a superuser can do behind the application's back: switch the append-only trigger off."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def actor(make_user):
    return make_user(Role.DEPARTMENT_OFFICER)


@pytest.fixture
def target(actor):
    """Any model instance will do as the audited object: the actor's organisation."""
    return actor.membership.organisation


@pytest.fixture
def record(actor, target):
    """``record(n)``: append n events about one object (so all to one chain); return them in order."""

    def append(n: int = 1, *, action: str = "test.change", **kwargs):
        events = []
        for i in range(n):
            with transaction.atomic():
                events.append(record_event(actor=actor, action=action, target=target, changes={"step": i}, **kwargs))
        return events

    return append

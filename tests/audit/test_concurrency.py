"""Concurrent writers to one chain serialise on its head row: the chain stays whole, seq contiguous.

Runs on PostgreSQL (SQLite ignores select_for_update); each thread has its own connection."""

import threading

import pytest
from django.db import connection, connections, transaction

from accounts.roles import Role
from audit.models import AuditChain, AuditEvent
from audit.services import chain_name_for, record_event
from audit.verify import verify_chains

THREADS = 8
EVENTS_PER_THREAD = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_leave_a_valid_contiguous_chain(make_user):
    assert connection.vendor == "postgresql", "concurrency is only meaningful on PostgreSQL"
    actor = make_user(Role.DEPARTMENT_OFFICER)
    target = actor.membership.organisation
    chain = chain_name_for("accounts.organisation", str(target.pk))
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait(timeout=30)
            for i in range(EVENTS_PER_THREAD):
                with transaction.atomic():
                    record_event(
                        actor=actor, action="test.concurrent", target=target, changes={"thread": number, "i": i}
                    )
        except BaseException as error:  # collected and re-raised in the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors

    total = THREADS * EVENTS_PER_THREAD
    seqs = list(AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    assert AuditChain.objects.get(name=chain).length == total
    per_thread = {n: 0 for n in range(THREADS)}
    for changes in AuditEvent.objects.filter(chain=chain).values_list("changes", flat=True):
        per_thread[changes["thread"]] += 1
    assert per_thread == dict.fromkeys(range(THREADS), EVENTS_PER_THREAD)
    result = verify_chains()
    assert result.ok, [str(link) for link in result.broken]
    assert result.events == total

"""The audit log: appended per chain with seq and prev_hash, verified end to end, and tamper-evident."""

import io
import threading
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import InternalError, connection, transaction

from audit import context
from audit.hashing import HASHED_FIELDS, event_hash
from audit.models import GENESIS_HASH, AuditChain, AuditEvent
from audit.services import CHAIN_SHARDS, chain_name_for, diff, record_event
from audit.verify import verify_chains

from .conftest import rogue_dba

pytestmark = pytest.mark.django_db


def verify_command(*args) -> str:
    out = io.StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def broken_report(*args) -> tuple[str, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("audit_verify", *args, stdout=io.StringIO(), stderr=err)
    return str(caught.value), err.getvalue()


def forged_hash(**content) -> str:
    return event_hash(**{name: content[name] for name in HASHED_FIELDS})


def test_events_link_into_a_chain(record, actor, target):
    first, second, third = record(3)
    chain = chain_name_for("accounts.organisation", str(target.pk))
    assert [e.chain for e in (first, second, third)] == [chain] * 3
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    head = AuditChain.objects.get(name=chain)
    assert (head.length, head.head_hash) == (3, third.hash)
    stored = AuditEvent.objects.get(pk=second.pk)
    assert stored.actor == actor
    assert stored.actor_username == actor.username
    assert stored.organisation == target
    assert stored.target_type == "accounts.organisation"
    assert stored.target_id == str(target.pk)
    assert stored.changes == {"step": 1}
    assert stored.hash == event_hash(**{name: getattr(stored, name) for name in HASHED_FIELDS})


def test_chain_names_are_sharded_and_stable():
    names = {chain_name_for("pilots.pilotplan", str(pk)) for pk in range(200)}
    assert names == {f"pilots.pilotplan#{shard}" for shard in range(CHAIN_SHARDS)}
    assert chain_name_for("pilots.pilotplan", "42") == chain_name_for("pilots.pilotplan", "42")


def test_changes_are_stored_json_safe(actor, target):
    with transaction.atomic():
        event = record_event(
            actor=actor, action="test.money", target=target, changes={"amount": Decimal("1234.50"), "ratio": 0.5}
        )
    event.refresh_from_db()
    assert event.changes["amount"] == "1234.50"
    assert verify_chains().ok


def test_diff_lists_only_changed_fields():
    assert diff({"a": 1, "b": Decimal("2.00")}, {"a": 1, "b": Decimal("3.00"), "c": "x"}) == {
        "b": ["2.00", "3.00"],
        "c": [None, "x"],
    }


def test_anonymous_actor_is_recorded_as_nobody(target):
    from django.contrib.auth.models import AnonymousUser

    with transaction.atomic():
        event = record_event(actor=AnonymousUser(), action="public.objection", target=target)
    assert event.actor is None
    assert event.actor_username == ""


def test_record_event_outside_a_transaction_raises(actor, target):
    # The test body runs inside a transaction; a new thread has its own connection in autocommit mode,
    # like code that forgot transaction.atomic(). record_event must refuse before touching the database.
    errors = []

    def autocommit_caller():
        try:
            assert not connection.in_atomic_block
            record_event(actor=actor, action="test.change", target=target)
        except BaseException as error:  # collected for the main thread
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=autocommit_caller)
    thread.start()
    thread.join(timeout=30)
    assert len(errors) == 1
    assert isinstance(errors[0], RuntimeError)
    assert str(errors[0]) == "record_event must be called inside transaction.atomic()"
    assert not AuditEvent.objects.exists()


def test_a_rolled_back_change_leaves_no_event(actor, target, record):
    record(1)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        target.name = "改名后回滚"
        target.save()
        record_event(actor=actor, action="test.rename", target=target)
        raise Boom
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.change"]
    assert AuditChain.objects.get().length == 1
    assert verify_chains().ok


def test_audit_verify_passes_on_a_good_chain(record):
    record(5)
    output = verify_command()
    assert output.startswith("OK: 1 chains, 5 events verified in")


def test_audit_verify_can_check_one_chain(record, target):
    record(2)
    chain = chain_name_for("accounts.organisation", str(target.pk))
    assert "1 chains, 2 events" in verify_command("--chain", chain)


# --- the trigger ----------------------------------------------------------------------------------


def test_trigger_refuses_update(record):
    (event,) = record(1)
    with pytest.raises(InternalError, match="append-only: UPDATE refused"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="test.forged")
    with (
        pytest.raises(InternalError, match="append-only: UPDATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET changes = '{}'::jsonb")
    assert AuditEvent.objects.get().action == "test.change"


def test_trigger_refuses_delete(record):
    record(2)
    with pytest.raises(InternalError, match="append-only: DELETE refused"), transaction.atomic():
        AuditEvent.objects.all().delete()
    with (
        pytest.raises(InternalError, match="append-only: DELETE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 2


# --- tampering, as a rogue DBA would ------------------------------------------------------------


def test_edited_event_is_detected(record):
    events = record(4)
    with rogue_dba() as cursor:
        cursor.execute("UPDATE audit_auditevent SET changes = '{\"step\": 99}'::jsonb WHERE id = %s", [events[1].pk])
    result = verify_chains()
    assert not result.ok
    (link,) = result.broken
    assert (link.seq, link.event_id) == (2, events[1].pk)
    assert link.reason == "内容与哈希不符（该事件被改动）"
    message, stderr = broken_report()
    assert "audit chain broken: 1 chain(s) fail" in message
    assert f"BROKEN {link.chain} #2 (id {events[1].pk}): 内容与哈希不符" in stderr


def test_edited_event_with_recomputed_hash_breaks_the_next_link(record):
    events = record(3)
    stored = AuditEvent.objects.get(pk=events[0].pk)
    content = {name: getattr(stored, name) for name in HASHED_FIELDS}
    content["changes"] = {"step": "forged"}
    with rogue_dba() as cursor:
        cursor.execute(
            'UPDATE audit_auditevent SET changes = \'{"step": "forged"}\'::jsonb, hash = %s WHERE id = %s',
            [forged_hash(**content), events[0].pk],
        )
    (link,) = verify_chains().broken
    assert link.seq == 2
    assert link.reason.startswith("前一事件的哈希不符")


def test_deleted_middle_event_is_detected(record):
    events = record(5)
    with rogue_dba() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    (link,) = verify_chains().broken
    assert (link.seq, link.event_id) == (4, events[3].pk)
    assert link.reason == "序号不连续：应为 3，实为 4（有事件被删除或插入）"
    _, stderr = broken_report()
    assert "序号不连续" in stderr


def test_deleted_tail_event_is_detected_by_the_chain_head(record):
    events = record(3)
    with rogue_dba() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    (link,) = verify_chains().broken
    assert link.seq is None
    assert link.reason == "链头记录长度 3，实有 2 个事件（末尾事件被删除或插入）"
    _, stderr = broken_report()
    assert "链头" in stderr


def _insert(cursor, **row):
    columns = ", ".join(row)
    placeholders = ", ".join(["%s"] * len(row))
    # Column names come from HASHED_FIELDS, not from input.
    cursor.execute(f"INSERT INTO audit_auditevent ({columns}) VALUES ({placeholders})", list(row.values()))  # noqa: S608


def _forged_after(previous: AuditEvent, seq: int, **overrides) -> dict:
    row = {name: getattr(previous, name) for name in HASHED_FIELDS}
    row.update(seq=seq, prev_hash=previous.hash, action="test.forged", changes={"forged": True}, **overrides)
    row["hash"] = forged_hash(**row)
    row["actor_id"] = row.pop("actor_id")
    return row


def _as_sql_row(row: dict) -> dict:
    import json

    return {**row, "changes": json.dumps(row["changes"])}


def test_inserted_tail_event_with_a_valid_hash_is_detected_by_the_chain_head(record):
    events = record(2)
    last = AuditEvent.objects.get(pk=events[-1].pk)
    with rogue_dba() as cursor:
        _insert(cursor, **_as_sql_row(_forged_after(last, seq=3)))
    (link,) = verify_chains().broken
    assert link.reason == "链头记录长度 2，实有 3 个事件（末尾事件被删除或插入）"


def test_inserted_middle_event_is_detected(record):
    """Insert a forged event after #1 and renumber the rest by re-inserting them unchanged but for seq."""
    events = [AuditEvent.objects.get(pk=e.pk) for e in record(3)]
    forged = _forged_after(events[0], seq=2)
    with rogue_dba() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq > 1")
        _insert(cursor, **_as_sql_row(forged))
        for original in events[1:]:
            row = {name: getattr(original, name) for name in HASHED_FIELDS}
            row.update(seq=original.seq + 1, hash=original.hash)
            _insert(cursor, **_as_sql_row(row))
        cursor.execute("UPDATE audit_auditchain SET length = 4")
    (link,) = verify_chains().broken
    assert link.seq == 3
    assert link.reason.startswith("前一事件的哈希不符")


def test_events_of_a_chain_without_head_are_reported(record):
    (event,) = record(1)
    stored = AuditEvent.objects.get(pk=event.pk)
    row = {name: getattr(stored, name) for name in HASHED_FIELDS}
    row.update(chain="accounts.organisation#forged", seq=1, prev_hash=GENESIS_HASH)
    row["hash"] = forged_hash(**row)
    with rogue_dba() as cursor:
        _insert(cursor, **_as_sql_row(row))
    (link,) = verify_chains().broken
    assert (link.chain, link.reason) == ("accounts.organisation#forged", "链头记录缺失")


def test_rewriting_a_whole_tail_and_its_head_is_invisible_without_an_external_anchor(record):
    """The documented limit (docs/architecture.md): a superuser who rewrites events *and* the chain head
    consistently is caught only by comparing the head with a copy kept outside the database."""
    events = record(2)
    exported_head = AuditChain.objects.values_list("name", "length", "head_hash").get()
    last = AuditEvent.objects.get(pk=events[-1].pk)
    forged = _forged_after(AuditEvent.objects.get(pk=events[0].pk), seq=2)
    with rogue_dba() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
        _insert(cursor, **_as_sql_row(forged))
        cursor.execute("UPDATE audit_auditchain SET head_hash = %s", [forged["hash"]])
    assert verify_chains().ok
    assert AuditChain.objects.values_list("name", "length", "head_hash").get() != exported_head


# --- request context ------------------------------------------------------------------------------


def test_events_outside_a_request_carry_no_address():
    assert context.current() == context.RequestContext(ip_address=None, request_id="")


def test_events_written_during_a_request_carry_its_ip_and_request_id(client, make_user):
    from accounts.demo import DEMO_PASSWORD
    from accounts.roles import Role

    user = make_user(Role.APPLICANT, username="bureau")
    response = client.post(
        "/accounts/login/", {"username": "bureau", "password": DEMO_PASSWORD}, REMOTE_ADDR="10.20.30.40"
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.login", actor=user)
    assert event.ip_address == "10.20.30.40"
    assert len(event.request_id) == 32
    assert event.request_id == response["X-Request-ID"]
    # Each request has its own id, and the context does not outlive the request.
    assert client.get("/accounts/login/")["X-Request-ID"] != event.request_id
    assert context.current().request_id == ""


@pytest.mark.parametrize(
    ("address", "stored"),
    [
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
        ("", None),
    ],
)
def test_addresses_are_hashed_as_stored(actor, target, address, stored):
    # PostgreSQL's inet keeps IPv6 in canonical form; hashing the raw text would fail verification.
    token = context.bind(ip_address=address)
    try:
        with transaction.atomic():
            event = record_event(actor=actor, action="test.ip", target=target)
    finally:
        context.reset(token)
    event.refresh_from_db()
    assert event.ip_address == stored
    assert verify_chains().ok


@pytest.mark.parametrize("value", [1e20, 1.5e-7, 0.1, 3.0, -2.5e16])
def test_floats_in_changes_verify(actor, target, value):
    # jsonb stores numbers as numeric: 1e20 comes back as the integer 100000000000000000000.
    with transaction.atomic():
        record_event(actor=actor, action="test.float", target=target, changes={"value": value, "nested": [value]})
    assert verify_chains().ok

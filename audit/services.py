"""Writing the audit log. Every state-changing service calls ``record_event`` inside its own transaction."""

import hashlib

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from . import context
from .hashing import HASHED_FIELDS, event_hash, normalise
from .models import AuditChain, AuditEvent

CHAIN_SHARDS = getattr(settings, "AUDIT_CHAIN_SHARDS", 8)


def chain_name_for(target_type: str, target_id: str) -> str:
    """Events of one object always go to the same chain; objects of a type spread over a few chains,
    so that unrelated writers do not wait for one lock."""
    shard = int(hashlib.sha256(str(target_id).encode()).hexdigest(), 16) % CHAIN_SHARDS
    return f"{target_type}#{shard}"


def snapshot(instance: models.Model, fields: list[str] | tuple[str, ...]) -> dict:
    return normalise({name: getattr(instance, name) for name in fields})


def diff(before: dict, after: dict) -> dict:
    """``{field: [before, after]}`` for the fields that changed."""
    before, after = normalise(before), normalise(after)
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _stored_address(address: str | None) -> str | None:
    """The address as the database will return it (IPv6 in canonical form, "" as NULL), so that the
    hash computed here matches the one the verifier recomputes from the stored row."""
    if not address:
        return None
    return AuditEvent._meta.get_field("ip_address").to_python(address)


def record_event(
    *,
    actor,
    action: str,
    target: models.Model,
    changes: dict | None = None,
    organisation=None,
) -> AuditEvent:
    """Append one event to the target's chain. Must run inside the transaction of the change it records,
    so a rolled-back change leaves no event."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must be called inside transaction.atomic()")
    actor = actor if getattr(actor, "is_authenticated", False) else None
    if organisation is None and actor is not None:
        from accounts.permissions import organisation_of

        organisation = organisation_of(actor)
    target_type = target._meta.label_lower
    target_id = str(target.pk)
    chain_name = chain_name_for(target_type, target_id)
    AuditChain.objects.bulk_create([AuditChain(name=chain_name)], ignore_conflicts=True)
    chain = AuditChain.objects.select_for_update().get(name=chain_name)
    request = context.current()
    event = AuditEvent(
        chain=chain_name,
        seq=chain.length + 1,
        created_at=timezone.now(),
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        organisation=organisation,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=str(target)[:255],
        changes=normalise(changes),
        ip_address=_stored_address(request.ip_address),
        request_id=request.request_id,
        prev_hash=chain.head_hash,
    )
    event.hash = event_hash(**{name: getattr(event, name) for name in HASHED_FIELDS})
    event.save(force_insert=True)
    chain.length = event.seq
    chain.head_hash = event.hash
    chain.save(update_fields=["length", "head_hash"])
    return event

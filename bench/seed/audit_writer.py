"""Audit events in bulk: the same chains, sequence numbers and hashes as ``audit.services.record_event``
writes one at a time, so that ``manage.py audit_verify`` accepts them.

Events are grouped by their chain (``audit.services.chain_name_for``), sorted by time inside the chain,
linked to the chain's current head (an empty chain starts at the genesis hash), hashed with
``audit.hashing.event_hash`` and copied into the table with PostgreSQL's COPY. The head rows are locked
while a chain is appended to, like ``record_event`` does."""

import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from audit.hashing import event_hash, normalise
from audit.models import GENESIS_HASH, AuditChain, AuditEvent
from audit.services import chain_name_for

COLUMNS = (
    "chain",
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "organisation_id",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "changes",
    "ip_address",
    "request_id",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True, slots=True)
class Event:
    created_at: datetime
    action: str
    target_id: int
    target_repr: str
    changes: dict
    actor_id: int | None = None
    actor_username: str = ""
    organisation_id: int | None = None
    ip_address: str | None = None
    request_id: str = ""


ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One field in COPY's text format."""
    if value is None:
        return r"\N"
    return value.translate(ESCAPES) if isinstance(value, str) else str(value)


class AuditWriter:
    def __init__(self) -> None:
        self.written = 0
        self.organisation_of: dict[int, int] = {}

    def refresh_organisations(self) -> None:
        """Each user's organisation: ``record_event`` stores the actor's, so the bulk events do too."""
        from accounts.models import Membership

        self.organisation_of = dict(Membership.objects.values_list("user_id", "organisation_id"))

    def write(self, target_type: str, targets: Iterable, events_of: Callable[[object], Iterable[Event]]) -> int:
        """Append the events of every target (``events_of(target)``) to the targets' chains. ``target_type``
        is the model's ``_meta.label_lower``; each target needs a ``pk``. Returns the number written."""
        by_chain: dict[str, list] = defaultdict(list)
        for target in targets:
            by_chain[chain_name_for(target_type, str(target.pk))].append(target)
        count = 0
        for chain_name in sorted(by_chain):
            events = [event for target in by_chain[chain_name] for event in events_of(target)]
            count += self._append(chain_name, target_type, events)
        self.written += count
        return count

    @transaction.atomic
    def _append(self, chain_name: str, target_type: str, events: list[Event]) -> int:
        if not events:
            return 0
        events.sort(key=lambda event: (event.created_at, event.target_id))
        AuditChain.objects.bulk_create([AuditChain(name=chain_name)], ignore_conflicts=True)
        chain = AuditChain.objects.select_for_update().get(name=chain_name)
        seq, previous = chain.length, chain.head_hash or GENESIS_HASH
        buffer = io.StringIO()
        for event in events:
            seq += 1
            changes = normalise(event.changes)
            organisation_id = event.organisation_id
            if organisation_id is None and event.actor_id is not None:
                organisation_id = self.organisation_of.get(event.actor_id)
            content = {
                "chain": chain_name,
                "seq": seq,
                "created_at": event.created_at,
                "actor_id": event.actor_id,
                "actor_username": event.actor_username,
                "organisation_id": organisation_id,
                "action": event.action,
                "target_type": target_type,
                "target_id": str(event.target_id),
                "target_repr": event.target_repr[:255],
                "changes": changes,
                "ip_address": event.ip_address,
                "request_id": event.request_id,
                "prev_hash": previous,
            }
            digest = event_hash(**content)
            row = [
                chain_name,
                seq,
                event.created_at.isoformat(),
                event.actor_id,
                event.actor_username,
                organisation_id,
                event.action,
                target_type,
                str(event.target_id),
                event.target_repr[:255],
                json.dumps(changes, ensure_ascii=False),
                event.ip_address,
                event.request_id,
                previous,
                digest,
            ]
            buffer.write("\t".join(_copy_text(value) for value in row))
            buffer.write("\n")
            previous = digest
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {AuditEvent._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN",
                buffer,
            )
        chain.length, chain.head_hash = seq, previous
        chain.save(update_fields=["length", "head_hash"])
        return len(events)

"""The canonical content of an audit event and its SHA-256. Shared by the writer and the verifier."""

import hashlib
import json
from datetime import UTC, datetime


def canonical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalise(changes) -> dict:
    """JSON-safe and stable: Decimals, dates and the like become strings before storing and hashing.
    So do floats: jsonb keeps numbers as numeric, and 1e20 would come back as an integer and
    fail verification (money is Decimal anyway)."""
    return _floats_as_text(json.loads(json.dumps(changes or {}, default=str, ensure_ascii=False)))


def _floats_as_text(value):
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {key: _floats_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_floats_as_text(item) for item in value]
    return value


def event_hash(
    *,
    chain: str,
    seq: int,
    created_at: datetime,
    actor_id,
    actor_username: str,
    organisation_id,
    action: str,
    target_type: str,
    target_id: str,
    target_repr: str,
    changes: dict,
    ip_address,
    request_id: str,
    prev_hash: str,
) -> str:
    content = {
        "chain": chain,
        "seq": int(seq),
        "created_at": canonical_time(created_at),
        "actor_id": actor_id,
        "actor_username": actor_username,
        "organisation_id": organisation_id,
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id),
        "target_repr": target_repr,
        "changes": changes,
        "ip_address": ip_address,
        "request_id": request_id,
        "prev_hash": prev_hash,
    }
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


HASHED_FIELDS = (
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
)

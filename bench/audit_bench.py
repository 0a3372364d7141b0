"""Verifying the audit log: ``audit.verify.verify_chains`` over every chain (what ``manage.py audit_verify``
runs), timed; the baseline is reading the same rows without hashing (the floor the database sets)."""

import time

from audit.hashing import HASHED_FIELDS
from audit.models import AuditEvent
from audit.verify import verify_chains


def run_audit_bench(*, log=print) -> dict:
    started = time.perf_counter()
    result = verify_chains()
    verify_s = time.perf_counter() - started
    log(f"  verified {result.events} events in {result.chains} chains: {verify_s:.1f} s, ok={result.ok}")
    started = time.perf_counter()
    rows = 0
    for chain in sorted(set(AuditEvent.objects.values_list("chain", flat=True).distinct())):
        for _row in (
            AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("id", "hash", *HASHED_FIELDS)
        ).iterator(chunk_size=5000):
            rows += 1
    read_s = time.perf_counter() - started
    log(f"  read the same {rows} rows without hashing: {read_s:.1f} s")
    return {
        "events": result.events,
        "chains": result.chains,
        "ok": result.ok,
        "broken": [str(link) for link in result.broken[:5]],
        "verify_s": round(verify_s, 1),
        "events_per_s": round(result.events / verify_s),
        "read_only_s": round(read_s, 1),
        "goal_s": 60,
    }

"""Server time per page, in process: Django's test client against PostgreSQL, 50 requests per page after
one warm-up, p50 and p95 of the wall time of each request. The baseline: viewflow's stock queue of the
same flow (bench.urls), for the inbox, with the same user."""

import os
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .pages import address, pages, role_users
from .queries import clients

GOALS_MS = {"inbox": 100, "list": 100, "detail": 100, "dashboard": 300, "form": None}
BASELINE_QUEUE = "/bench-baseline/baseline/pilotplan/queue/"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[index]


def time_address(client: Client, where: str, requests: int) -> dict:
    client.get(where)  # warm-up
    times, cpu, status = [], [], None
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(where)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        status = response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(where)
    return {
        "status": status,
        "queries": len(queries),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        # The Python side only (PostgreSQL's time is in its own processes): what contention cannot inflate.
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "load_average": round(os.getloadavg()[0], 1),
        "requests": requests,
    }


def choose_roles(measured: list[dict]) -> dict[str, str]:
    """Per page, the role it is timed for: among the roles that see it, the one with the most queries
    (the heaviest view of the page), province-wide readers first on a tie."""
    order = ["department_officer", "auditor", "department_leader", "finance_department", "agency_coordinator"]
    best: dict[str, dict] = {}
    for row in measured:
        if row["status"] != 200:
            continue
        current = best.get(row["page"])
        rank = (row["queries"], -order.index(row["role"]) if row["role"] in order else -99)
        if current is None or rank > current["rank"]:
            best[row["page"]] = {"role": row["role"], "rank": rank}
    return {page: chosen["role"] for page, chosen in best.items()}


def time_pages(measured: list[dict], *, requests: int = 50, log=print) -> list[dict]:
    users = role_users()
    by_role = clients(users)
    chosen = choose_roles(measured)
    rows = []
    for url in pages():
        role = chosen.get(url.name)
        if role is None:
            continue
        user = next(u for r, u in users.items() if str(r) == role)
        where = address(url, user)
        result = time_address(by_role[role], where, requests)
        goal = GOALS_MS.get(url.kind)
        rows.append({"page": url.name, "role": role, "kind": url.kind, "address": where, "goal_ms": goal, **result})
        log(f"  {url.name} ({role}): p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms")
    return rows


def time_baseline(*, requests: int = 50) -> dict:
    """Our inbox and viewflow's stock queue of the pilot-plan flow, for the Department's officer (whose
    completeness checks and approval drafts are the flow's open tasks)."""
    users = role_users()
    client = clients({"department_officer": users["department_officer"]})["department_officer"]
    ours = time_address(client, "/workflows/", requests)
    stock = time_address(client, BASELINE_QUEUE, requests)
    return {"ours": {"page": "workflows:index", **ours}, "baseline": {"page": "viewflow queue", **stock}}

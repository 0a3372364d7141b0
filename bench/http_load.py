"""The HTTP load test: gunicorn (config/gunicorn.conf.py, as make serve) on the S=1 database, locust
headless with 50 users for 60 s mixing the roles' usual pages; requests/s, p50/p95/p99, errors."""

import csv
import json
import os
import subprocess
from pathlib import Path

from .pages import role_users
from .server import BASE, ROOT, session_cookies

# How the users of the portal are spread over the roles (a working day: many enterprises and counties).
WEIGHTS = {
    "enterprise": 30,
    "county_bureau": 15,
    "applicant": 12,
    "cosigner": 3,
    "department_officer": 12,
    "department_leader": 5,
    "finance_department": 6,
    "agency_coordinator": 4,
    "expert": 8,
    "auditor": 5,
}
USUAL_KINDS = {"inbox", "list", "detail", "dashboard"}


def load_plan(measured: list[dict], *, users_count: int) -> dict:
    users = role_users()
    plan = {"roles": {}}
    for role, user in users.items():
        role = str(role)
        pages = [
            {"name": row["page"], "url": row["address"]}
            for row in measured
            if row["role"] == role and row["status"] == 200 and row["kind"] in USUAL_KINDS
        ]
        if not pages:
            continue
        # One session per virtual user (session_cookies keys by user: one call each).
        count = users_count * WEIGHTS[role] // 50 + 2
        sessions = [next(iter(session_cookies([user]).values())) for _ in range(count)]
        plan["roles"][role] = {"weight": WEIGHTS[role], "pages": pages, "sessions": sessions}
    return plan


def run_load(measured: list[dict], *, users: int = 50, seconds: int = 60, log=print) -> dict:
    results = ROOT / "bench" / "results"
    plan_file = results / "load-plan.json"
    plan_file.write_text(json.dumps(load_plan(measured, users_count=users), ensure_ascii=False))
    prefix = results / "locust"
    env = {**os.environ, "BENCH_LOAD_PLAN": str(plan_file)}
    command = [
        str(ROOT / ".venv/bin/locust"),
        "-f",
        str(ROOT / "bench/locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        "10",
        "-t",
        f"{seconds}s",
        "--host",
        BASE,
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]
    log(f"  locust: {users} users, {seconds} s")
    subprocess.run(command, cwd=ROOT, env=env, check=False, capture_output=True)  # noqa: S603
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    by_role: dict[str, dict] = {}
    for row in rows:
        if row["Name"] == "Aggregated":
            continue
        role = row["Name"].split(" ", 1)[0]
        entry = by_role.setdefault(role, {"requests": 0, "failures": 0})
        entry["requests"] += int(row["Request Count"])
        entry["failures"] += int(row["Failure Count"])
    failures_file = Path(f"{prefix}_failures.csv")
    failures = list(csv.DictReader(failures_file.open(encoding="utf-8"))) if failures_file.exists() else []
    return {
        "users": users,
        "seconds": seconds,
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "requests_per_s": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "max_ms": round(float(total["Max Response Time"]), 1),
        "by_role": by_role,
        "failures": failures[:10],
    }

"""Two web processes and one Celery worker against one PostgreSQL database and one Redis, as in production.

Bureaus log in and submit their plans through both web processes at the same moment, some the same plan
through both at once; the worker renders the PDFs. Nothing may be lost or done twice: one version, one audit
event and one PDF per plan, each double submission refused once with a message, the locks holding across
processes. Before the submissions PostgreSQL drops every connection the processes keep (CONN_MAX_AGE, as after
a database restart): the health checks must replace them without a failed request."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from . import harness, processes

PLANS = 6
TWICE = 3  # the first plans are also submitted through the other web process, at the same moment
SUBMITTED = "方案已提交，已冻结为新版本"
REFUSED = ("该事项已经办理过了", "方案当前状态不能提交")


def outcome(page: str) -> str:
    if SUBMITTED in page:
        return "submitted"
    if any(message in page for message in REFUSED):
        return "refused"
    return "other"


def test_plans_submitted_through_two_web_processes_are_frozen_once_and_rendered_once_by_the_worker(deployment):
    data = deployment.seed(plans=PLANS)
    plans = data["plans"]
    webs = dict([("a", deployment.start_web("web-a")), ("b", deployment.start_web("web-b"))])
    worker = deployment.start_worker("worker")
    for _service, url in webs.values():
        processes.wait_for_web(url, data["login_url"])
    worker.wait_for_output(r"ready\.")

    own_web = {plan["id"]: "ab"[number % 2] for number, plan in enumerate(plans)}
    jobs = [(plan, own_web[plan["id"]]) for plan in plans]
    jobs += [(plan, "ba"[number % 2]) for number, plan in enumerate(plans[:TWICE])]

    # Each bureau logs in through the web process(es) it will use (a session each; in parallel).
    sessions = {(plan["username"], web): processes.WebClient(webs[web][1]) for plan, web in jobs}
    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        list(
            pool.map(
                lambda item: item[1].log_in(data["login_url"], item[0][0], data["password"]),
                sessions.items(),
            )
        )

    # As after a PostgreSQL restart: every connection the web processes and the worker keep is gone.
    dropped = harness.query(
        "postgres",
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        [deployment.database],
    )[0][0]
    assert dropped >= 2, "each web process keeps a connection (CONN_MAX_AGE)"

    start = threading.Barrier(len(jobs))

    def submit(job):
        plan, web = job
        client = sessions[(plan["username"], web)]
        start.wait(timeout=60)
        response = client.post(plan["submit_url"], {})
        assert response.status == 302, (web, response.status, response.text[:3000])
        return plan["id"], outcome(client.get(response.location).text)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(submit, jobs))

    outcomes = {plan["id"]: Counter() for plan in plans}
    for plan_id, result in results:
        outcomes[plan_id][result] += 1
    for number, plan in enumerate(plans):
        expected = {"submitted": 1, "refused": 1} if number < TWICE else {"submitted": 1}
        assert outcomes[plan["id"]] == expected, (plan["region"], outcomes[plan["id"]])

    # The worker renders the PDFs (polled with a deadline).
    plan_ids = [plan["id"] for plan in plans]
    harness.wait_until(
        lambda: all(harness.submission_counts(deployment.database, plan_ids)["versions_with_pdf"].values()),
        timeout=180,
        what=f"the worker to render {PLANS} PDFs (log: {worker.log})",
    )
    counts = harness.submission_counts(deployment.database, plan_ids)
    for kind in ("versions", "submit_events", "pdfs", "versions_with_pdf"):
        assert set(counts[kind].values()) == {1}, (kind, counts[kind])
    statuses = dict(
        harness.query(deployment.database, "SELECT id, status FROM pilots_pilotplan WHERE id = ANY(%s)", [plan_ids])
    )
    assert set(statuses.values()) == {"submitted"}, statuses
    worker.wait_for_output(r"Task pilots\.tasks\.render_version_pdf\[[0-9a-f-]+\] succeeded", count=PLANS, timeout=10)

    # Static files come precompressed from WhiteNoise, cached for good; pages carry HSTS (SECURE_SSL).
    _web, url_a = webs["a"]
    client = processes.WebClient(url_a)
    login_page = client.get(data["login_url"])
    assert login_page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    hashed_css = harness.static_manifest(deployment.static_root)["css/portal.css"]
    css = client.get(f"/static/{hashed_css}", headers={"Accept-Encoding": "gzip"})
    assert css.status == 200 and css.headers["Content-Encoding"] == "gzip"
    assert "immutable" in css.headers["Cache-Control"]

    verified = harness.run_manage(["audit_verify"], database=deployment.database)
    assert verified.stdout.startswith("OK:"), verified.stdout

    for service in [*(service for service, _url in webs.values()), worker]:
        assert service.problems() == [], f"{service.name} logged errors ({service.log})"

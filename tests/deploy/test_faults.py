"""Faults of a running deployment: the database connection dropped inside a transition, a Celery worker
killed mid-render, and a backup restored into a new database."""

import contextlib
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from audit.verify import verify_chains
from pilots.models import PilotPlan, PlanVersion
from pilots.signals import plan_status_changed
from pilots.tasks import render_version_pdf
from tests.pilots.factories import applicant_of
from tests.workflows.helpers import ready_flow_plan
from workflows.flows import PilotPlanFlow
from workflows.services import open_task

from . import harness
from .blocking_worker import RENDERS

# --- the connection dropped in the middle of a transition ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_mid_submission_changes_nothing_says_so_in_chinese_and_a_retry_submits(
    client, monkeypatch
):
    assert connection.vendor == "postgresql"
    queued = []
    monkeypatch.setattr(render_version_pdf, "delay", queued.append)
    plan = ready_flow_plan()
    client.force_login(applicant_of(plan))
    submit_url = reverse("workflows:plan_submit", kwargs={"plan_pk": plan.pk})
    events_before = AuditEvent.objects.count()
    terminated = []

    def drop_the_connection(sender, plan, old, new, **kwargs):
        """Inside the submission's transaction, right after the plan row changed: another session ends this
        one's backend (pg_terminate_backend waits until it is gone), as a failover or a network cut would."""
        if terminated:
            return
        pid = connection.connection.info.backend_pid
        with contextlib.closing(harness.connect(connection.settings_dict["NAME"])) as other, other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])
            terminated.append(cursor.fetchone()[0])

    plan_status_changed.connect(drop_the_connection, dispatch_uid="drop_the_connection")
    try:
        response = client.post(submit_url)
    finally:
        plan_status_changed.disconnect(dispatch_uid="drop_the_connection")

    assert terminated == [True]
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "数据库连接中断，本次操作没有完成" in page
    assert "本次操作的所有更改都已撤销" in page
    # Nothing half done: no version, no status change, no audit event, the task still open, no PDF queued.
    plan.refresh_from_db()
    assert (plan.status, plan.version, plan.submitted_at) == (PilotPlan.Status.COSIGNED, 0, None)
    assert not PlanVersion.objects.filter(plan=plan).exists()
    assert AuditEvent.objects.count() == events_before
    assert open_task(plan, PilotPlanFlow.draft) is not None
    assert queued == []
    assert verify_chains().ok

    # The same click again goes through, once.
    response = client.post(submit_url)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (PilotPlan.Status.SUBMITTED, 1)
    version = PlanVersion.objects.get(plan=plan)
    assert AuditEvent.objects.filter(action="plan.submit", target_id=str(plan.pk)).count() == 1
    assert queued == [version.pk]
    assert open_task(plan, PilotPlanFlow.draft) is None
    assert verify_chains().ok


# --- a Celery worker killed mid-render ---------------------------------------------------------------------

SUCCEEDED = r"Task pilots\.tasks\.render_version_pdf\[[0-9a-f-]+\] succeeded"


def version_of(database: str, plan_id: int) -> tuple[int, int | None]:
    return harness.query(database, "SELECT id, pdf_id FROM pilots_planversion WHERE plan_id = %s", [plan_id])[0]


def test_a_worker_killed_mid_render_loses_no_task_and_the_next_worker_makes_exactly_one_pdf(deployment):
    broker = redis.Redis.from_url(deployment.redis_url)
    data = deployment.seed(plans=1, submit=1, REDIS_URL=deployment.redis_url)  # the render is queued, not run
    plan_id = data["plans"][0]["id"]
    version_id, pdf_id = version_of(deployment.database, plan_id)
    assert pdf_id is None and broker.llen("celery") == 1
    blocking = {"app": "tests.deploy.blocking_worker", "concurrency": 1, "CELERY_VISIBILITY_TIMEOUT": "1"}

    first = deployment.start_worker("worker-1", DEPLOY_TEST_BLOCK_RENDER="1", **blocking)
    # 1. The pool process dies mid-render: its worker puts the task back (reject_on_worker_lost) and runs it again.
    rendering = int(harness.wait_until(lambda: broker.lindex(RENDERS, 0), timeout=120, what="the first render"))
    os.kill(rendering, signal.SIGKILL)
    again = int(harness.wait_until(lambda: broker.lindex(RENDERS, 1), timeout=60, what="the task to run again"))
    assert again != rendering
    # 2. The whole worker dies mid-render: the task stays in Redis, unacknowledged; no PDF, no row lock left.
    first.signal(signal.SIGKILL)
    first.process.wait(timeout=30)
    assert version_of(deployment.database, plan_id)[1] is None
    assert (broker.hlen("unacked"), broker.llen("celery")) == (1, 0)

    # A new worker takes it up once the visibility timeout has passed, and renders it.
    second = deployment.start_worker("worker-2", **blocking)
    harness.wait_until(
        lambda: version_of(deployment.database, plan_id)[1], timeout=120, what=f"the PDF (log: {second.log})"
    )
    second.wait_for_output(SUCCEEDED, timeout=30)
    assert broker.llen(RENDERS) == 3  # killed twice, done once

    # The same task delivered once more (a duplicate) finds the PDF and renders nothing.
    producer = Celery("deploy-test", broker=deployment.redis_url, set_as_current=False)
    try:
        producer.send_task("pilots.tasks.render_version_pdf", args=[version_id])
    finally:
        producer.close()
    second.wait_for_output(SUCCEEDED, count=2, timeout=60)
    assert broker.llen(RENDERS) == 3
    documents = harness.query(
        deployment.database,
        "SELECT file FROM documents_document WHERE purpose = 'plan_pdf' AND owner_id = %s",
        [plan_id],
    )
    assert len(documents) == 1
    assert (deployment.media_root / documents[0][0]).read_bytes().startswith(b"%PDF")
    # Acknowledged (late: after the task returned) and nothing left in the queue.
    harness.wait_until(lambda: broker.hlen("unacked") == 0, timeout=30, what="the last acknowledgement")
    assert broker.llen("celery") == 0
    assert second.problems() == [], f"worker-2 logged errors ({second.log})"


# --- backup and restore ------------------------------------------------------------------------------------


def pg_tool(*arguments: str) -> None:
    result = subprocess.run(arguments, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and not result.stderr.strip(), (arguments[0], result.returncode, result.stderr)


def table_counts(database: str) -> dict[str, int]:
    tables = [row[0] for row in harness.query(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    return {table: harness.query(database, f'SELECT count(*) FROM "{table}"')[0][0] for table in sorted(tables)}  # noqa: S608


def schema_facts(database: str) -> dict:
    return {
        "sequences": harness.query(
            database, "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
        ),
        "triggers": harness.query(
            database,
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2",
        ),
    }


def verified(database: str) -> tuple[int, int]:
    """(chains, events) as ``manage.py audit_verify`` reports them; fails the test unless it says OK."""
    output = harness.run_manage(["audit_verify"], database=database).stdout.strip()
    match = re.fullmatch(r"OK: (\d+) chains, (\d+) events verified in [0-9.]+s", output)
    assert match, output
    return int(match[1]), int(match[2])


def test_a_backup_restored_into_a_new_database_verifies_and_has_every_row(deployment, tmp_path: Path):
    deployment.seed(plans=2, submit=1)  # a submitted plan (version, PDF, audit events) and a draft
    source = deployment.database
    dump = tmp_path / "zhigai.dump"
    pg_tool("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", harness.database_url(source))

    restored = f"{source}_restored"
    with contextlib.closing(harness.connect()) as admin, admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        pg_tool("pg_restore", "--no-owner", f"--dbname={harness.database_url(restored)}", str(dump))
        harness.run_manage(["migrate", "--check"], database=restored)  # nothing to migrate: same code

        counts = table_counts(restored)
        assert counts == table_counts(source)
        assert verified(restored) == (counts["audit_auditchain"], counts["audit_auditevent"])
        assert counts["pilots_planversion"] == 1 and counts["audit_auditevent"] > 0
        assert schema_facts(restored) == schema_facts(source)  # sequences go on; the append-only trigger is back

        # A restore that lost an audit event would not pass.
        with contextlib.closing(harness.connect(restored)) as damaged, damaged.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("DELETE FROM audit_auditevent WHERE id = (SELECT min(id) FROM audit_auditevent)")
        broken = subprocess.run(
            [harness.PYTHON, "manage.py", "audit_verify"],
            cwd=harness.REPO,
            env=harness.base_environment(DEBUG="1", DATABASE_URL=harness.database_url(restored)),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert broken.returncode != 0 and "BROKEN" in broken.stderr, (broken.stdout, broken.stderr)
    finally:
        harness.drop_database(restored)

"""Lock order between a plan's task and the call-level steps (PostgreSQL, one connection per thread).

The call-level steps (``evaluation.services.review_start``, ``pilots.services.selection.apply_final_list``)
lock their plans and then wake each plan's process (``workflows.orchestration`` runs the Handle node, which
takes viewflow's process lock): plan, then process. ``workflows.services.complete_plan_task`` must take the
two in the same order. If it took the process first and the plan inside the domain service, each side would
hold what the other waits for and PostgreSQL would abort one with "deadlock detected".

The step's side is played by hand here (its two locks, in its order) because in today's flow no plan has an
open task while a call-level step moves it; the order is what keeps it safe when that changes."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from pilots.models import PilotPlan, PlanVersion
from tests.pilots.factories import applicant_of
from workflows import services as flow
from workflows.flows import PilotPlanFlow
from workflows.models import PilotPlanProcess

from .helpers import ready_flow_plan

pytestmark = pytest.mark.django_db(transaction=True)
WAIT_SECONDS = 20


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_blocked_on_a_lock(pid: int) -> None:
    """Poll PostgreSQL until backend ``pid`` waits for a row lock (fails after WAIT_SECONDS)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
        if row and row[0] == "Lock":
            return
        time.sleep(0.02)
    raise AssertionError(f"backend {pid} never waited for a lock")


def test_submitting_while_a_call_level_step_holds_the_plan_waits_for_it_without_a_deadlock(monkeypatch):
    assert connection.vendor == "postgresql"
    from pilots.tasks import render_version_pdf

    monkeypatch.setattr(render_version_pdf, "delay", lambda version_id: None)
    plan = ready_flow_plan()
    applicant = applicant_of(plan)
    process_pk = PilotPlanProcess.objects.get(plan=plan).pk
    submitter: dict = {}

    def submit():
        try:
            submitter["pid"] = backend_pid()
            submitter["result"] = flow.plan_submit(actor=applicant, plan=PilotPlan.objects.get(pk=plan.pk))
        except BaseException as error:  # handed back to the test
            submitter["result"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=submit)
    with transaction.atomic():
        # The step: the plan row first ...
        PilotPlan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
        thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while "pid" not in submitter and time.monotonic() < deadline:
            time.sleep(0.01)
        wait_until_blocked_on_a_lock(submitter["pid"])
        # ... then the process, as the Handle node takes it when the step wakes the plan's process. With the
        # submission holding the process and waiting for the plan, this is where PostgreSQL would see a deadlock.
        with PilotPlanFlow.lock(process_pk):
            pass
    thread.join(timeout=WAIT_SECONDS)
    assert not thread.is_alive(), "the submission hangs"

    assert isinstance(submitter["result"], PlanVersion), submitter["result"]
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (PilotPlan.Status.SUBMITTED, 1)

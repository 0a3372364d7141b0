"""Two people acting on one review at the same moment (PostgreSQL, one connection per thread). The
services lock the call, then the plan, then the assignment; whoever comes second finds the state
changed and is refused with a message, and nothing is done twice."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from audit.models import AuditEvent
from evaluation import services
from evaluation.models import Assignment, RankingReport
from evaluation.services import assignments as assignment_services
from evaluation.services import review as review_services
from evaluation.tasks import render_ranking_report_pdf
from pilots.models import PilotCall
from tests.factories import AgencyCoordinatorFactory

from .factories import assign, declare, review_setup, reviewed, scorecard

pytestmark = pytest.mark.django_db(transaction=True)
HOLD_SECONDS = 0.3
FULL = [15, 15, 20, 20, 15, 15]


@pytest.fixture(autouse=True)
def _postgresql(monkeypatch):
    assert connection.vendor == "postgresql", "concurrency is only meaningful on PostgreSQL"
    monkeypatch.setattr(render_ranking_report_pdf, "delay", lambda report_id: None)  # rendering is tested elsewhere


def slowly(monkeypatch, module, name):
    """Make ``module.name`` take a while, inside the locks of its caller."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(HOLD_SECONDS)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


def at_once(*actions):
    """Run each action in its own thread (its own connection), released together; each result or error."""
    start = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index, action):
        try:
            start.wait(timeout=30)
            results[index] = action()
        except BaseException as error:  # handed back to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hangs (a deadlock?)"
    return results


def split(results):
    done = [result for result in results if not isinstance(result, BaseException)]
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert len(done) + len(refused) == len(results), results
    return done, refused


def test_two_coordinators_take_the_last_slot_once(monkeypatch):
    setup = review_setup(experts=2, experts_per_plan=1)
    plan = setup.plans[0]
    other = AgencyCoordinatorFactory(organisation=setup.agency)
    slowly(monkeypatch, review_services, "_screening_problems")
    done, refused = split(
        at_once(
            lambda: assign(setup, plan, setup.experts[0]),
            lambda: services.assignment_create(actor=other, plan=plan, expert=setup.experts[1]),
        )
    )
    assert len(done) == 1 and len(refused) == 1
    assert refused[0].messages == ["本方案已有1位评审专家，达到每份方案1位的要求，无需再分配。"]
    assert Assignment.objects.filter(plan=plan).count() == 1


def test_a_double_submit_submits_once(monkeypatch):
    setup = review_setup(experts=1, experts_per_plan=1)
    assignment = assign(setup, setup.plans[0], setup.experts[0])
    declare(assignment)
    card = scorecard(assignment, FULL)
    slowly(monkeypatch, assignment_services, "_completeness_errors")

    def submit():
        return services.assignment_submit(actor=assignment.expert.user, assignment=assignment, scorecard=card)

    done, refused = split(at_once(submit, submit))
    assert len(done) == 1 and len(refused) == 1
    assert "评审任务当前状态为“已提交”" in refused[0].messages[0]
    assert AuditEvent.objects.filter(action="assignment.submit").count() == 1


def test_reopen_and_ranking_at_once_leave_a_consistent_state(monkeypatch):
    setup = review_setup(experts=1, experts_per_plan=1)
    [assignment] = reviewed(setup, setup.plans[0], [FULL])
    slowly(monkeypatch, review_services, "review_of")  # inside the call lock
    done, refused = split(
        at_once(
            lambda: services.ranking_report_submit(actor=setup.coordinator, call=setup.call),
            lambda: services.assignment_reopen(actor=setup.coordinator, assignment=assignment, reason="请复核。"),
        )
    )
    assert len(done) == 1 and len(refused) == 1
    assignment.refresh_from_db()
    setup.call.refresh_from_db()
    if isinstance(done[0], RankingReport):
        assert setup.call.status == PilotCall.Status.RANKED
        assert assignment.status == Assignment.Status.SUBMITTED
    else:
        assert setup.call.status == PilotCall.Status.IN_REVIEW
        assert assignment.status == Assignment.Status.SCORING
        assert not RankingReport.objects.exists()

"""Two people acting on one plan at the same moment (PostgreSQL, one connection per thread).

The flow locks the process row (viewflow's SelectForUpdateLock, nowait=False: the second waits), the
domain locks the plan row; whoever comes second finds the task done or the plan changed and is refused
with a message, and nothing is done twice."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from audit.models import AuditEvent
from audit.verify import verify_chains
from pilots import services as pilot_services
from pilots.models import PilotPlan, PlanVersion
from pilots.services import transitions
from pilots.tasks import render_version_pdf
from tests.factories import ApplicantFactory, LeagueCityFactory
from tests.pilots.factories import (
    FUND_LINES,
    PilotCallFactory,
    applicant_of,
    cosigner_of,
    fill_plan_ready_to_submit,
    make_applicant,
    make_cosigner,
)
from workflows import services as flow
from workflows.models import PilotPlanProcess

from .helpers import flow_plan, ready_flow_plan

ALREADY_DONE = "该事项已经办理过了（可能是重复点击，或已由他人处理），请刷新页面查看最新状态。"
# Long enough that the second thread surely arrives while the first holds the locks.
HOLD_SECONDS = 0.3

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql():
    assert connection.vendor == "postgresql", "concurrency is only meaningful on PostgreSQL"


@pytest.fixture
def rendered(monkeypatch):
    """The version ids whose PDF was queued after commit (the rendering itself is tested elsewhere)."""
    queued = []
    monkeypatch.setattr(render_version_pdf, "delay", queued.append)
    return queued


@pytest.fixture
def slow_checks(monkeypatch):
    """Make the submission checks take a while, inside the locks."""
    checks = transitions.submission_problems

    def slow(plan, **kwargs):
        time.sleep(HOLD_SECONDS)
        return checks(plan, **kwargs)

    monkeypatch.setattr(transitions, "submission_problems", slow)


def at_once(*actions):
    """Run each action in its own thread (its own connection), released together by a barrier.
    Returns each action's result or the exception it raised, in order."""
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


def fresh(plan: PilotPlan) -> PilotPlan:
    """The plan as a separate request would load it."""
    return PilotPlan.objects.get(pk=plan.pk)


def test_two_colleagues_submitting_at_the_same_moment_make_one_version(rendered, slow_checks):
    plan = ready_flow_plan()
    first, second = applicant_of(plan), ApplicantFactory(organisation=plan.applicant)

    started = time.perf_counter()
    results = at_once(
        lambda: flow.plan_submit(actor=first, plan=fresh(plan)),
        lambda: flow.plan_submit(actor=second, plan=fresh(plan)),
    )
    elapsed = time.perf_counter() - started

    versions = [result for result in results if isinstance(result, PlanVersion)]
    refusals = [result for result in results if isinstance(result, ValidationError)]
    assert len(versions) == 1 and len(refusals) == 1, results
    assert refusals[0].messages == [ALREADY_DONE]
    # the second waited for the first (nowait=False), it did not fail on the lock
    assert elapsed >= HOLD_SECONDS

    assert PlanVersion.objects.filter(plan=plan).count() == 1
    assert AuditEvent.objects.filter(action="plan.submit", target_id=str(plan.pk)).count() == 1
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (PilotPlan.Status.SUBMITTED, 1)
    assert rendered == [versions[0].pk]  # one PDF, queued after the commit
    assert verify_chains().ok


def test_submitting_while_the_fund_plan_changes_never_freezes_an_uncosigned_fund_plan(rendered, slow_checks):
    plan = ready_flow_plan()
    applicant, colleague = applicant_of(plan), ApplicantFactory(organisation=plan.applicant)
    changed = {direction: dict(values) for direction, values in FUND_LINES.items()}
    changed["platform"]["subsidy_requested"] += 1

    results = at_once(
        lambda: flow.plan_submit(actor=applicant, plan=fresh(plan)),
        lambda: pilot_services.fund_plan_save(actor=colleague, plan=fresh(plan), lines=changed),
    )

    submitted, saved = results
    assert [isinstance(result, ValidationError) for result in results].count(True) == 1, results
    plan.refresh_from_db()
    if isinstance(submitted, PlanVersion):
        # the submission won: the fund plan was frozen as co-signed, the later change refused
        assert saved.messages == ["方案当前状态为“已提交，待形式审查”，不能修改。"]
        assert plan.cosigned_funds_hash == pilot_services.funds_fingerprint(plan)
        assert plan.status == PilotPlan.Status.SUBMITTED
    else:
        # the change won: the co-signature is void and the submission refused for it
        assert isinstance(saved, PilotPlan)
        assert any("会签" in message for message in submitted.messages)
        assert not PlanVersion.objects.filter(plan=plan).exists()
        assert plan.status == PilotPlan.Status.DRAFT


def test_cosigning_and_returning_at_the_same_moment_do_one_of_them():
    plan = flow_plan()
    applicant = applicant_of(plan)
    fill_plan_ready_to_submit(plan, applicant, enterprises=3, cosign=False)
    flow.plan_send_to_cosign(actor=applicant, plan=plan)
    one, other = cosigner_of(plan), make_cosigner(plan.region)

    results = at_once(
        lambda: flow.plan_cosign(actor=one, plan=fresh(plan), comment="同意。"),
        lambda: flow.plan_return_from_cosign(actor=other, plan=fresh(plan), comment="请核实配套资金。"),
    )

    refusals = [result for result in results if isinstance(result, ValidationError)]
    assert len(refusals) == 1, results
    assert refusals[0].messages == [ALREADY_DONE]
    plan.refresh_from_db()
    assert plan.status in (PilotPlan.Status.COSIGNED, PilotPlan.Status.DRAFT)
    done = AuditEvent.objects.filter(target_id=str(plan.pk), action__in=["plan.cosign", "plan.cosign_return"])
    assert done.count() == 1


def test_two_colleagues_starting_the_regions_plan_at_once_make_one_plan():
    call = PilotCallFactory()
    first = make_applicant(LeagueCityFactory(name="巴彦淖尔市"))
    second = ApplicantFactory(organisation=first.membership.organisation)

    results = at_once(lambda: flow.plan_start(actor=first, call=call), lambda: flow.plan_start(actor=second, call=call))

    plans = [result for result in results if isinstance(result, PilotPlan)]
    refusals = [result for result in results if isinstance(result, ValidationError)]
    assert len(plans) == 1 and len(refusals) == 1, results
    assert refusals[0].messages == ["巴彦淖尔市在本批次已有一份总体方案，每个盟市每批次只能申报一份。"]
    assert PilotPlan.objects.filter(call=call).count() == 1
    assert PilotPlanProcess.objects.filter(plan__call=call).count() == 1

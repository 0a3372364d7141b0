"""Plans that run through the viewflow process (``workflows.services``), for tests that need its tasks.

The factories of tests/pilots/factories.py make plans through ``pilots.services`` alone: such a plan has
no process, so it is in nobody's inbox and the flow actions (and the submit view) refuse it."""

from pilots.models import PilotPlan
from tests.factories import LeagueCityFactory
from tests.pilots.factories import (
    PilotCallFactory,
    applicant_of,
    cosigner_of,
    fill_plan_ready_to_submit,
    make_applicant,
)
from workflows import services as flow


def flow_plan(*, region=None, call=None, actor=None) -> PilotPlan:
    """A draft started as the bureau starts one: the plan and its process, with an open ``draft`` task."""
    actor = actor or make_applicant(region or LeagueCityFactory())
    return flow.plan_start(actor=actor, call=call or PilotCallFactory())


def ready_flow_plan(*, region=None, call=None, actor=None, enterprises: int = 3) -> PilotPlan:
    """Filled, sent to co-sign and co-signed through the flow: ``flow.plan_submit`` will pass."""
    plan = flow_plan(region=region, call=call, actor=actor)
    applicant = actor or applicant_of(plan)
    fill_plan_ready_to_submit(plan, applicant, enterprises=enterprises, cosign=False)
    flow.plan_send_to_cosign(actor=applicant, plan=plan)
    flow.plan_cosign(actor=cosigner_of(plan), plan=plan, comment="同意。")
    plan.refresh_from_db()
    return plan


def submitted_flow_plan(**kwargs) -> PilotPlan:
    """Submitted through the flow (version 1; its PDF is rendered only after commit)."""
    plan = ready_flow_plan(**kwargs)
    flow.plan_submit(actor=applicant_of(plan), plan=plan)
    plan.refresh_from_db()
    return plan

"""evaluation.demo.load_demo_review: a started review with an assignment in each state, made once."""

import pytest

from accounts.models import Region
from evaluation.demo import load_demo_review
from evaluation.models import Assignment, CallReview
from pilots import services as pilot_services
from pilots.models import PilotPlan
from tests.pilots.factories import PilotCallFactory

from .factories import accepted_plan

pytestmark = pytest.mark.django_db


def test_load_demo_review(demo):
    call = PilotCallFactory(experts_per_plan=3)
    plan = accepted_plan(call, region=Region.objects.get(code="150600"))
    pilot_services.call_close(actor=None, call=call)
    review = load_demo_review(call)
    assert review.agency.name == demo["agency"].membership.organisation.name
    plan.refresh_from_db()
    assert plan.status == PilotPlan.Status.IN_REVIEW
    statuses = list(Assignment.objects.filter(plan=plan).order_by("assigned_at", "pk").values_list("status", flat=True))
    assert statuses == ["submitted", "scoring", "pending"]
    # 刘志强 (expert4) lives in 鄂尔多斯市, the plan's region: screened out.
    assert not Assignment.objects.filter(plan=plan, expert__user__username="expert4").exists()
    assert load_demo_review(call) == review
    assert CallReview.objects.count() == 1 and Assignment.objects.count() == 3

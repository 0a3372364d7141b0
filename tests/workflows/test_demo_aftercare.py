"""The post-approval demo: eight pilots of the 2022 call, one in each state a newcomer should see, all made
through the services (so their money, reports and evaluations agree with each other)."""

from decimal import Decimal

from django.db.models import Sum

from evaluation.models import Evaluation, Report
from pilots.models import Clawback, Instalment, Payment, PlanChange, PlanVersion
from tests.pilots.factories import shipped_target_template
from workflows.demo import load_demo_history
from workflows.demo_aftercare import AFTERCARE_REGIONS, load_demo_aftercare


# Loading the demo takes tens of seconds: one test loads it once and checks everything.
def test_the_demo_shows_every_post_approval_state_once_with_money_that_adds_up(demo):
    shipped_target_template()  # flushed by the transactional tests that may run before this one
    load_demo_history()
    call = load_demo_aftercare()
    aftercare = {plan.region.code: plan for plan in call.plans.select_related("region")}
    states(aftercare)
    money(aftercare)
    changes_and_reports(aftercare)
    before = (Evaluation.objects.count(), Report.objects.count(), Payment.objects.count())
    assert load_demo_aftercare() is None, "a second run loads nothing"
    assert (Evaluation.objects.count(), Report.objects.count(), Payment.objects.count()) == before


def states(aftercare):
    phases = {code: plan.phase for code, plan in aftercare.items()}
    assert sorted(phases) == sorted(AFTERCARE_REGIONS)
    assert phases == {
        "150100": "implementing",
        "150200": "midterm",
        "150300": "midterm",
        "150400": "midterm_rectifying",
        "150500": "final",
        "150600": "awaiting_acceptance",
        "152200": "completed",
        "152500": "clawed_back",
    }
    statuses = dict(
        Evaluation.objects.filter(plan__call=aftercare["150100"].call)
        .values_list("plan__region__code", "status")
        .filter(stage="midterm")
    )
    assert statuses["150200"] == Evaluation.Status.REPORTING
    assert statuses["150300"] == Evaluation.Status.DECIDING
    assert statuses["150400"] == Evaluation.Status.RECTIFYING
    assert statuses["152500"] == Evaluation.Status.NOT_MET


def money(aftercare):
    completed, clawed = aftercare["152200"], aftercare["152500"]
    paid = Payment.objects.filter(instalment__plan=completed).aggregate(total=Sum("amount"))["total"]
    assert paid == completed.approval.approved_amount
    clawback = Clawback.objects.get(plan=clawed)
    assert clawback.status == Clawback.Status.RECOVERED and clawback.amount == Decimal("3000000.00")
    assert set(clawed.instalments.values_list("stage", "status")) == {
        ("approval", Instalment.Status.PAID),
        ("midterm", Instalment.Status.CANCELLED),
        ("acceptance", Instalment.Status.CANCELLED),
    }
    assert Instalment.objects.get(plan=aftercare["150500"], stage="midterm").status == Instalment.Status.DUE


def changes_and_reports(aftercare):
    approved = PlanChange.objects.get(plan=aftercare["150100"])
    assert approved.status == PlanChange.Status.APPROVED
    assert PlanVersion.objects.filter(plan=aftercare["150100"]).count() == 2
    assert PlanChange.objects.get(plan=aftercare["150400"]).status == PlanChange.Status.SUBMITTED
    returned_then_accepted = Report.objects.get(plan=aftercare["150100"], kind="self_assessment", year=1)
    assert returned_then_accepted.status == Report.Status.ACCEPTED and returned_then_accepted.return_reasons
    overdue = Report.objects.get(plan=aftercare["150200"], kind="self_assessment", year=1)
    assert overdue.due_on < overdue.created_at.date()

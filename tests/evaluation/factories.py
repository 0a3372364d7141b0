"""Factories for the expert review: agencies, experts, calls in review, and helpers that take an
assignment through its states by the services, as the people would.

    setup = review_setup(plans=2, experts=4)          # call closed, plans accepted, review started
    assignment = assign(setup, setup.plans[0], setup.experts[0])
    declare(assignment); score(assignment, [15, 15, 20, 20, 15, 15]); submit(assignment, [...])

Plans are made quickly (``accepted_plan``): the bureau's draft through pilots.services (with chains
and enterprise rows), then put into "accepted" directly. Filling, co-signing, submitting and the
completeness check are tested in tests/pilots; ``PilotPlanFactory(state="accepted")`` does them all
for the few tests that want a plan made the whole way.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import factory

from accounts.models import Organisation, Region
from evaluation import services
from evaluation.models import Assignment, ExpertProfile
from pilots import services as pilot_services
from pilots.models import PilotCall, PilotPlan
from tests.factories import (
    AgencyCoordinatorFactory,
    ExpertFactory,
    LeagueCityFactory,
    OrganisationFactory,
    ProvinceFactory,
)
from tests.pilots.factories import PilotCallFactory, add_chains, enterprise_rows, make_applicant

COMMENT = "论证充分，依据可靠。"


def make_agency(name: str | None = None) -> Organisation:
    return OrganisationFactory(review_agency=True, **({"name": name} if name else {}))


class ExpertProfileFactory(factory.django.DjangoModelFactory):
    """An active expert of ``agency`` (a fresh review agency if omitted), from the province itself (so
    no league/city conflicts with the home region unless ``home_region`` says so)."""

    class Meta:
        model = ExpertProfile

    class Params:
        agency = factory.LazyFunction(make_agency)

    user = factory.SubFactory(ExpertFactory, organisation=factory.SelfAttribute("..agency"))
    full_name = factory.Sequence(lambda n: f"评审专家{n}")
    employer = "内蒙古工业大学"
    fields_of_expertise = factory.LazyFunction(lambda: ["数字化转型"])
    home_region = factory.LazyFunction(lambda: ProvinceFactory())
    declared_ties = factory.LazyFunction(list)
    is_active = True


def accepted_plan(call: PilotCall, *, region: Region | None = None, enterprises: int = 3) -> PilotPlan:
    """A plan of a fresh (or the given) league/city with the two factory chains and ``enterprises``
    rows, in status "accepted". The call must still be open."""
    region = region or LeagueCityFactory()
    actor = make_applicant(region)
    plan = pilot_services.plan_create(actor=actor, call=call)
    chains = add_chains(plan, actor)
    if enterprises:
        rows = enterprise_rows(enterprises, [c.name for c in chains], region_code=region.code, seed=plan.pk)
        pilot_services.enterprises_replace(actor=actor, plan=plan, rows=rows, source="factory")
    PilotPlan.objects.filter(pk=plan.pk).update(status=PilotPlan.Status.ACCEPTED)
    plan.refresh_from_db()
    return plan


@dataclass
class ReviewSetup:
    call: PilotCall
    plans: list[PilotPlan]
    agency: Organisation
    coordinator: object
    experts: list[ExpertProfile] = field(default_factory=list)

    def refresh(self) -> "ReviewSetup":
        self.call.refresh_from_db()
        for plan in self.plans:
            plan.refresh_from_db()
        return self


def review_setup(
    *,
    plans: int = 1,
    experts: int = 3,
    experts_per_plan: int = 2,
    start: bool = True,
    criteria=None,
    enterprises: int = 3,
    regions: list[Region] | None = None,
    **call_fields,
) -> ReviewSetup:
    """A call with ``plans`` accepted plans, closed; an agency with a coordinator and ``experts``
    experts; and (unless ``start=False``) the review started by the coordinator."""
    fields = {"experts_per_plan": experts_per_plan, **call_fields}
    if criteria is not None:
        fields["criteria"] = criteria
    call = PilotCallFactory(**fields)
    regions = regions or [LeagueCityFactory() for _ in range(plans)]
    made = [accepted_plan(call, region=region, enterprises=enterprises) for region in regions[:plans]]
    pilot_services.call_close(actor=None, call=call)
    agency = make_agency()
    setup = ReviewSetup(
        call=call,
        plans=made,
        agency=agency,
        coordinator=AgencyCoordinatorFactory(organisation=agency),
        experts=[ExpertProfileFactory(agency=agency) for _ in range(experts)],
    )
    if start:
        services.review_start(actor=setup.coordinator, call=call)
    return setup.refresh()


def assign(setup: ReviewSetup, plan: PilotPlan, expert: ExpertProfile) -> Assignment:
    return services.assignment_create(actor=setup.coordinator, plan=plan, expert=expert)


def declare(assignment: Assignment) -> Assignment:
    return services.assignment_declare_no_conflict(actor=assignment.expert.user, assignment=assignment, confirmed=True)


def scorecard(assignment: Assignment, scores, *, comment: str = COMMENT, complete: bool = True):
    """A ScorecardInput with ``scores`` in the call's criterion order (None: not given)."""
    criteria = list(assignment.plan.call.criteria.order_by("order"))
    values = {
        criterion.pk: (None if score is None else Decimal(str(score)), comment)
        for criterion, score in zip(criteria, scores, strict=True)
    }
    texts = {"overall_opinion": "", "revision_suggestions": "", "recommendation": ""}
    if complete:
        texts = {
            "overall_opinion": "方案总体可行，目标明确。",
            "revision_suggestions": "建议细化资金使用计划。",
            "recommendation": Assignment.Recommendation.WITH_REVISIONS,
        }
    return services.ScorecardInput(scores=values, **texts)


def submit(assignment: Assignment, scores) -> Assignment:
    return services.assignment_submit(
        actor=assignment.expert.user, assignment=assignment, scorecard=scorecard(assignment, scores)
    )


def reviewed(setup: ReviewSetup, plan: PilotPlan, score_rows) -> list[Assignment]:
    """Assign one expert per row of ``score_rows`` (the setup's experts, in order, skipping those already
    on the plan), declare and submit those scores."""
    done = []
    taken = set(plan.assignments.values_list("expert_id", flat=True))
    experts = iter(expert for expert in setup.experts if expert.pk not in taken)
    for scores in score_rows:
        assignment = assign(setup, plan, next(experts))
        declare(assignment)
        done.append(submit(assignment, scores))
    return done


# --- after approval: mid-term and final evaluations -----------------------------------------------------------
#
#     plan = evaluation_pilot()                       # approved, targets filled and frozen as version 2
#     evaluation = open_evaluation(plan, "midterm")   # the officer opens it (report due in 30 days)
#     submit_report(evaluation, {17: "3"})            # the bureau reports: the stage's target everywhere, but
#                                                     # indicator order 17 at 3 (not met)
#     rate_as_computed(evaluation); propose(evaluation); decide(evaluation)

COUNT_TARGETS = ("10", "15", "20")  # baseline, mid-term target, target
PERCENT_TARGETS = ("50.0", "60.0", "70.0")


def freeze_targets(plan, values: dict | None = None, *, actor=None):
    """Fill the plan's target table (counts 10 → 15 → 20, percentages 50.0 → 60.0 → 70.0; ``values``
    {indicator order: (baseline, mid-term, target)} overrides) and freeze it as the plan's next version, as an
    approved plan change would. Returns the new PlanVersion."""
    from pilots.models import Indicator, PlanVersion, TargetValue
    from pilots.versions import plan_snapshot
    from tests.pilots.factories import applicant_of

    values = values or {}
    for row in TargetValue.objects.filter(plan=plan).select_related("indicator"):
        default = PERCENT_TARGETS if row.indicator.kind == Indicator.Kind.PERCENT else COUNT_TARGETS
        baseline, midterm, target = values.get(row.indicator.order, default)
        row.baseline, row.midterm_target, row.target = Decimal(baseline), Decimal(midterm), Decimal(target)
        row.save(update_fields=["baseline", "midterm_target", "target"])
    number = (plan.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    plan.refresh_from_db()
    return PlanVersion.objects.create(
        plan=plan, number=number, snapshot=plan_snapshot(plan), created_by=actor or applicant_of(plan)
    )


def evaluation_pilot(amount: str = "1000000.00", *, call=None, targets: dict | None = None):
    """An approved pilot (instalments of 40/30/30 %, the first due) whose targets are filled and frozen."""
    from tests.pilots.test_payments import approved_plan

    plan = approved_plan(amount, call=call)
    freeze_targets(plan, targets)
    plan.refresh_from_db()
    return plan


def indicator_ids(plan) -> dict[int, int]:
    """{indicator order: indicator id} of the plan's target table."""
    return dict(plan.target_values.values_list("indicator__order", "indicator_id"))


def open_evaluation(plan, stage: str = "midterm", *, actor=None, due_in_days: int = 30):
    from datetime import timedelta

    from django.utils import timezone

    from evaluation.services.evaluations import evaluation_open
    from tests.pilots.test_selection import officer

    return evaluation_open(
        actor=actor or officer(),
        plan=plan,
        stage=stage,
        report_due_on=timezone.localdate() + timedelta(days=due_in_days),
    )


def submit_report(evaluation, actuals: dict | None = None):
    """The bureau fills the report of the evaluation's current round and submits it (evaluation → RATING).
    Every indicator gets the stage's target of the version in force (met) unless ``actuals`` {indicator order:
    value} says otherwise."""
    from evaluation.models import Report
    from evaluation.selectors.evaluations import report_kind, stage_targets
    from evaluation.services.reports import report_save, report_submit
    from pilots.selectors import version_in_force
    from tests.pilots.factories import applicant_of

    plan = evaluation.plan
    report = Report.objects.get(evaluation=evaluation, kind=report_kind(evaluation.round))
    orders = {indicator_id: order for order, indicator_id in indicator_ids(plan).items()}
    typed = {}
    for target in stage_targets(version_in_force(plan), evaluation.stage):
        value = (actuals or {}).get(orders[target.indicator_id], target.target)
        typed[target.indicator_id] = "" if value is None else str(value)
    assert typed, "the version in force has no targets"
    bureau = applicant_of(plan)
    report_save(actor=bureau, report=report, actuals=typed, narrative="按期推进，情况如实填报。", fund_spending={})
    report_submit(actor=bureau, report=report)
    evaluation.refresh_from_db()
    return report


def rate_as_computed(evaluation, *, actor=None, overrides: dict | None = None):
    """The officer rates every indicator as computed, except ``overrides`` {indicator order: (met, comment)}."""
    from evaluation.selectors.evaluations import evaluation_page
    from evaluation.services.evaluations import RatingInput, evaluation_rate
    from tests.pilots.test_selection import officer

    orders = {indicator_id: order for order, indicator_id in indicator_ids(evaluation.plan).items()}
    ratings = []
    for row in evaluation_page(evaluation).rows:
        met, comment = bool(row.computed_met), ""
        if overrides and orders[row.target.indicator_id] in overrides:
            met, comment = overrides[orders[row.target.indicator_id]]
        ratings.append(RatingInput(indicator_id=row.target.indicator_id, met=met, comment=comment))
    return evaluation_rate(actor=actor or officer(), evaluation=evaluation, ratings=ratings)


def propose(evaluation, *, actor=None, opinion: str = "经评定，形成评价意见。"):
    from evaluation.services.evaluations import evaluation_propose
    from tests.pilots.test_selection import officer

    return evaluation_propose(actor=actor or officer(), evaluation=evaluation, opinion=opinion)


def decide(evaluation, *, actor=None, confirm: bool = True, comment: str = ""):
    from evaluation.services.evaluations import evaluation_decide
    from tests.pilots.test_selection import leader

    return evaluation_decide(actor=actor or leader(), evaluation=evaluation, confirm=confirm, comment=comment)


def evaluated(plan, stage: str = "midterm", actuals: dict | None = None, *, confirm: bool = True):
    """Open, report, rate as computed, propose and (unless ``confirm`` is None) decide one round."""
    evaluation = open_evaluation(plan, stage)
    submit_report(evaluation, actuals)
    rate_as_computed(evaluation)
    evaluation = propose(evaluation)
    if confirm is not None:
        evaluation = decide(evaluation, confirm=confirm, comment="" if confirm else "请复核。")
    return evaluation


def rectify(evaluation, actuals: dict | None = None, *, confirm: bool | None = True):
    """Round 2: the officer sets the rectification, the bureau reports again, rated, proposed and decided."""
    from datetime import timedelta

    from django.utils import timezone

    from evaluation.services.evaluations import rectification_require
    from tests.pilots.test_selection import officer

    evaluation = rectification_require(
        actor=officer(),
        evaluation=evaluation,
        deadline=timezone.localdate() + timedelta(days=60),
        items="提高改造规上企业数量。",
    )
    submit_report(evaluation, actuals)
    rate_as_computed(evaluation)
    evaluation = propose(evaluation)
    if confirm is not None:
        evaluation = decide(evaluation, confirm=confirm)
    return evaluation

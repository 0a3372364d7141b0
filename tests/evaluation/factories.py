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

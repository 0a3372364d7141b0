"""The one check per object type (pilots.permissions) and the selectors that apply it, each rule both
ways: the right role of the right region in the right state may, anyone else may not."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.models import Organisation, Region
from accounts.roles import Role
from pilots.models import PilotCall, PilotPlan
from pilots.permissions import (
    can_check_plan,
    can_cosign_plan,
    can_create_plan,
    can_edit_plan,
    can_manage_calls,
    can_view_call,
    can_view_plan,
    get_call_for_user_or_404,
    get_plan_for_user_or_404,
)
from pilots.selectors import calls_visible_to, plan_list, plans_visible_to
from tests.factories import (
    ApplicantFactory,
    CountyFactory,
    LeagueCityFactory,
    OrganisationFactory,
    ProvinceFactory,
    UserFactory,
    UserGroupFactory,
    make_user,
    role_group,
)

from .factories import PilotCallFactory, PilotPlanFactory, applicant_of, make_applicant, make_cosigner

Status = PilotPlan.Status


@pytest.fixture
def plan(db):
    """A draft of region A (包头市)."""
    return PilotPlanFactory(actor=make_applicant(LeagueCityFactory(name="包头市")))


def with_status(plan: PilotPlan, status: str) -> PilotPlan:
    PilotPlan.objects.filter(pk=plan.pk).update(status=status)
    plan.refresh_from_db()
    return plan


@pytest.fixture
def people(plan):
    """Everyone, described relative to the plan's region A; B is another league/city."""
    region_b = LeagueCityFactory()
    county_of_a = CountyFactory(parent=plan.region)
    inactive = ApplicantFactory(organisation=plan.applicant)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    return {
        "applicant_a": applicant_of(plan),
        "applicant_b": make_applicant(region_b),
        "cosigner_a": make_cosigner(plan.region),
        "cosigner_b": make_cosigner(region_b),
        "department_officer": make_user(Role.DEPARTMENT_OFFICER),
        "department_leader": make_user(Role.DEPARTMENT_LEADER),
        "finance_department": make_user(Role.FINANCE_DEPARTMENT),
        "auditor": make_user(Role.AUDITOR),
        "expert": make_user(Role.EXPERT),
        "agency_coordinator": make_user(Role.AGENCY_COORDINATOR),
        "county_bureau_of_a": make_user(
            Role.COUNTY_BUREAU, organisation=OrganisationFactory(county_bureau=True, region=county_of_a)
        ),
        "enterprise_of_a": make_user(
            Role.ENTERPRISE, organisation=OrganisationFactory(enterprise=True, region=county_of_a)
        ),
        "no_role": UserFactory(),
        "anonymous": AnonymousUser(),
        "inactive_applicant_a": inactive,
    }


def who_may(check, people, plan) -> set[str]:
    return {key for key, account in people.items() if check(account, plan)}


# --- the plan ---------------------------------------------------------------------------------------


def test_who_may_view_a_plan(plan, people):
    assert who_may(can_view_plan, people, plan) == {
        "applicant_a",
        "cosigner_a",
        "department_officer",
        "department_leader",
        "finance_department",
        "auditor",
    }


@pytest.mark.parametrize("status", [Status.DRAFT, Status.COSIGNED, Status.RETURNED])
def test_only_the_bureau_of_the_region_edits_and_only_while_editable(plan, people, status):
    assert who_may(can_edit_plan, people, with_status(plan, status)) == {"applicant_a"}


@pytest.mark.parametrize("status", [Status.COSIGNING, Status.SUBMITTED, Status.ACCEPTED])
def test_nobody_edits_a_plan_with_the_finance_bureau_or_the_department(plan, people, status):
    assert who_may(can_edit_plan, people, with_status(plan, status)) == set()


def test_only_the_finance_bureau_of_the_region_cosigns_and_only_while_asked(plan, people):
    assert who_may(can_cosign_plan, people, with_status(plan, Status.COSIGNING)) == {"cosigner_a"}
    for status in set(Status) - {Status.COSIGNING}:
        assert who_may(can_cosign_plan, people, with_status(plan, status)) == set(), status


def test_only_a_department_officer_checks_and_only_a_submitted_plan(plan, people):
    assert who_may(can_check_plan, people, with_status(plan, Status.SUBMITTED)) == {"department_officer"}
    for status in set(Status) - {Status.SUBMITTED}:
        assert who_may(can_check_plan, people, with_status(plan, status)) == set(), status


def test_get_plan_for_user_or_404_is_404_alike_for_not_allowed_and_not_found(plan, people):
    assert get_plan_for_user_or_404(applicant_of(plan), plan.pk) == plan
    for key in ("applicant_b", "cosigner_b", "expert", "enterprise_of_a", "anonymous"):
        with pytest.raises(Http404):
            get_plan_for_user_or_404(people[key], plan.pk)
    with pytest.raises(Http404):
        get_plan_for_user_or_404(applicant_of(plan), 10**9)


def test_plans_visible_to_gives_each_their_regions_plans(plan, people):
    other = PilotPlanFactory(call=plan.call)
    assert list(plans_visible_to(applicant_of(plan))) == [plan]
    assert list(plans_visible_to(make_cosigner(plan.region))) == [plan]
    assert list(plans_visible_to(applicant_of(other))) == [other]
    assert set(plans_visible_to(make_user(Role.AUDITOR))) == {plan, other}
    for key in ("expert", "enterprise_of_a", "county_bureau_of_a", "no_role", "anonymous"):
        assert not plans_visible_to(people[key]).exists(), key


def test_plan_list_filters_by_call_and_status(plan):
    other_call = PilotPlanFactory(actor=applicant_of(plan))  # the same region, another call
    officer = make_user(Role.DEPARTMENT_OFFICER)
    assert set(plan_list(officer)) == {plan, other_call}
    assert list(plan_list(officer, call=plan.call)) == [plan]
    with_status(plan, Status.RETURNED)
    assert list(plan_list(officer, status="returned")) == [plan]
    assert list(plan_list(officer, status="submitted")) == []


# --- creating plans, calls --------------------------------------------------------------------------


def test_only_a_league_city_bureau_creates_plans(db):
    assert can_create_plan(make_applicant(LeagueCityFactory()))
    county_bureau_applicant = make_user(
        Role.APPLICANT,
        organisation=OrganisationFactory(region=CountyFactory(), kind=Organisation.Kind.INDUSTRY_BUREAU),
    )
    assert not can_create_plan(county_bureau_applicant)
    province_applicant = make_user(Role.APPLICANT, organisation=OrganisationFactory(region=ProvinceFactory()))
    assert ProvinceFactory().level == Region.Level.PROVINCE
    assert not can_create_plan(province_applicant)
    assert not can_create_plan(make_cosigner(LeagueCityFactory()))
    assert not can_create_plan(make_user(Role.DEPARTMENT_OFFICER))
    assert not can_create_plan(AnonymousUser())
    without_organisation = UserFactory()
    UserGroupFactory(user=without_organisation, group=role_group(Role.APPLICANT))
    assert not can_create_plan(without_organisation)


def test_only_department_officers_manage_calls(db):
    assert can_manage_calls(make_user(Role.DEPARTMENT_OFFICER))
    for role in set(Role) - {Role.DEPARTMENT_OFFICER}:
        assert not can_manage_calls(make_user(role)), role
    assert not can_manage_calls(AnonymousUser())


@pytest.mark.parametrize(
    ("status", "readers"),
    [
        (PilotCall.Status.DRAFT, {"department_officer", "department_leader", "finance_department", "auditor"}),
        (
            PilotCall.Status.OPEN,
            {"department_officer", "department_leader", "finance_department", "auditor", "applicant", "cosigner"},
        ),
        (
            PilotCall.Status.CLOSED,
            {"department_officer", "department_leader", "finance_department", "auditor", "applicant", "cosigner"},
        ),
    ],
)
def test_who_may_view_a_call(db, status, readers):
    call = PilotCallFactory(status=status)
    users = {role.value: make_user(role) for role in Role}
    assert {key for key, account in users.items() if can_view_call(account, call)} == readers
    assert {key for key, account in users.items() if call in calls_visible_to(account)} == readers
    for key, account in users.items():
        if key in readers:
            assert get_call_for_user_or_404(account, call.pk) == call
        else:
            with pytest.raises(Http404):
                get_call_for_user_or_404(account, call.pk)

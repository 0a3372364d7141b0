"""The demo expert pool (evaluation.demo): experts of the review agency, each with a profile."""

import pytest

from accounts.demo import AGENCY_NAME, EXPERTS, load_demo_accounts
from accounts.permissions import organisation_of, roles_of
from evaluation.demo import load_demo_experts
from evaluation.models import ExpertProfile

from ..factories import ensure_role_groups

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts():
    ensure_role_groups()
    load_demo_accounts()


def test_every_expert_is_an_agency_member_with_a_profile(accounts):
    lines = load_demo_experts()
    assert [line[0] for line in lines] == [f"expert{n}" for n in range(1, 9)]
    for (username, full_name, employer, fields, home), (_, label, organisation_name) in zip(
        EXPERTS, lines, strict=True
    ):
        profile = ExpertProfile.objects.select_related("user", "home_region").get(user__username=username)
        assert (profile.full_name, profile.employer, profile.fields_of_expertise) == (full_name, employer, fields)
        assert profile.home_region.code == home
        assert profile.is_active
        assert str(profile) == full_name
        assert roles_of(profile.user) == {"expert"}
        assert organisation_of(profile.user).name == AGENCY_NAME == organisation_name
        assert label == f"评审专家（{full_name}，{employer}）"


def test_the_pool_spans_regions_for_conflict_checks(accounts):
    load_demo_experts()
    # Experts from several leagues/cities and the province, so that conflict-of-interest rules
    # (no expert reviews their own region) leave reviewers for every plan.
    homes = set(ExpertProfile.objects.values_list("home_region__code", flat=True))
    assert "150000" in homes
    assert len(homes) >= 6


def test_loading_twice_keeps_one_profile_and_one_history_row_each(accounts):
    load_demo_experts()
    load_demo_experts()
    assert ExpertProfile.objects.count() == len(EXPERTS)
    assert ExpertProfile.history.count() == len(EXPERTS)


def test_experts_need_the_agency_first():
    from accounts.models import Organisation

    ensure_role_groups()
    with pytest.raises(Organisation.DoesNotExist):
        load_demo_experts()
    assert not ExpertProfile.objects.exists()

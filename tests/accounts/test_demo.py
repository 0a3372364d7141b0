"""``manage.py load_demo``: the demo organisations and users, idempotent, with no generic guardian grants."""

import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from guardian.models import GroupObjectPermission, UserObjectPermission

from accounts.demo import DEMO_PASSWORD, LEAGUE_CITIES
from accounts.models import Membership, Organisation, Region
from accounts.permissions import organisation_of, roles_of
from accounts.validators import validate_uscc
from evaluation.models import ExpertProfile

from ..factories import ensure_role_groups

pytestmark = pytest.mark.django_db

EXPECTED_USERNAMES = (
    {"dept", "dept_leader", "finance", "agency", "auditor", "county_150102", "county_150203"}
    | {f"expert{n}" for n in range(1, 9)}
    | {f"enterprise{n}" for n in range(1, 4)}
    | {f"bureau_{code}" for code, _ in LEAGUE_CITIES}
    | {f"finbureau_{code}" for code, _ in LEAGUE_CITIES}
)


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Every row the demo touches, in full, so that "changes nothing" means nothing."""
    User = get_user_model()
    return {
        "users": sorted(User.objects.values_list("username", "password", "is_active")),
        "user_groups": sorted(User.groups.through.objects.values_list("user__username", "group__name")),
        "groups": sorted(Group.objects.values_list("name", flat=True)),
        "regions": sorted(Region.objects.values_list("code", "name", "level", "parent__code")),
        "organisations": sorted(Organisation.objects.values_list("name", "kind", "region__code", "uscc")),
        "memberships": sorted(Membership.objects.values_list("user__username", "organisation__name", "title")),
        "experts": sorted(ExpertProfile.objects.values_list("user__username", "full_name", "home_region__code")),
        "organisation_history": Organisation.history.count(),
        "membership_history": Membership.history.count(),
        "expert_history": ExpertProfile.history.count(),
        # and every other table, the demo cases and the audit log included
        "row_counts": {model._meta.label: model._base_manager.count() for model in apps.get_models()},
    }


@pytest.fixture
def groups():
    ensure_role_groups()


# load_demo takes seconds (it also builds the demo cases), so each test below runs it as few times as it can.


def test_load_demo_creates_every_documented_account_and_no_generic_grants(groups):
    output = load_demo()
    assert f"演示账号（密码均为 {DEMO_PASSWORD}）" in output
    User = get_user_model()
    assert set(User.objects.values_list("username", flat=True)) == EXPECTED_USERNAMES
    for username in EXPECTED_USERNAMES:
        assert username in output
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert len(roles_of(user)) == 1
        assert organisation_of(user) is not None
    for organisation in Organisation.objects.exclude(uscc=""):
        validate_uscc(organisation.uscc)
    assert ExpertProfile.objects.count() == 8
    # viewflow's queue reads the generic tables row by row; object permissions live in direct FK tables.
    assert UserObjectPermission.objects.count() == 0
    assert GroupObjectPermission.objects.count() == 0


def test_load_demo_twice_changes_nothing(groups):
    load_demo()
    before = snapshot()
    assert len(before["users"]) == len(EXPECTED_USERNAMES)
    out = io.StringIO()
    call_command("load_demo", quiet=True, stdout=out)
    assert out.getvalue() == ""
    assert snapshot() == before
    assert UserObjectPermission.objects.count() == 0
    assert GroupObjectPermission.objects.count() == 0


def test_demo_fixture_gives_users_by_username(demo):
    assert set(demo) == EXPECTED_USERNAMES
    assert demo["auditor"].membership.organisation.name == "内蒙古自治区审计厅"
    assert demo["bureau_150100"].membership.organisation.region.code == "150100"

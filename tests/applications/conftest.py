"""Policies for the tests: the shipped originals (the data migration ran when the test database was
made) and the demo copy for 2026, which is the year the examples of the issue are computed in."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps

from applications.demo import SHIPPED_MIGRATION, load_demo_policies
from applications.models import Policy

YANGZHOU, SHEYANG = "yangzhou-2022-20", "sheyang-2022-12"
DEMO_YEAR = 2026
DEMO_DAY = date(2026, 6, 1)
IN_YANGZHOU_VALIDITY = date(2023, 6, 1)


def yuan(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@pytest.fixture(scope="session")
def _demo_policy_committed(django_db_setup, django_db_blocker):
    """The demo copy, made once for the session (copying a policy costs some 70 queries); tests roll
    back around it. A transactional test elsewhere may flush it: ``demo_policy`` then makes it again."""
    with django_db_blocker.unblock():
        importlib.import_module(SHIPPED_MIGRATION).ship_policies(apps)
        load_demo_policies(year=DEMO_YEAR)


@pytest.fixture(autouse=True)
def _shipped_policies(request):
    """What the data migration shipped, again if a transactional test elsewhere flushed it."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        importlib.import_module(SHIPPED_MIGRATION).ship_policies(apps)


@pytest.fixture
def demo_policy(_demo_policy_committed, db) -> Policy:
    return load_demo_policies(year=DEMO_YEAR)


@pytest.fixture
def without_demo(db) -> None:
    """No demo copy (for this test only): the shipped originals alone."""
    Policy.objects.filter(is_demo=True).delete()


@pytest.fixture
def yangzhou(db) -> Policy:
    return Policy.objects.get(code=YANGZHOU)


@pytest.fixture
def sheyang(db) -> Policy:
    return Policy.objects.get(code=SHEYANG)

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


@pytest.fixture(autouse=True)
def _shipped_policies(request):
    """What the data migration shipped, again if a transactional test elsewhere flushed it."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        importlib.import_module(SHIPPED_MIGRATION).ship_policies(apps)


@pytest.fixture
def demo_policy(db) -> Policy:
    """The demo copy, made inside each test's transaction: a copy committed once for the session would
    leave its audit events in the shared chain for every other app's tests."""
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

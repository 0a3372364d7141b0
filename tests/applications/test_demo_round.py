import pytest
from django.utils import timezone

from applications.demo import load_demo_round
from applications.models import SubsidyRound
from tests.factories import LeagueCityFactory

pytestmark = pytest.mark.django_db


def test_the_demo_round_is_open_now_for_every_city_and_loads_once():
    city = LeagueCityFactory()
    first = load_demo_round()
    assert load_demo_round() == first
    assert SubsidyRound.objects.count() == 1
    assert first.accepts_on(timezone.now())
    assert city in first.regions.all()
    assert first.policy.is_demo

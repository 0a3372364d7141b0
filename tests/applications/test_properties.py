"""Properties of quote_subsidy over arbitrary input: it never raises, a refusal pays 0, and a rate-based
amount never exceeds its cap nor rate × base."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.services import quote_subsidy

from .conftest import DEMO_DAY, IN_YANGZHOU_VALIDITY, YANGZHOU

pytestmark = pytest.mark.django_db

CATEGORIES = [
    "smart_retrofit",
    "industrial_internet_platform",
    "first_set_equipment",
    "diagnosis",
    "benchmark_award",
    "service_provider_award",
    "park_digitalisation",
    "free_diagnosis",
]
FACT_NAMES = [
    "investment",
    "platform_investment",
    "product_sales",
    "recognition",
    "catalogue",
    "level",
    "enterprise_scale",
]
CHOICES = ["provincial", "national", "chain", "factory", "workshop", "national_demo", "integration_3a", "above_scale"]
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.text(max_size=40),
    st.sampled_from(CHOICES),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.decimals(min_value=-(10**15), max_value=10**15, places=2).map(str),
)
facts_dicts = st.dictionaries(st.one_of(st.sampled_from(FACT_NAMES), st.text(max_size=10)), anything, max_size=5)
dates = st.sampled_from([DEMO_DAY, IN_YANGZHOU_VALIDITY, None])
SLOW_DB = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW_DB
@given(
    category=st.one_of(st.sampled_from(CATEGORIES), st.text(max_size=20)),
    facts=st.one_of(facts_dicts, anything),
    policy_code=st.one_of(st.none(), st.just(YANGZHOU), st.text(max_size=10), st.integers()),
    on_date=dates,
)
def test_quote_never_raises(demo_policy, category, facts, policy_code, on_date):
    result = quote_subsidy(category_code=category, facts=facts, policy_code=policy_code, on_date=on_date)
    assert isinstance(result.eligible, bool)
    assert isinstance(result.amount, Decimal) and result.amount.as_tuple().exponent == -2
    assert result.amount >= 0
    assert result.eligible or result.amount == 0
    assert result.reasons and all(isinstance(reason, str) and reason for reason in result.reasons)


RATE_CATEGORIES = {
    # category: (base fact, extra facts, rate, cap) — the seed's numbers
    "smart_retrofit": ("investment", {}, Decimal("0.13"), Decimal(6_000_000)),
    "industrial_internet_platform": (
        "platform_investment",
        {"recognition": "national"},
        Decimal("0.13"),
        Decimal(5_000_000),
    ),
    "first_set_equipment": ("product_sales", {"catalogue": "provincial"}, Decimal("0.10"), Decimal(2_000_000)),
    "park_digitalisation": ("investment", {}, Decimal("0.15"), Decimal(2_000_000)),
}


@SLOW_DB
@given(
    category=st.sampled_from(sorted(RATE_CATEGORIES)),
    base=st.decimals(min_value=0, max_value=10**13, places=2, allow_nan=False, allow_infinity=False),
)
def test_rate_quotes_never_exceed_cap_nor_rate_times_base(demo_policy, category, base):
    base_fact, extra, rate, cap = RATE_CATEGORIES[category]
    result = quote_subsidy(category_code=category, facts={base_fact: base, **extra}, on_date=DEMO_DAY)
    assert result.amount <= cap
    assert result.amount <= base * rate
    assert base * rate - result.amount < Decimal("0.01") or result.amount == cap or not result.eligible
    if category == "smart_retrofit":
        assert result.eligible is (base >= 20_000_000)

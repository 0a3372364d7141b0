"""schedule_payments: the 射阳 fiscal-contribution cap, year by year, with carry-over and what stays unpaid."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from applications.services import PaymentSchedule, schedule_payments, unpaid_amount

from .conftest import yuan


def schedule(amount: str, contributions: dict[int, str], first_year: int = 2026, others: dict[int, str] | None = None):
    return schedule_payments(
        amount=yuan(amount),
        fiscal_contribution_by_year={year: yuan(value) for year, value in contributions.items()},
        first_year=first_year,
        other_awards_by_year=None if others is None else {year: yuan(value) for year, value in others.items()},
    )


def test_paid_within_the_first_year_when_the_contribution_allows():
    result = schedule("3,120,000.00", {2026: "5,000,000.00", 2027: "5,000,000.00"})
    assert result == {2026: yuan("3,120,000.00")}
    assert result.unpaid == 0


def test_the_remainder_carries_to_later_years():
    result = schedule("3,120,000.00", {2026: "2,000,000.00", 2027: "800,000.00", 2028: "5,000,000.00", 2029: "1"})
    assert result == {2026: yuan("2,000,000.00"), 2027: yuan("800,000.00"), 2028: yuan("320,000.00")}
    assert result.unpaid == 0  # 2029 is not needed and not listed


def test_a_year_with_zero_contribution_pays_nothing_and_carries_everything():
    result = schedule("3,000,000.00", {2026: "0", 2027: "1,000,000.00", 2028: "5,000,000.00"})
    assert result == {2026: yuan("0.00"), 2027: yuan("1,000,000.00"), 2028: yuan("2,000,000.00")}
    assert result.unpaid == 0


def test_what_no_year_can_cover_stays_unpaid_and_is_reported():
    result = schedule("1,000,000.00", {2026: "100,000.00", 2027: "200,000.00"})
    assert result == {2026: yuan("100,000.00"), 2027: yuan("200,000.00")}
    assert result.unpaid == yuan("700,000.00")
    assert result.amount == yuan("1,000,000.00")
    assert unpaid_amount(amount=yuan("1,000,000.00"), schedule=dict(result)) == yuan("700,000.00")


def test_no_contribution_known_yet_leaves_it_all_unpaid():
    result = schedule("500,000.00", {})
    assert result == {}
    assert result.unpaid == yuan("500,000.00")


def test_other_awards_use_part_of_a_year():
    result = schedule(
        "1,000,000.00",
        {2026: "1,000,000.00", 2027: "1,000,000.00"},
        others={2026: "600,000.00", 2027: "1,200,000.00", 2028: "5"},
    )
    # 2026: 400,000 left after other awards; 2027: other awards already exceed the contribution.
    assert result == {2026: yuan("400,000.00"), 2027: yuan("0.00")}
    assert result.unpaid == yuan("600,000.00")


def test_years_before_the_first_year_do_not_pay():
    result = schedule("300,000.00", {2025: "1,000,000.00", 2026: "100,000.00", 2027: "1,000,000.00"})
    assert result == {2026: yuan("100,000.00"), 2027: yuan("200,000.00")}


def test_years_are_scheduled_in_order_whatever_the_dict_order():
    result = schedule("300,000.00", {2028: "1,000,000.00", 2026: "100,000.00", 2027: "100,000.00"})
    assert list(result) == [2026, 2027, 2028]
    assert result[2028] == yuan("100,000.00")


def test_nothing_to_pay():
    result = schedule("0", {2026: "100"})
    assert result == {}
    assert result.unpaid == 0


def test_the_result_is_a_plain_year_to_decimal_dict():
    result = schedule("3,120,000.00", {2026: "2,000,000.00", 2027: "5,000,000.00"})
    assert isinstance(result, dict) and isinstance(result, PaymentSchedule)
    assert result == {2026: Decimal("2000000.00"), 2027: Decimal("1120000.00")}
    assert all(isinstance(year, int) and value.as_tuple().exponent == -2 for year, value in result.items())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"amount": Decimal("-1")},
        {"amount": 1.5},
        {"amount": "100"},
        {"amount": Decimal("NaN")},
        {"fiscal_contribution_by_year": {"2026": Decimal(1)}},
        {"fiscal_contribution_by_year": {2026: Decimal(-1)}},
        {"fiscal_contribution_by_year": [(2026, Decimal(1))]},
        {"other_awards_by_year": {2026: 0.5}},
        {"first_year": "2026"},
        {"first_year": True},
    ],
)
def test_bad_input_raises_value_error(kwargs):
    arguments = {"amount": Decimal(100), "fiscal_contribution_by_year": {2026: Decimal(100)}, "first_year": 2026}
    with pytest.raises(ValueError):
        schedule_payments(**{**arguments, **kwargs})


money = st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False, allow_infinity=False)
years = st.integers(min_value=2020, max_value=2040)


@given(
    amount=money,
    contributions=st.dictionaries(years, money, max_size=12),
    others=st.dictionaries(years, money, max_size=12),
    first_year=years,
)
def test_schedule_invariants(amount, contributions, others, first_year):
    result = schedule_payments(
        amount=amount, fiscal_contribution_by_year=contributions, first_year=first_year, other_awards_by_year=others
    )
    assert sum(result.values(), Decimal(0)) + result.unpaid == amount
    assert result.unpaid >= 0
    for year, paid in result.items():
        assert year >= first_year and year in contributions
        assert 0 <= paid <= max(Decimal(0), contributions[year] - others.get(year, Decimal(0)))
    # Nothing is left unpaid while a year given still had room.
    if result.unpaid > 0:
        assert all(
            result.get(year, Decimal(0)) == max(Decimal(0), contributions[year] - others.get(year, Decimal(0)))
            for year in contributions
            if year >= first_year
        )

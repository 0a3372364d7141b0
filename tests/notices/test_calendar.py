"""Working days follow the State Council's holiday arrangement (make-up working days included) and the
Department's corrections."""

from datetime import date

import pytest

from notices.calendar import add_working_days, is_working_day, next_working_day, working_days_between
from notices.models import HolidayOverride

pytestmark = pytest.mark.django_db


def test_national_day_2024_with_its_make_up_sunday():
    # 国庆节 2024: 10-01..10-07 off, Sunday 09-29 (and Saturday 10-12) worked instead.
    assert is_working_day(date(2024, 9, 27))  # Friday
    assert not is_working_day(date(2024, 9, 28))  # an ordinary Saturday
    assert is_working_day(date(2024, 9, 29))  # Sunday, make-up working day
    assert not is_working_day(date(2024, 10, 1))
    assert not is_working_day(date(2024, 10, 7))  # Monday, still the holiday
    assert is_working_day(date(2024, 10, 12))  # Saturday, make-up working day
    # By hand: 09-27 (1), 09-29 Sun (2), 09-30 (3), holiday 10-01..07, 10-08 (4), 10-09 (5).
    assert add_working_days(date(2024, 9, 27), 5) == date(2024, 10, 9)


def test_spring_festival_2025():
    # 春节 2025: 01-28..02-04 off, Sunday 01-26 and Saturday 02-08 worked.
    # By hand: 01-24 Fri (1), 01-26 Sun (2), 01-27 Mon (3), holiday 01-28..02-04, 02-05 (4), 02-06 (5).
    assert add_working_days(date(2025, 1, 24), 5) == date(2025, 2, 6)
    # Starting in the holiday: the period begins on 02-05; 02-08 is a make-up Saturday.
    # 02-05 (1), 02-06 (2), 02-07 (3), 02-08 Sat (4), 02-10 Mon (5).
    assert add_working_days(date(2025, 1, 30), 5) == date(2025, 2, 10)


def test_one_working_day_is_the_start_itself_or_the_next_working_day():
    assert add_working_days(date(2024, 9, 27), 1) == date(2024, 9, 27)
    assert add_working_days(date(2024, 10, 1), 1) == date(2024, 10, 8)
    assert next_working_day(date(2024, 9, 28)) == date(2024, 9, 29)
    assert next_working_day(date(2024, 9, 30)) == date(2024, 9, 30)


def test_count_must_be_positive():
    with pytest.raises(ValueError):
        add_working_days(date(2024, 9, 27), 0)


def test_an_override_makes_a_saturday_a_working_day():
    saturday = date(2024, 11, 16)
    assert not is_working_day(saturday)
    HolidayOverride.objects.create(date=saturday, is_working_day=True, note="补班")
    assert is_working_day(saturday)
    # Friday 11-15 (1), Saturday 11-16 (2).
    assert add_working_days(date(2024, 11, 15), 2) == saturday


def test_an_override_makes_a_weekday_a_holiday():
    monday = date(2024, 11, 18)
    HolidayOverride.objects.create(date=monday, is_working_day=False, note="自治区成立纪念日调休")
    assert not is_working_day(monday)
    # Friday 11-15 (1), weekend, Monday off by the override, Tuesday 11-19 (2).
    assert add_working_days(date(2024, 11, 15), 2) == date(2024, 11, 19)
    assert working_days_between(date(2024, 11, 15), date(2024, 11, 19)) == 2


def test_an_override_wins_over_a_make_up_day_of_the_official_calendar():
    HolidayOverride.objects.create(date=date(2024, 9, 29), is_working_day=False)
    assert add_working_days(date(2024, 9, 27), 5) == date(2024, 10, 10)


def test_a_year_the_package_does_not_know_falls_back_to_monday_to_friday():
    # 2040-01-06 is a Friday; 2040-01-07/08 the weekend.
    assert date(2040, 1, 6).weekday() == 4
    assert is_working_day(date(2040, 1, 6))
    assert not is_working_day(date(2040, 1, 7))
    assert add_working_days(date(2040, 1, 6), 2) == date(2040, 1, 9)
    HolidayOverride.objects.create(date=date(2040, 1, 9), is_working_day=False)
    assert add_working_days(date(2040, 1, 6), 2) == date(2040, 1, 10)


def test_adding_working_days_reads_the_overrides_once(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(date(2024, 9, 27), 20)

"""Working days in China: the official holiday calendar (``chinese_calendar``), corrected by the
Department's ``HolidayOverride`` rows.

``chinese_calendar`` ships the State Council's yearly holiday arrangement, including the make-up working
days on weekends (调休). It only knows the years published before its release; for any other year it raises
``NotImplementedError`` and we fall back to Monday–Friday, still corrected by the overrides. Once the State
Council announces a new year, upgrade the package or enter that year's holidays as overrides.
"""

from datetime import date, timedelta

import chinese_calendar
from django.utils import timezone

from .models import CHINA, HolidayOverride

# A period of N working days never spans more than this many calendar days per working day (the longest
# Chinese holiday is 8–9 days), so one query for the overrides of that window is enough.
_WINDOW_DAYS_PER_WORKING_DAY = 3
_WINDOW_EXTRA_DAYS = 30


def today_in_china() -> date:
    return timezone.localtime(timezone.now(), CHINA).date()


def official_working_day(day: date) -> bool:
    """The official calendar alone: the package's answer, or Monday–Friday for a year it does not know."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_working_day(day: date, *, overrides: dict[date, bool] | None = None) -> bool:
    """Whether ``day`` is a working day. A ``HolidayOverride`` for that day wins over the official calendar;
    for years ``chinese_calendar`` does not know, the official calendar is taken as Monday–Friday.

    ``overrides`` (day → is working day) may be passed to avoid a query per day."""
    if overrides is None:
        override = HolidayOverride.objects.filter(date=day).values_list("is_working_day", flat=True).first()
    else:
        override = overrides.get(day)
    if override is not None:
        return override
    return official_working_day(day)


def _overrides_between(start: date, end: date) -> dict[date, bool]:
    return dict(HolidayOverride.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_working_day"))


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, otherwise the first working day after it."""
    return add_working_days(day, 1)


def add_working_days(start: date, count: int) -> date:
    """The last day of a period of ``count`` working days beginning on ``start`` (or, if ``start`` is not a
    working day, on the next working day). ``add_working_days(friday, 1)`` is that Friday."""
    if count < 1:
        raise ValueError("count must be at least 1")
    window_end = start + timedelta(days=count * _WINDOW_DAYS_PER_WORKING_DAY + _WINDOW_EXTRA_DAYS)
    overrides = _overrides_between(start, window_end)
    day = start
    remaining = count
    while True:
        if day > window_end:  # only if the Department declared a very long run of holidays
            window_end = day + timedelta(days=remaining * _WINDOW_DAYS_PER_WORKING_DAY + _WINDOW_EXTRA_DAYS)
            overrides = _overrides_between(day, window_end)
        if is_working_day(day, overrides=overrides):
            remaining -= 1
            if remaining == 0:
                return day
        day += timedelta(days=1)


def working_days_between(start: date, end: date) -> int:
    """How many working days lie in ``start``..``end`` (both included)."""
    if end < start:
        return 0
    overrides = _overrides_between(start, end)
    return sum(
        1
        for offset in range((end - start).days + 1)
        if is_working_day(start + timedelta(days=offset), overrides=overrides)
    )

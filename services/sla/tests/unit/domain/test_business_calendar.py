"""Building and validating business calendars."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from helpdesk_sla.domain import (
    BusinessCalendar,
    CalendarError,
    PartialHoliday,
    WeeklyHours,
    validate_calendar,
)


def calendar(weekly=None, zone="Europe/Berlin", **extra):
    weekly = {day: [(time(9), time(17))] for day in range(5)} if weekly is None else weekly
    return BusinessCalendar.from_weekly(zone, weekly, **extra)


def test_a_weekday_office_calendar_is_valid():
    validate_calendar(calendar())


def test_an_unknown_time_zone_is_rejected():
    with pytest.raises(CalendarError, match="unknown time zone 'Mars/Olympus'"):
        calendar(zone="Mars/Olympus")


@pytest.mark.parametrize("zone", ["", "Europe", "../etc/passwd", None])
def test_malformed_time_zones_are_rejected_as_calendar_errors(zone):
    with pytest.raises(CalendarError, match="unknown time zone"):
        calendar(zone=zone)


@pytest.mark.parametrize("weekday", [-1, 7, True, "1"])
def test_a_weekday_outside_monday_to_sunday_is_rejected(weekday):
    with pytest.raises(CalendarError, match="weekday must be 0"):
        calendar({weekday: [(time(9), time(17))]})


def test_overlapping_hours_on_one_day_are_rejected():
    with pytest.raises(CalendarError, match="overlap: Monday 09:00-13:00 and Monday 12:00-17:00"):
        calendar({0: [(time(9), time(13)), (time(12), time(17))]})


def test_overnight_hours_overlapping_the_next_morning_are_rejected():
    with pytest.raises(CalendarError, match="overlap: Monday 22:00-06:00 and Tuesday 05:00-09:00"):
        calendar({0: [(time(22), time(6))], 1: [(time(5), time(9))]})


def test_sunday_night_hours_overlapping_monday_morning_are_rejected():
    with pytest.raises(CalendarError, match="overlap: Sunday 22:00-06:00 and Monday 05:00-09:00"):
        calendar({0: [(time(5), time(9))], 6: [(time(22), time(6))]})


def test_hours_that_touch_do_not_overlap():
    validate_calendar(calendar({day: [(time(22), time(6)), (time(6), time(22))] for day in range(7)}))


def test_a_zero_length_interval_is_rejected():
    with pytest.raises(CalendarError, match="zero-length"):
        calendar({0: [(time(9), time(9))]})


def test_midnight_to_midnight_is_the_whole_day():
    validate_calendar(calendar({day: [(time(0), time(0))] for day in range(7)}))


def test_local_times_with_a_time_zone_are_rejected():
    with pytest.raises(CalendarError, match="naive local times"):
        calendar({0: [(time(9, tzinfo=ZoneInfo("UTC")), time(17))]})


def test_a_partial_holiday_cannot_run_past_midnight():
    with pytest.raises(CalendarError, match="cannot run past midnight"):
        calendar(partial_holidays=[(date(2024, 12, 24), time(22), time(2))])


def test_a_zero_length_partial_holiday_is_rejected():
    with pytest.raises(CalendarError, match="zero-length"):
        calendar(partial_holidays=[PartialHoliday(date(2024, 12, 24), time(12), time(12))])


def test_a_partial_holiday_may_close_until_midnight():
    validate_calendar(calendar(partial_holidays=[(date(2024, 12, 24), time(12), time(0))]))


def test_holidays_must_be_dates_not_datetimes():
    with pytest.raises(CalendarError, match="holidays must be dates"):
        calendar(holidays=[datetime(2024, 12, 25)])


def test_a_24_7_calendar_cannot_have_holidays():
    with pytest.raises(CalendarError, match="24/7"):
        BusinessCalendar("UTC", holidays=frozenset({date(2024, 12, 25)}), always_open=True)


def test_calendars_with_the_same_hours_in_any_order_are_equal_and_hash_equal():
    split = [(time(13), time(17)), (time(9), time(12))]
    first = calendar({1: split, 0: split}, holidays=[date(2024, 1, 1)])
    second = calendar({0: split[::-1], 1: split[::-1]}, holidays={date(2024, 1, 1)})
    assert first == second
    assert hash(first) == hash(second)


def test_weekly_hours_can_be_given_directly():
    direct = BusinessCalendar("Europe/Berlin", weekly=(WeeklyHours(0, time(9), time(17)),))
    assert direct == calendar({0: [(time(9), time(17))]})

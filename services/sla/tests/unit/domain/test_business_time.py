"""Business-time arithmetic: worked examples, DST weeks in two zones, and properties."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from helpdesk_sla.domain import (
    BusinessCalendar,
    CalendarError,
    add_business_seconds,
    business_seconds_between,
    is_open,
)

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
HOUR = 3600
ONE_MICROSECOND = timedelta(microseconds=1)
WEEKDAYS, EVERY_DAY = range(5), range(7)


def office_hours(zone=BERLIN, days=WEEKDAYS, shifts=((time(9), time(17)),), **holidays):
    return BusinessCalendar.from_weekly(zone, {day: list(shifts) for day in days}, **holidays)


def split_shifts(zone=BERLIN):
    return office_hours(zone, shifts=((time(9), time(12)), (time(13), time(17))))


def night_shifts(zone=NEW_YORK, days=WEEKDAYS, **holidays):
    return office_hours(zone, days, shifts=((time(22), time(6)),), **holidays)


def around_the_clock(zone, **holidays):
    return office_hours(zone, EVERY_DAY, shifts=((time(0), time(0)),), **holidays)


def at(zone, *fields, fold=0):
    """A local wall time in `zone`, as the UTC instant the domain works with."""
    return datetime(*fields, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def test_adding_within_the_day_stays_on_the_day():
    assert add_business_seconds(office_hours(), at(BERLIN, 2024, 5, 6, 10), 2 * HOUR) == at(BERLIN, 2024, 5, 6, 12)


def test_a_deadline_at_closing_time_is_closing_time_not_the_next_opening():
    assert add_business_seconds(office_hours(), at(BERLIN, 2024, 5, 6, 9), 8 * HOUR) == at(BERLIN, 2024, 5, 6, 17)


def test_friday_afternoon_carries_over_the_weekend():
    due = add_business_seconds(office_hours(), at(BERLIN, 2024, 5, 10, 16), 3 * HOUR)
    assert due == at(BERLIN, 2024, 5, 13, 11)


def test_a_start_before_opening_waits_for_opening():
    assert add_business_seconds(office_hours(), at(BERLIN, 2024, 5, 6, 6), 1) == at(BERLIN, 2024, 5, 6, 9, 0, 1)


def test_adding_nothing_in_closed_hours_returns_the_start_itself():
    saturday = at(BERLIN, 2024, 5, 11, 12)
    assert add_business_seconds(office_hours(), saturday, 0) == saturday


def test_the_result_is_in_utc_whatever_zone_the_start_is_in():
    start = datetime(2024, 5, 6, 10, tzinfo=ZoneInfo(BERLIN))
    due = add_business_seconds(office_hours(), start, HOUR)
    assert due.tzinfo is UTC and due == datetime(2024, 5, 6, 9, tzinfo=UTC)


def test_split_shifts_skip_the_lunch_break():
    assert add_business_seconds(split_shifts(), at(BERLIN, 2024, 5, 6, 11), 2 * HOUR) == at(BERLIN, 2024, 5, 6, 14)
    assert business_seconds_between(split_shifts(), at(BERLIN, 2024, 5, 6), at(BERLIN, 2024, 5, 7)) == 7 * HOUR


def test_a_night_shift_runs_past_midnight():
    assert add_business_seconds(night_shifts(), at(NEW_YORK, 2024, 5, 6, 23), 4 * HOUR) == at(NEW_YORK, 2024, 5, 7, 3)


def test_fridays_night_shift_ends_on_saturday_morning_and_resumes_on_monday_night():
    friday_night = at(NEW_YORK, 2024, 5, 10, 22)
    assert add_business_seconds(night_shifts(), friday_night, 8 * HOUR) == at(NEW_YORK, 2024, 5, 11, 6)
    assert add_business_seconds(night_shifts(), friday_night, 9 * HOUR) == at(NEW_YORK, 2024, 5, 13, 23)


def test_a_holiday_is_skipped():
    calendar = office_hours(holidays=[date(2024, 5, 9)])
    assert add_business_seconds(calendar, at(BERLIN, 2024, 5, 8, 16), 2 * HOUR) == at(BERLIN, 2024, 5, 10, 10)


def test_a_partial_holiday_closes_the_afternoon():
    calendar = office_hours(partial_holidays=[(date(2024, 12, 24), time(12), time(0))])
    due = add_business_seconds(calendar, at(BERLIN, 2024, 12, 24, 11), 2 * HOUR)
    assert due == at(BERLIN, 2024, 12, 25, 10)


def test_a_holiday_cuts_an_overnight_shift_at_midnight():
    calendar = night_shifts(holidays=[date(2024, 5, 7)])
    monday_night, wednesday_morning = at(NEW_YORK, 2024, 5, 6, 22), at(NEW_YORK, 2024, 5, 8, 6)
    # Monday 22-24, then Tuesday is closed, then Wednesday 00-06 from Tuesday's shift.
    assert business_seconds_between(calendar, monday_night, wednesday_morning) == 8 * HOUR


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        (BERLIN, date(2024, 3, 31), 23),
        (BERLIN, date(2024, 10, 27), 25),
        (NEW_YORK, date(2024, 3, 10), 23),
        (NEW_YORK, date(2024, 11, 3), 25),
        (NEW_YORK, date(2024, 11, 4), 24),
    ],
)
def test_a_midnight_to_midnight_day_lasts_as_long_as_the_local_day(zone, day, hours):
    start, end = at(zone, day.year, day.month, day.day), at(zone, *(day + timedelta(days=1)).timetuple()[:3])
    assert business_seconds_between(around_the_clock(zone), start, end) == hours * HOUR


@pytest.mark.parametrize(("day", "hours"), [(date(2024, 3, 9), 7), (date(2024, 11, 2), 9), (date(2024, 11, 3), 8)])
def test_a_night_shift_across_a_new_york_dst_change_lasts_real_hours(day, hours):
    calendar = night_shifts(days=EVERY_DAY)
    start = at(NEW_YORK, day.year, day.month, day.day, 22)
    assert add_business_seconds(calendar, start, hours * HOUR) == at(
        NEW_YORK, *(day + timedelta(days=1)).timetuple()[:3], 6
    )


def test_berlin_office_hours_keep_local_opening_times_across_spring_forward():
    friday_late = at(BERLIN, 2024, 3, 29, 16)
    assert add_business_seconds(office_hours(), friday_late, 2 * HOUR) == at(BERLIN, 2024, 4, 1, 10)
    assert at(BERLIN, 2024, 4, 1, 10) == datetime(2024, 4, 1, 8, tzinfo=UTC)


def test_new_york_office_hours_keep_local_opening_times_across_fall_back():
    calendar = office_hours(NEW_YORK, EVERY_DAY)
    due = add_business_seconds(calendar, at(NEW_YORK, 2024, 11, 2, 16), 2 * HOUR)
    assert due == at(NEW_YORK, 2024, 11, 3, 10) == datetime(2024, 11, 3, 15, tzinfo=UTC)


def test_hours_starting_in_the_spring_forward_gap_open_when_the_gap_ends():
    calendar = office_hours(BERLIN, EVERY_DAY, shifts=((time(2, 30), time(4)),))
    assert business_seconds_between(calendar, at(BERLIN, 2024, 3, 31), at(BERLIN, 2024, 3, 31, 12)) == HOUR
    assert not is_open(calendar, datetime(2024, 3, 31, 0, 45, tzinfo=UTC))
    assert is_open(calendar, datetime(2024, 3, 31, 1, 0, tzinfo=UTC))


def test_hours_starting_in_the_repeated_hour_open_at_its_first_occurrence():
    calendar = office_hours(BERLIN, EVERY_DAY, shifts=((time(2, 30), time(4)),))
    first_half_past_two = at(BERLIN, 2024, 10, 27, 2, 30, fold=0)
    assert business_seconds_between(calendar, at(BERLIN, 2024, 10, 27), at(BERLIN, 2024, 10, 27, 12)) == 2.5 * HOUR
    assert add_business_seconds(calendar, at(BERLIN, 2024, 10, 27), 1) == first_half_past_two + timedelta(seconds=1)


def test_a_24_7_calendar_is_wall_clock_time():
    always = BusinessCalendar.twenty_four_seven()
    start = at(BERLIN, 2024, 3, 30, 12)
    assert add_business_seconds(always, start, 36 * HOUR) == start + timedelta(hours=36)
    assert business_seconds_between(always, start, start + timedelta(hours=36)) == 36 * HOUR


def test_a_calendar_that_never_opens_cannot_answer():
    with pytest.raises(CalendarError, match="no open hours"):
        add_business_seconds(BusinessCalendar(BERLIN), at(BERLIN, 2024, 5, 6), 1)


def test_holidays_may_close_a_weekly_opening_several_weeks_running():
    sundays_only = office_hours(days=[6], holidays=[date(2024, 5, 5), date(2024, 5, 12), date(2024, 5, 19)])
    assert add_business_seconds(sundays_only, at(BERLIN, 2024, 5, 1), HOUR) == at(BERLIN, 2024, 5, 26, 10)


def test_measuring_backwards_gives_nothing():
    assert business_seconds_between(office_hours(), at(BERLIN, 2024, 5, 7), at(BERLIN, 2024, 5, 6)) == 0


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf")])
def test_business_seconds_to_add_must_be_finite_and_not_negative(seconds):
    with pytest.raises(CalendarError, match="finite number >= 0"):
        add_business_seconds(office_hours(), at(BERLIN, 2024, 5, 6), seconds)


def test_naive_datetimes_are_rejected():
    with pytest.raises(CalendarError, match="timezone-aware"):
        add_business_seconds(office_hours(), datetime(2024, 5, 6, 10), 1)


# Properties, over calendars covering every shape the domain supports and DST weeks in two zones.
CALENDARS = [
    office_hours(),
    office_hours(NEW_YORK, EVERY_DAY, holidays=[date(2024, 11, 28)]),
    split_shifts(),
    split_shifts(NEW_YORK),
    night_shifts(),
    night_shifts(BERLIN, EVERY_DAY),
    office_hours(BERLIN, EVERY_DAY, shifts=((time(1, 30), time(2, 30)), (time(2, 45), time(3, 15)))),
    around_the_clock(BERLIN, holidays=[date(2024, 3, 31)], partial_holidays=[(date(2024, 10, 27), time(2), time(3))]),
    office_hours(partial_holidays=[(date(2024, 3, 28), time(12), time(0)), (date(2024, 10, 28), time(9), time(10))]),
    BusinessCalendar.twenty_four_seven(),
]
calendars = st.sampled_from(CALENDARS)
# Around the 2024 DST changes of both zones, plus ordinary weeks in between.
instants = st.datetimes(datetime(2024, 2, 25), datetime(2024, 11, 30), timezones=st.just(UTC))
seconds = st.integers(0, 5 * 24 * HOUR)
precise_seconds = st.integers(0, 5 * 24 * HOUR * 10**6).map(lambda microseconds: microseconds / 10**6)


@given(calendars, instants, precise_seconds)
def test_measuring_what_was_added_gives_it_back(calendar, start, amount):
    due = add_business_seconds(calendar, start, amount)
    assert business_seconds_between(calendar, start, due) == pytest.approx(amount, abs=1e-6)


@given(calendars, instants, seconds, seconds)
def test_adding_in_two_steps_is_adding_the_sum(calendar, start, first, second):
    in_steps = add_business_seconds(calendar, add_business_seconds(calendar, start, first), second)
    assert in_steps == add_business_seconds(calendar, start, first + second)


@given(calendars, instants, seconds, seconds)
def test_adding_more_never_ends_earlier(calendar, start, first, second):
    smaller, larger = sorted((first, second))
    assert add_business_seconds(calendar, start, smaller) <= add_business_seconds(calendar, start, larger)


@given(calendars, instants, seconds.filter(bool))
def test_a_deadline_is_the_end_of_an_open_moment(calendar, start, amount):
    due = add_business_seconds(calendar, start, amount)
    assert business_seconds_between(calendar, due - ONE_MICROSECOND, due) > 0


@given(calendars, instants, instants, instants)
def test_measuring_is_additive_over_a_split(calendar, first, second, third):
    start, middle, end = sorted((first, second, third))
    whole = business_seconds_between(calendar, start, end)
    parts = business_seconds_between(calendar, start, middle) + business_seconds_between(calendar, middle, end)
    assert whole == pytest.approx(parts, abs=1e-6)


@given(st.sampled_from([BERLIN, NEW_YORK]), instants, seconds)
def test_a_calendar_open_every_minute_of_every_day_matches_wall_clock_time_across_dst(zone, start, amount):
    assert add_business_seconds(around_the_clock(zone), start, amount) == start + timedelta(seconds=amount)


def is_open_by_the_rules(calendar, instant):
    """An independent reading of a calendar: local wall time against the weekly hours and holidays."""
    local = instant.astimezone(ZoneInfo(calendar.time_zone))
    day, wall = local.date(), local.time()
    closed = any(
        p.day == day and p.start <= wall and (wall < p.end or p.end == time(0)) for p in calendar.partial_holidays
    )
    if day in calendar.holidays or closed:
        return False
    yesterday = (day - timedelta(days=1)).weekday()
    for hours in calendar.weekly:
        overnight = hours.end <= hours.start
        if hours.weekday == day.weekday() and hours.start <= wall and (overnight or wall < hours.end):
            return True
        if hours.weekday == yesterday and overnight and wall < hours.end:
            return True
    return False


@pytest.mark.parametrize(
    ("calendar", "first_day"),
    [
        (office_hours(), date(2024, 3, 25)),
        (split_shifts(NEW_YORK), date(2024, 10, 28)),
        (night_shifts(NEW_YORK, holidays=[date(2024, 3, 12)]), date(2024, 3, 6)),
        (night_shifts(NEW_YORK, EVERY_DAY), date(2024, 10, 30)),
        (office_hours(partial_holidays=[(date(2024, 10, 28), time(12), time(0))]), date(2024, 10, 24)),
    ],
)
def test_business_time_agrees_with_a_minute_by_minute_reading_of_the_rules_across_dst(calendar, first_day):
    start = at(calendar.time_zone, first_day.year, first_day.month, first_day.day)
    minutes = [start + timedelta(minutes=offset) for offset in range(10 * 24 * 60)]
    open_minutes = sum(is_open_by_the_rules(calendar, minute) for minute in minutes)
    assert business_seconds_between(calendar, start, minutes[-1] + timedelta(minutes=1)) == open_minutes * 60
    assert all(is_open(calendar, minute) == is_open_by_the_rules(calendar, minute) for minute in minutes[::7])

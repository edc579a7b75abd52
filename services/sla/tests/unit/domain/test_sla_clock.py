"""The per-ticket SLA clock: pausing, meeting, stopping, retargeting and reopening."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from helpdesk_sla.domain import BusinessCalendar, Clock, ClockError, ClockState, Metric, Segment, SegmentKind

HOUR = 3600
T0 = datetime(2024, 5, 6, 8, tzinfo=UTC)
ALWAYS = BusinessCalendar.twenty_four_seven()
BERLIN_OFFICE = BusinessCalendar.from_weekly("Europe/Berlin", {day: [(time(9), time(17))] for day in range(5)})


def later(seconds):
    return T0 + timedelta(seconds=seconds)


def clock(target=4 * HOUR, metric=Metric.RESOLUTION, calendar=ALWAYS, **options):
    return Clock.start(metric, target, calendar, T0, **options)


def berlin(*fields):
    return datetime(*fields, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)


def test_a_new_clock_is_due_after_its_target():
    assert clock().due_at() == later(4 * HOUR)
    assert clock().remaining_business_seconds(later(HOUR)) == 3 * HOUR


def test_pausing_for_three_seconds_pushes_the_due_time_by_three_seconds():
    subject = clock()
    subject.pause(later(10))
    subject.resume(later(13))
    assert subject.due_at() == later(4 * HOUR + 3)
    assert subject.elapsed_business_seconds(later(20)) == 17


def test_a_paused_clock_has_no_due_time_and_stops_counting():
    subject = clock()
    subject.pause(later(60))
    assert subject.due_at() is None
    assert subject.elapsed_business_seconds(later(HOUR)) == 60


def test_pausing_a_paused_clock_changes_nothing():
    subject = clock()
    assert subject.pause(later(1)) is True
    assert subject.pause(later(2)) is False
    assert subject.segments == [
        Segment(SegmentKind.RUNNING, T0, later(1)),
        Segment(SegmentKind.PAUSED, later(1)),
    ]


def test_resuming_a_running_clock_changes_nothing():
    subject = clock()
    assert subject.resume(later(5)) is False
    assert len(subject.segments) == 1


def test_a_clock_can_start_paused():
    subject = clock(paused=True)
    assert subject.state is ClockState.PAUSED
    subject.resume(later(HOUR))
    assert subject.due_at() == later(5 * HOUR)


def test_retargeting_keeps_the_business_time_already_spent():
    subject = clock()
    subject.retarget(2 * HOUR, later(HOUR))
    assert subject.elapsed_business_seconds(later(HOUR)) == HOUR
    assert subject.due_at() == later(2 * HOUR)


def test_retargeting_below_the_time_spent_makes_the_clock_overdue():
    subject = clock()
    subject.retarget(HOUR, later(2 * HOUR))
    assert subject.is_overdue(later(2 * HOUR))
    assert subject.due_at() == later(HOUR)


def test_meeting_is_terminal():
    subject = clock()
    assert subject.meet(later(HOUR)) is True
    assert subject.meet(later(2 * HOUR)) is False
    assert (subject.state, subject.met_at, subject.met_within_target()) == (ClockState.MET, later(HOUR), True)
    for transition in (subject.pause, subject.resume, subject.stop):
        with pytest.raises(ClockError, match="met"):
            transition(later(3 * HOUR))
    with pytest.raises(ClockError, match="retarget"):
        subject.retarget(HOUR, later(3 * HOUR))
    assert subject.elapsed_business_seconds(later(10 * HOUR)) == HOUR


def test_stopping_is_terminal():
    subject = clock()
    assert subject.stop(later(HOUR)) is True
    assert subject.stop(later(2 * HOUR)) is False
    with pytest.raises(ClockError, match="stopped"):
        subject.meet(later(2 * HOUR))
    assert subject.due_at() is None


def test_a_clock_met_after_its_target_was_met_late():
    subject = clock()
    subject.meet(later(5 * HOUR))
    assert subject.met_within_target() is False


def test_reopening_a_met_resolution_clock_resumes_it_keeping_the_time_spent():
    subject = clock()
    subject.meet(later(HOUR))
    assert subject.reopen(later(10 * HOUR)) is True
    assert (subject.state, subject.met_at) == (ClockState.RUNNING, None)
    assert subject.elapsed_business_seconds(later(11 * HOUR)) == 2 * HOUR
    assert subject.due_at() == later(13 * HOUR)


def test_reopening_a_running_resolution_clock_changes_nothing():
    assert clock().reopen(later(1)) is False


def test_only_resolution_clocks_reopen():
    subject = clock(metric=Metric.FIRST_RESPONSE)
    subject.meet(later(1))
    with pytest.raises(ClockError, match="only a resolution clock"):
        subject.reopen(later(2))


def test_a_stopped_clock_does_not_reopen():
    subject = clock()
    subject.stop(later(1))
    with pytest.raises(ClockError, match="cannot reopen a stopped"):
        subject.reopen(later(2))


def test_time_cannot_run_backwards():
    subject = clock()
    subject.pause(later(HOUR))
    with pytest.raises(ClockError, match="before the clock's last change"):
        subject.resume(later(HOUR - 1))


def test_naive_times_are_rejected():
    with pytest.raises(ClockError, match="timezone-aware"):
        clock().pause(datetime(2024, 5, 6, 9))


@pytest.mark.parametrize("target", [0, -1, float("nan"), True])
def test_a_target_must_be_a_positive_number_of_seconds(target):
    with pytest.raises(ClockError, match="positive number"):
        clock(target=target)


def test_elapsed_business_time_skips_the_weekend():
    subject = Clock.start(Metric.RESOLUTION, 8 * HOUR, BERLIN_OFFICE, berlin(2024, 5, 10, 16))
    assert subject.elapsed_business_seconds(berlin(2024, 5, 13, 10)) == 2 * HOUR
    assert subject.due_at() == berlin(2024, 5, 13, 16)


def test_a_breach_is_recorded_at_the_due_instant_and_the_clock_keeps_counting():
    subject = clock()
    assert subject.mark_breached(later(4 * HOUR + 30)) is True
    assert subject.breached_at == later(4 * HOUR)
    assert subject.status is ClockState.BREACHED and subject.state is ClockState.RUNNING
    assert subject.elapsed_business_seconds(later(5 * HOUR)) == 5 * HOUR
    assert subject.mark_breached(later(6 * HOUR)) is False


def test_a_breach_check_before_the_due_time_records_nothing():
    subject = clock()
    subject.pause(later(HOUR))
    assert subject.mark_breached(later(5 * HOUR)) is False
    assert subject.status is ClockState.PAUSED


def test_a_met_breached_clock_reports_met():
    subject = clock()
    subject.mark_breached(later(5 * HOUR))
    subject.meet(later(6 * HOUR))
    assert subject.status is ClockState.MET


def test_a_warning_can_come_a_business_duration_before_the_target():
    subject = Clock.start(Metric.FIRST_RESPONSE, 8 * HOUR, BERLIN_OFFICE, berlin(2024, 5, 10, 16))
    assert subject.warning_at(warn_before_seconds=HOUR) == berlin(2024, 5, 13, 15)
    assert subject.warning_at(warn_at_percent=25) == berlin(2024, 5, 13, 10)


def test_a_warning_needs_exactly_one_setting():
    with pytest.raises(ClockError, match="exactly one"):
        clock().warning_at()


def test_a_clock_loaded_from_storage_accepts_plain_strings():
    loaded = Clock("resolution", HOUR, ALWAYS, T0, [Segment("running", T0)], state="running")
    assert (loaded.metric, loaded.state, loaded.segments[0].kind) == (
        Metric.RESOLUTION,
        ClockState.RUNNING,
        SegmentKind.RUNNING,
    )
    assert loaded.reopen(later(1)) is False


pauses = st.lists(st.tuples(st.integers(0, HOUR), st.integers(0, HOUR)), max_size=6)


@given(pauses)
def test_on_a_24_7_calendar_every_paused_second_pushes_the_due_time_by_a_second(gaps):
    subject, now, paused = clock(target=10 * HOUR), T0, 0
    for running_for, paused_for in gaps:
        now += timedelta(seconds=running_for)
        subject.pause(now)
        now += timedelta(seconds=paused_for)
        subject.resume(now)
        paused += paused_for
    assert subject.due_at() == later(10 * HOUR + paused)
    assert subject.elapsed_business_seconds(now) == (now - T0).total_seconds() - paused

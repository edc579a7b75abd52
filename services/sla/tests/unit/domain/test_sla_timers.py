"""Planning warning, breach and escalation timers for a clock under its policy."""

from datetime import UTC, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from helpdesk_sla.domain import (
    ESCALATION_SETTLE_SECONDS,
    BusinessCalendar,
    Clock,
    EscalationStep,
    Metric,
    PlannedTimer,
    SlaPolicy,
    TimerKind,
    due_timers,
    plan_timers,
)

HOUR = 3600
SETTLE = ESCALATION_SETTLE_SECONDS
T0 = datetime(2024, 5, 6, 8, tzinfo=UTC)
ALWAYS = BusinessCalendar.twenty_four_seven()
LADDER = (
    EscalationStep(level=2, after_breach_seconds=0, metric=Metric.RESOLUTION),
    EscalationStep(level=3, after_breach_seconds=2 * HOUR, metric=Metric.RESOLUTION),
    EscalationStep(level=2, after_breach_seconds=0, metric=Metric.FIRST_RESPONSE),
)


def later(seconds):
    return T0 + timedelta(seconds=seconds)


def policy(**fields):
    fields.setdefault("warn_before_seconds", HOUR)
    return SlaPolicy(
        id=UUID(int=1),
        version=1,
        priority="high",
        targets={Metric.RESOLUTION: 4 * HOUR, Metric.FIRST_RESPONSE: 2 * HOUR},
        escalation=LADDER,
        **fields,
    )


def resolution_clock(calendar=ALWAYS, start=T0):
    return Clock.start(Metric.RESOLUTION, 4 * HOUR, calendar, start)


def timer(kind, seconds, level=None):
    return PlannedTimer(kind, Metric.RESOLUTION, later(seconds), level)


def test_a_running_clock_plans_its_warning_breach_and_escalations_in_order():
    assert plan_timers(resolution_clock(), policy(), T0) == [
        timer(TimerKind.WARNING, 3 * HOUR),
        timer(TimerKind.BREACH, 4 * HOUR),
        timer(TimerKind.ESCALATION, 4 * HOUR + SETTLE, level=2),
        timer(TimerKind.ESCALATION, 6 * HOUR, level=3),
    ]


def test_a_ladder_step_at_the_breach_waits_a_moment_for_a_reply_already_on_its_way():
    steps = [planned for planned in plan_timers(resolution_clock(), policy(), T0) if planned.level == 2]
    assert steps == [timer(TimerKind.ESCALATION, 4 * HOUR + SETTLE, level=2)]
    assert 0 < SETTLE <= 5


def test_a_warning_can_come_at_a_share_of_the_target():
    timers = plan_timers(resolution_clock(), policy(warn_before_seconds=None, warn_at_percent=75), T0)
    assert timers[0] == timer(TimerKind.WARNING, 3 * HOUR)


def test_a_policy_without_warnings_plans_none():
    timers = plan_timers(resolution_clock(), policy(warn_before_seconds=None), T0)
    assert TimerKind.WARNING not in {planned.kind for planned in timers}


def test_warnings_count_business_time_but_escalations_count_wall_clock_time():
    office = BusinessCalendar.from_weekly("Europe/Berlin", {day: [(time(9), time(17))] for day in range(5)})
    friday_afternoon = datetime(2024, 5, 10, 14, tzinfo=ZoneInfo("Europe/Berlin"))
    timers = plan_timers(resolution_clock(office, friday_afternoon), policy(), friday_afternoon)
    monday = datetime(2024, 5, 13, tzinfo=ZoneInfo("Europe/Berlin"))
    assert [planned.fire_at for planned in timers] == [
        datetime(2024, 5, 10, 17, tzinfo=ZoneInfo("Europe/Berlin")),
        monday.replace(hour=10),
        monday.replace(hour=10) + timedelta(seconds=SETTLE),
        monday.replace(hour=12),
    ]


def test_paused_met_and_stopped_clocks_plan_nothing():
    paused, met, stopped = resolution_clock(), resolution_clock(), resolution_clock()
    paused.pause(later(60))
    met.meet(later(60))
    stopped.stop(later(60))
    assert [plan_timers(each, policy(), later(120)) for each in (paused, met, stopped)] == [[], [], []]


def test_a_resumed_clock_plans_from_its_new_due_time():
    subject = resolution_clock()
    subject.pause(later(HOUR))
    subject.resume(later(2 * HOUR))
    assert plan_timers(subject, policy(), later(2 * HOUR))[:2] == [
        timer(TimerKind.WARNING, 4 * HOUR),
        timer(TimerKind.BREACH, 5 * HOUR),
    ]


def test_a_breached_clock_plans_only_escalations_counted_from_the_breach():
    subject = resolution_clock()
    subject.mark_breached(later(4 * HOUR + 60))
    assert plan_timers(subject, policy(), later(4 * HOUR + 60)) == [
        timer(TimerKind.ESCALATION, 4 * HOUR + SETTLE, level=2),
        timer(TimerKind.ESCALATION, 6 * HOUR, level=3),
    ]


def test_escalation_levels_already_reached_are_not_planned_again():
    subject = resolution_clock()
    subject.mark_escalated(2)
    assert [planned.level for planned in plan_timers(subject, policy(), T0)] == [None, None, 3]
    assert subject.mark_escalated(2) is False


def test_a_warning_already_sent_is_not_planned_again():
    subject = resolution_clock()
    subject.mark_warned(later(3 * HOUR))
    assert TimerKind.WARNING not in {planned.kind for planned in plan_timers(subject, policy(), later(3 * HOUR))}


def test_a_warning_is_not_planned_once_the_clock_is_due():
    subject = resolution_clock()
    subject.retarget(HOUR, later(2 * HOUR))
    kinds = [
        planned.kind
        for planned in plan_timers(subject, policy(warn_at_percent=50, warn_before_seconds=None), later(2 * HOUR))
    ]
    assert TimerKind.WARNING not in kinds and TimerKind.BREACH in kinds


def test_only_timers_whose_moment_has_come_are_due():
    assert due_timers(resolution_clock(), policy(), later(3 * HOUR)) == [timer(TimerKind.WARNING, 3 * HOUR)]


def test_a_timer_made_stale_by_a_pause_is_no_longer_due():
    subject = resolution_clock()
    subject.pause(later(HOUR))
    assert due_timers(subject, policy(), later(4 * HOUR)) == []

"""Stored policy and calendar definitions become domain objects; domain errors name the field to fix."""

from datetime import date, time
from uuid import UUID

import pytest

from helpdesk_sla.domain import CalendarError, EscalationStep, Metric, PartialHoliday, PolicyError
from helpdesk_sla.policies.mapping import calendar_problem, policy_problem, to_calendar, to_policy


def test_a_stored_calendar_becomes_weekly_hours_and_holidays():
    calendar = to_calendar(
        "Europe/Berlin",
        False,
        [
            {"day": "monday", "start": "09:00:00", "end": "17:00:00"},
            {"day": "sunday", "start": "22:00", "end": "02:00"},
        ],
        [{"date": "2024-12-25", "start": None, "end": None}, {"date": "2024-12-24", "start": "12:00", "end": "00:00"}],
    )
    assert [(h.weekday, h.start, h.end) for h in calendar.weekly] == [(0, time(9), time(17)), (6, time(22), time(2))]
    assert calendar.holidays == {date(2024, 12, 25)}
    assert calendar.partial_holidays == (PartialHoliday(date(2024, 12, 24), time(12), time(0)),)


def test_an_always_open_calendar_is_twenty_four_seven():
    assert to_calendar("UTC", True, [], []).always_open


def test_a_stored_policy_becomes_targets_warning_and_ladder():
    policy = to_policy(
        UUID(int=1),
        3,
        {
            "priority": "high",
            "first_response_seconds": 600.0,
            "next_response_seconds": None,
            "resolution_seconds": 7200.0,
            "warn_at_percent": 80.0,
            "pause_statuses": ["waiting_customer"],
            "tags": ["vip"],
            "escalation": [{"level": 2, "after_breach_seconds": 0, "metric": "resolution"}],
        },
    )
    assert policy.targets == {Metric.FIRST_RESPONSE: 600, Metric.RESOLUTION: 7200}
    assert (policy.version, policy.warn_at_percent, policy.tags) == (3, 80, frozenset({"vip"}))
    assert policy.escalation == (EscalationStep(2, 0, Metric.RESOLUTION),)


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("unknown time zone 'Mars/Base'", "body.time_zone"),
        ("open hours overlap: Monday 09:00-13:00 and Monday 12:00-17:00", "body.weekly_hours"),
        ("a 24/7 calendar cannot also have weekly hours or holidays", "body.always_open"),
        ("partial holiday on 2024-12-24 cannot run past midnight", "body.holidays"),
    ],
)
def test_calendar_errors_name_the_field(message, field):
    assert calendar_problem(CalendarError(message)).extensions["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("a policy needs at least one target", "body"),
        ("warn_before_seconds (7200) must be below the resolution target (3600)", "body.warn_before_seconds"),
        ("resolution escalation levels must strictly increase: 3 then 2", "body.escalation"),
    ],
)
def test_policy_errors_name_the_field(message, field):
    assert policy_problem(PolicyError(message)).extensions["errors"][0]["field"] == field

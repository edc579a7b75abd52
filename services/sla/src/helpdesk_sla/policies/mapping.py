"""Stored definitions (JSON-shaped rows) to domain calendars and policies, and domain errors to 422 problems."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, time
from typing import Any
from uuid import UUID

from helpdesk_contracts import normalize_tags
from helpdesk_servicekit.errors import Unprocessable
from helpdesk_sla.domain import (
    BusinessCalendar,
    CalendarError,
    EscalationStep,
    Metric,
    PartialHoliday,
    PolicyError,
    SlaPolicy,
    WeeklyHours,
)
from helpdesk_sla.policies.schemas import WEEKDAYS

TARGET_FIELDS = {
    Metric.FIRST_RESPONSE: "first_response_seconds",
    Metric.NEXT_RESPONSE: "next_response_seconds",
    Metric.RESOLUTION: "resolution_seconds",
}
ALWAYS_OPEN = BusinessCalendar.twenty_four_seven()


def _time(value: Any) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def to_calendar(
    time_zone: str, always_open: bool, weekly_hours: Iterable[Mapping[str, Any]], holidays: Iterable[Mapping[str, Any]]
) -> BusinessCalendar:
    """A domain calendar from its stored (or submitted) definition; raises CalendarError when malformed."""
    if always_open and not list(weekly_hours) and not list(holidays):
        return BusinessCalendar.twenty_four_seven(time_zone)
    full_days, partial = set(), []
    for holiday in holidays:
        if holiday.get("start") is None:
            full_days.add(_date(holiday["date"]))
        else:
            partial.append(PartialHoliday(_date(holiday["date"]), _time(holiday["start"]), _time(holiday["end"])))
    return BusinessCalendar(
        time_zone=time_zone,
        weekly=tuple(
            WeeklyHours(WEEKDAYS.index(hours["day"]), _time(hours["start"]), _time(hours["end"]))
            for hours in weekly_hours
        ),
        holidays=frozenset(full_days),
        partial_holidays=tuple(partial),
        always_open=always_open,
    )


def to_policy(policy_id: UUID, version: int, definition: Mapping[str, Any]) -> SlaPolicy:
    """A domain policy from its stored (or submitted) definition; raises PolicyError when malformed."""
    return SlaPolicy(
        id=policy_id,
        version=version,
        priority=str(definition["priority"]),
        targets={
            metric: float(definition[name])
            for metric, name in TARGET_FIELDS.items()
            if definition.get(name) is not None
        },
        category_id=definition.get("category_id"),
        # Normalized again on the way in: versions stored before the one shared rule matched by .lower().
        tags=frozenset(normalize_tags(definition.get("tags") or ())),
        position=int(definition.get("position") or 0),
        warn_before_seconds=definition.get("warn_before_seconds"),
        warn_at_percent=definition.get("warn_at_percent"),
        pause_statuses=tuple(definition.get("pause_statuses") or ()),
        escalation=tuple(
            EscalationStep(
                level=int(step["level"]),
                after_breach_seconds=float(step.get("after_breach_seconds") or 0),
                metric=Metric(step.get("metric") or Metric.RESOLUTION),
            )
            for step in definition.get("escalation") or ()
        ),
        calendar_id=definition.get("calendar_id"),
    )


def calendar_problem(error: CalendarError) -> Unprocessable:
    message = str(error)
    if "time zone" in message:
        field = "body.time_zone"
    elif "24/7" in message:
        field = "body.always_open"
    elif "holiday" in message:
        field = "body.holidays"
    else:
        field = "body.weekly_hours"
    return Unprocessable(f"the calendar is not valid: {message}", errors=[{"field": field, "message": message}])


def policy_problem(error: PolicyError) -> Unprocessable:
    message = str(error)
    if "warn" in message:
        field = "body.warn_before_seconds" if "warn_before" in message else "body.warn_at_percent"
    elif "escalation" in message or "ladder" in message:
        field = "body.escalation"
    elif "at least one target" in message:
        field = "body"
    elif "target" in message:
        field = "body.resolution_seconds"
    elif "tag" in message:
        field = "body.tags"
    else:
        field = "body"
    return Unprocessable(f"the policy is not valid: {message}", errors=[{"field": field, "message": message}])

"""The SLA service's pure domain: calendars and business time, clocks, policies and their timers."""

from helpdesk_sla.domain.calendar import (
    BusinessCalendar,
    PartialHoliday,
    WeeklyHours,
    add_business_seconds,
    business_seconds_between,
    is_open,
    validate_calendar,
)
from helpdesk_sla.domain.clock import Clock, ClockState, Metric, Segment, SegmentKind
from helpdesk_sla.domain.errors import CalendarError, ClockError, PolicyError, SlaDomainError
from helpdesk_sla.domain.policy import (
    ESCALATION_LEVELS,
    EscalationStep,
    PlannedTimer,
    SlaPolicy,
    TimerKind,
    choose_policy,
    due_timers,
    matches,
    plan_timers,
    validate_policy,
)

__all__ = [
    "ESCALATION_LEVELS",
    "BusinessCalendar",
    "CalendarError",
    "Clock",
    "ClockError",
    "ClockState",
    "EscalationStep",
    "Metric",
    "PartialHoliday",
    "PlannedTimer",
    "PolicyError",
    "Segment",
    "SegmentKind",
    "SlaDomainError",
    "SlaPolicy",
    "TimerKind",
    "WeeklyHours",
    "add_business_seconds",
    "business_seconds_between",
    "choose_policy",
    "due_timers",
    "is_open",
    "matches",
    "plan_timers",
    "validate_calendar",
    "validate_policy",
]

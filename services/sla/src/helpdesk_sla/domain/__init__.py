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
    ESCALATION_SETTLE_SECONDS,
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
from helpdesk_sla.domain.ticket import Placement, SlaEvent, SlaEventKind, TicketFact, TicketSla, TrackedClock

__all__ = [
    "ESCALATION_LEVELS",
    "ESCALATION_SETTLE_SECONDS",
    "BusinessCalendar",
    "CalendarError",
    "Clock",
    "ClockError",
    "ClockState",
    "EscalationStep",
    "Metric",
    "PartialHoliday",
    "Placement",
    "PlannedTimer",
    "PolicyError",
    "Segment",
    "SegmentKind",
    "SlaDomainError",
    "SlaEvent",
    "SlaEventKind",
    "SlaPolicy",
    "TicketFact",
    "TicketSla",
    "TimerKind",
    "TrackedClock",
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

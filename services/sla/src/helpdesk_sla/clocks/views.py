"""A ticket's SLA as people read it: every figure recomputed from the clocks' segments at `now`."""

from __future__ import annotations

from datetime import datetime

from helpdesk_sla.clocks.repository import StoredTicket
from helpdesk_sla.clocks.schemas import ClockRead, SegmentRead, TicketSlaRead, TimerRead
from helpdesk_sla.domain import Clock, SegmentKind, TrackedClock, add_business_seconds, business_seconds_between


def ticket_view(ticket: StoredTicket, now: datetime) -> TicketSlaRead:
    placement = ticket.sla.placement
    return TicketSlaRead(
        ticket_id=ticket.ticket_id,
        ticket_version=ticket.ticket_version,
        status=ticket.sla.status,
        priority=ticket.priority,
        escalation_level=ticket.sla.escalation_level,
        policy_id=placement.policy.id if placement else None,
        policy_version=placement.policy.version if placement else None,
        clocks=[clock_view(tracked, now) for tracked in sorted(ticket.sla.clocks, key=_order)],
        timers=sorted(
            (
                TimerRead(kind=kind, metric=metric, level=level or None, fire_at=fire_at)
                for (metric, kind, level), (fire_at, _run) in ticket.timers.items()
            ),
            key=lambda timer: timer.fire_at,
        ),
    )


def clock_view(tracked: TrackedClock, now: datetime) -> ClockRead:
    clock = tracked.clock
    ended_at = None if clock.is_open else (clock.met_at or clock.last_change)
    counted_until = ended_at or now
    elapsed = clock.elapsed_business_seconds(counted_until)
    return ClockRead(
        metric=clock.metric.value,
        run=tracked.run,
        state=clock.status.value,
        policy_id=tracked.policy.id,
        policy_version=tracked.policy.version,
        priority=tracked.policy.priority,
        calendar_id=tracked.policy.calendar_id if tracked.calendar_version is not None else None,
        calendar_version=tracked.calendar_version,
        target_seconds=clock.target_seconds,
        started_at=clock.started_at,
        due_at=_due_at(clock, ended_at, elapsed),
        warned_at=clock.warned_at,
        breached_at=clock.breached_at,
        met_at=clock.met_at,
        ended_at=ended_at,
        within_target=clock.met_within_target(),
        elapsed_business_seconds=round(elapsed, 6),
        remaining_business_seconds=round(clock.target_seconds - elapsed, 6),
        segments=[
            SegmentRead(
                kind=segment.kind.value,
                start=segment.start,
                end=segment.end,
                business_seconds=round(business_seconds_between(clock.calendar, segment.start, segment.end or now), 6),
            )
            for segment in clock.segments
        ],
    )


def _due_at(clock: Clock, ended_at: datetime | None, elapsed: float) -> datetime | None:
    """When the target is (or was) reached; for a clock met in time, when it would have been had it kept running.
    None while paused: a paused clock has no deadline, only remaining time."""
    due = clock.due_at()
    if due is not None or ended_at is None or not clock.segments:
        return due
    if clock.segments[-1].kind is not SegmentKind.RUNNING:
        return None
    return add_business_seconds(clock.calendar, ended_at, max(clock.target_seconds - elapsed, 0.0))


def _order(tracked: TrackedClock) -> tuple[int, int]:
    return (["first_response", "next_response", "resolution"].index(tracked.metric.value), tracked.run)

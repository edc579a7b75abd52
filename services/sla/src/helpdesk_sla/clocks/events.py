"""Domain SLA events to integration events, staged for the outbox through servicekit's producer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from helpdesk_contracts import SlaBreached, SlaClockChanged, SlaEscalationRequested, SlaMet, SlaWarning, iso_utc
from helpdesk_servicekit import outbox
from helpdesk_sla.clocks.repository import StoredTicket
from helpdesk_sla.domain import ClockState, SlaEvent, SlaEventKind, TrackedClock

producer = outbox.Producer("sla")
_EVENT_TYPES: dict[SlaEventKind, str] = {
    SlaEventKind.WARNING: SlaWarning.event_type,
    SlaEventKind.BREACHED: SlaBreached.event_type,
    SlaEventKind.MET: SlaMet.event_type,
    SlaEventKind.ESCALATION_REQUESTED: SlaEscalationRequested.event_type,
}


def payload_of(ticket: StoredTicket, event: SlaEvent) -> dict[str, Any]:
    """The payload exactly as the contract's model serialises it (SlaBreached, SlaEscalationRequested, ...).

    Built by hand because this runs for every deadline the timer worker fires; tests check each kind against
    the contract models, so a change there that this misses fails them.
    """
    common = {
        "ticket_id": str(ticket.ticket_id),
        "metric": event.metric.value,
        "policy_id": str(event.policy_id),
        "policy_version": event.policy_version,
    }
    if event.kind is SlaEventKind.ESCALATION_REQUESTED:
        return common | {
            "level": event.level or 0,
            "breached_at": _iso(event.breached_at),
            "from_level": event.from_level,
            "ticket_version": ticket.ticket_version,
        }
    return common | {
        "due_at": _iso(event.due_at),
        "at": _iso(event.at),
        "business_seconds_used": round(float(event.business_seconds_used), 6),
        "ticket_version": ticket.ticket_version,
        "run": event.run,
        "target_seconds": float(event.target_seconds),
        "within_target": event.within_target,
        "priority": event.priority,
    }


def staged(
    ticket: StoredTicket, sla_events: Sequence[SlaEvent], *, causation_id: str | None = None
) -> list[outbox.Staged]:
    """The events ready for the outbox, ordered by ticket (the correlation id comes from the current context)."""
    key = str(ticket.ticket_id)
    return [
        producer.prepare(
            (_EVENT_TYPES[event.kind], payload_of(ticket, event)),
            merchant_id=ticket.merchant_id,
            ordering_key=key,
            causation_id=causation_id,
        )
        for event in sla_events
    ]


def clock_changes(ticket: StoredTicket) -> list[outbox.Staged]:
    """`sla.clock_changed` for each clock whose status or due time moved since it was saved (call before saving)."""
    key = str(ticket.ticket_id)
    return [
        producer.prepare(
            (SlaClockChanged.event_type, clock_changed_payload(ticket, tracked)),
            merchant_id=ticket.merchant_id,
            ordering_key=key,
        )
        for tracked in ticket.moved_clocks()
    ]


def clock_changed_payload(ticket: StoredTicket, tracked: TrackedClock) -> dict[str, Any]:
    """The payload exactly as SlaClockChanged serialises it (built by hand: a breach in the timer round has one)."""
    clock, policy = tracked.clock, tracked.policy
    status = clock.status
    return {
        "ticket_id": str(ticket.ticket_id),
        "metric": clock.metric.value,
        "run": tracked.run,
        "state": status.value,
        "due_at": _iso(clock.due_at()),
        "policy_id": str(policy.id),
        "policy_version": policy.version,
        "ticket_version": ticket.ticket_version,
        "at": _iso(_changed_at(ticket, tracked)),
    }


def _changed_at(ticket: StoredTicket, tracked: TrackedClock) -> datetime:
    """When the clock took its present status and due time: its breach, or its latest segment change or
    re-targeting, whichever came last."""
    clock = tracked.clock
    if clock.status is ClockState.BREACHED and clock.breached_at is not None:
        return clock.breached_at
    placed_at = ticket.sla.placed_at
    return clock.last_change if placed_at is None else max(clock.last_change, placed_at)


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else iso_utc(instant)

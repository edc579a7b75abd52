"""SLA flags on the ticket (sla_state, next due time) for queue views, from the SLA service's events.

The SLA service owns these facts, so applying them emits no ticket event; the ticket's version still
moves (every change does), and later ticket.* snapshots carry the flags.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_servicekit.clock import utcnow
from helpdesk_tickets import repository
from helpdesk_tickets.domain.sla import ClockEvent, apply_clock_event, summarize
from helpdesk_tickets.shared import Actor, audit, touch


async def apply_clock_event_to_ticket(
    session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, event: ClockEvent
) -> bool:
    """Fold one SLA clock event into the ticket's view of its clocks; False when stale, known or unknown."""
    ticket = await repository.get_ticket(session, merchant_id, ticket_id, for_update=True)
    if ticket is None:
        return False
    clocks = apply_clock_event(dict(ticket.sla_clocks), event)
    if clocks is None:
        return False
    state, next_due = summarize(clocks)
    now = utcnow()
    previous_state = ticket.sla_state
    ticket.sla_clocks = clocks
    ticket.sla_due_at = next_due
    ticket.sla_state = state.value
    touch(ticket, now)
    if previous_state != state.value:
        audit(session, ticket, Actor.system("sla"), "sla_state", previous_state, state.value, now)
    return True

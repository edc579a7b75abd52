"""Events in: each runs inside the inbox-guarded transaction the kit commits (a duplicate is skipped there)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Envelope, Payload
from helpdesk_notify.fanout import service
from helpdesk_servicekit.consumers import EventConsumers

consumers = EventConsumers("notify")

CONSUMED = (
    "ticket.created",
    "ticket.updated",
    "ticket.status_changed",
    "ticket.assigned",
    "ticket.message_added",
    "ticket.escalated",
    "ticket.compensation_issued",
    "sla.warning",
    "sla.breached",
    "routing.ticket_queued",
    "agent.upserted",
    "agent.status_changed",
    "survey.invited",
    "feature_request.status_changed",
)


async def on_event(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    await service.apply(session, envelope, payload)


for event_type in CONSUMED:
    consumers.on(event_type)(on_event)

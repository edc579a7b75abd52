"""Ticket events in: each runs inside the inbox-guarded transaction the kit commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Envelope, EventType, Payload
from helpdesk_feedback.invitations import service
from helpdesk_servicekit.consumers import EventConsumers

consumers = EventConsumers("feedback")

CONSUMED = (
    EventType.TICKET_CREATED,
    EventType.TICKET_UPDATED,
    EventType.TICKET_STATUS_CHANGED,
    EventType.TICKET_ASSIGNED,
)


async def on_ticket_event(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    await service.apply_ticket_event(session, envelope, payload)


for event_type in CONSUMED:
    consumers.on(event_type)(on_ticket_event)

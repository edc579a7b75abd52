"""Ticket events in: each runs inside the inbox-guarded transaction the kit commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Envelope, EventType, Payload, TicketCreated
from helpdesk_knowledge.suggestions import service
from helpdesk_servicekit.consumers import EventConsumers

consumers = EventConsumers("knowledge")


@consumers.on(EventType.TICKET_CREATED)
async def on_ticket_created(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    assert isinstance(payload, TicketCreated)
    await service.suggest_for_ticket(session, envelope, payload)

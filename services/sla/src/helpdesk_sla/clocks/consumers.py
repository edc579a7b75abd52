"""Ticket events in: each runs inside the inbox-guarded transaction the framework commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Envelope, Payload
from helpdesk_contracts.topology import CONSUMES
from helpdesk_servicekit.consumers import EventConsumers
from helpdesk_sla.clocks import service

consumers = EventConsumers("sla")

CONSUMED = CONSUMES["sla"]  # one handler for every event type the topology gives this service


async def on_ticket_event(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    await service.apply_ticket_event(session, envelope, payload)


for event_type in CONSUMED:
    consumers.on(event_type)(on_ticket_event)

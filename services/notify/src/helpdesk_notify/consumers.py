"""Events in: each runs inside the inbox-guarded transaction the kit commits (a duplicate is skipped there)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Envelope, Payload
from helpdesk_contracts.topology import CONSUMES
from helpdesk_notify.fanout import service
from helpdesk_servicekit.consumers import EventConsumers

consumers = EventConsumers("notify")

CONSUMED = CONSUMES["notify"]  # one handler for every event type the topology gives this service


async def on_event(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    await service.apply(session, envelope, payload)


for event_type in CONSUMED:
    consumers.on(event_type)(on_event)

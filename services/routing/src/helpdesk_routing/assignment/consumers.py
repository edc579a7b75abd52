"""Events in: ticket facts drive assignment and load; tickets, SLA and survey events feed agent metrics.
Each handler runs inside the inbox-guarded transaction the kit commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Envelope, EventType, Payload
from helpdesk_contracts.feedback import SurveyResponded
from helpdesk_contracts.sla import SlaBreached
from helpdesk_contracts.tickets import TicketAssigned, TicketEvent
from helpdesk_routing.assignment import service
from helpdesk_routing.domain.ticket import Fact
from helpdesk_routing.metrics import facts
from helpdesk_servicekit.consumers import EventConsumers

consumers = EventConsumers("routing")

TICKET_EVENTS = (
    EventType.TICKET_CREATED,
    EventType.TICKET_UPDATED,
    EventType.TICKET_STATUS_CHANGED,
    EventType.TICKET_ASSIGNED,
    EventType.TICKET_ESCALATED,
    EventType.TICKET_MESSAGE_ADDED,
)


def fact_of(payload: TicketEvent) -> Fact:
    t = payload.ticket
    return Fact(
        version=t.ticket_version,
        status=t.status.value,
        priority=t.priority.value,
        created_at=t.created_at,
        category_id=t.category_id,
        tags=tuple(t.tags),
        escalation_level=t.escalation_level,
        assignee_id=t.assignee_id,
        explicit_unassign=isinstance(payload, TicketAssigned) and payload.assignee_id is None,
        previous_assignee_id=payload.previous_assignee_id if isinstance(payload, TicketAssigned) else None,
    )


async def on_ticket_event(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    assert isinstance(payload, TicketEvent)
    await service.apply_fact(
        session,
        envelope.merchant_id,
        payload.ticket.ticket_id,
        fact_of(payload),
        likely_new=envelope.event_type == EventType.TICKET_CREATED,
    )
    await facts.record_ticket_event(session, envelope, payload)


for _event_type in TICKET_EVENTS:
    consumers.on(_event_type)(on_ticket_event)


@consumers.on(EventType.SLA_BREACHED)
async def on_sla_breached(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    assert isinstance(payload, SlaBreached)
    await facts.record_breach(session, envelope, payload)


@consumers.on(SurveyResponded.event_type)
async def on_survey_responded(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    assert isinstance(payload, SurveyResponded)
    await facts.record_survey(session, envelope, payload)

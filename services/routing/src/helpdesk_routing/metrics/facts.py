"""Events in, performance facts out (called from the consumers, inside their transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Envelope
from helpdesk_contracts.feedback import SurveyResponded
from helpdesk_contracts.sla import SlaBreached
from helpdesk_contracts.tickets import TicketAssigned, TicketEvent, TicketMessageAdded, TicketStatusChanged
from helpdesk_routing.assignment import repository as tickets
from helpdesk_routing.metrics import repository

STAFF = ("agent", "manager")


async def record_ticket_event(session: AsyncSession, envelope: Envelope, payload: TicketEvent) -> None:
    m, ticket, at = envelope.merchant_id, payload.ticket, envelope.occurred_at
    if isinstance(payload, TicketAssigned) and payload.assignee_id:
        await repository.add_fact(session, m, envelope.event_id, "assigned", payload.assignee_id, ticket.ticket_id, at)
    elif isinstance(payload, TicketStatusChanged) and ticket.assignee_id:
        if payload.to_status == "resolved":
            seconds = max((at - ticket.created_at).total_seconds(), 0.0)
            await repository.add_fact(
                session, m, envelope.event_id, "resolved", ticket.assignee_id, ticket.ticket_id, at, seconds
            )
        elif payload.to_status == "reopened":
            await repository.add_fact(
                session, m, envelope.event_id, "reopened", ticket.assignee_id, ticket.ticket_id, at
            )
    elif (
        isinstance(payload, TicketMessageAdded)
        and payload.first_response
        and payload.author_role in STAFF
        and payload.visibility == "public"
    ):
        seconds = max((at - ticket.created_at).total_seconds(), 0.0)
        await repository.add_fact(
            session, m, envelope.event_id, "first_response", payload.author_id, ticket.ticket_id, at, seconds
        )


async def record_breach(session: AsyncSession, envelope: Envelope, payload: SlaBreached) -> None:
    """A breach counts against whoever holds the ticket now (routing's projection)."""
    row = await tickets.find_ticket(session, envelope.merchant_id, payload.ticket_id)
    if row is not None and row.state.assignee_id:
        await repository.add_fact(
            session, envelope.merchant_id, envelope.event_id, "sla_breach", row.state.assignee_id,
            payload.ticket_id, payload.at,
        )


async def record_survey(session: AsyncSession, envelope: Envelope, payload: SurveyResponded) -> None:
    if payload.survey_type == "csat" and payload.agent_id:
        await repository.add_fact(
            session, envelope.merchant_id, envelope.event_id, "csat", payload.agent_id, payload.ticket_id,
            payload.responded_at, float(payload.score),
        )
